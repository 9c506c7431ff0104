package dev.pgnest.cli.migrate;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.ResolveResult;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "resolve", description = {
        "Mark a failed migration as rolled back (deploy runs the fixed file again) or as applied (it was",
        "completed by hand; also for the next pending migration), as Prisma's migrate resolve."})
public final class MigrateResolveCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--applied", paramLabel = "VERSION", required = true, description = "Record VERSION as applied.")
        String applied;

        @Option(names = "--rolled-back", paramLabel = "VERSION", required = true,
                description = "Forget the failed attempt of VERSION.")
        String rolledBack;
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Migrations m = new Migrations(MigrationOptions.settings(spec));
        ResolveResult r = action.applied != null ? m.resolveApplied(action.applied) : m.resolveRolledBack(action.rolledBack);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, r);
        } else {
            out.println("migration " + r.version() + " marked " + (r.action() == ResolveResult.Action.APPLIED ? "applied" : "rolled back")
                    + " on target " + r.target() + " (was " + name(r.before()) + ", now " + name(r.after()) + ")");
            out.flush();
        }
        return ExitCode.OK.status();
    }

    private static String name(Enum<?> e) {
        return e == null ? "unknown" : e.name().toLowerCase().replace('_', ' ');
    }
}
