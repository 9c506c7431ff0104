package dev.pgnest.cli.shared;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A command's subcommands, declared on it where picocli's {@code @Command(subcommands = …)}
 * would be. {@code dev.pgnest.cli.CommandTree} builds them: the whole tree, or only the branch an invocation
 * names (picocli would build every command's model at every start).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Subcommands {
    Class<?>[] value();
}
