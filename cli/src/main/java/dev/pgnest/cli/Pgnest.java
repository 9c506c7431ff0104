package dev.pgnest.cli;

import java.nio.file.Path;

/** The {@code pgnest} executable. */
public final class Pgnest {
    private Pgnest() {
    }

    public static void main(String[] args) {
        System.exit(PgnestCommand.commandLine(System.getenv(), Path.of(""), args).execute(args));
    }
}
