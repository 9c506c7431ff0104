package dev.pgnest.cli.restore;

import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.cli.shared.Subcommands;
import dev.pgnest.config.ExitCode;
import dev.pgnest.restore.RestoreContext;
import dev.pgnest.restore.logical.LogicalRestore;
import dev.pgnest.restore.pitr.PitrRestore;
import dev.pgnest.restore.plan.RestorePlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Subcommands({RestorePlanCommand.Logical.class, RestorePlanCommand.Pitr.class})
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print what a restore would do and how much it would download; change nothing.")
final class RestorePlanCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static void print(PrintWriter out, OutputOptions output, RestorePlan plan, RestoreContext context) {
        if (output.json()) {
            OutputOptions.printJson(out, plan);
        } else {
            plan.text().forEach(out::println);
            Path picture = context.savePlanPicture(plan.backup() == null ? null : plan.backup().id());
            if (picture != null) {
                out.println("  picture:      " + picture + " (restorable window, the chosen backup outlined)");
            }
            out.flush();
        }
    }

    @Command(name = "logical", description = "The plan of pgnest restore logical with the same options.")
    static final class Logical implements Callable<Integer> {
        @Mixin
        LogicalArguments arguments;

        @Mixin
        OutputOptions output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (RestoreContext context = RestoreCommand.context(spec)) {
                RestorePlan plan = LogicalRestore.plan(context.repository(), context.connection(), arguments.options(context));
                print(spec.commandLine().getOut(), output, plan, context);
                return plan.warnings().stream().anyMatch(w -> w.startsWith("the restore would stop"))
                        ? ExitCode.ATTENTION.status() : ExitCode.OK.status();
            }
        }
    }

    @Command(name = "pitr", description = "The plan of pgnest restore pitr with the same options: backup, WAL, window, steps.")
    static final class Pitr implements Callable<Integer> {
        @Mixin
        PitrArguments arguments;

        @Mixin
        OutputOptions output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (RestoreContext context = RestoreCommand.context(spec)) {
                PitrRestore.Request request = arguments.request(context);
                RestorePlan plan;
                try {
                    plan = PitrRestore.plan(context.repository(), request);
                } finally {
                    PitrArguments.removeRunDirIfEmpty(request);
                }
                print(spec.commandLine().getOut(), output, plan, context);
                return plan.warnings().stream().anyMatch(w -> w.startsWith("the restore would stop"))
                        ? ExitCode.ATTENTION.status() : ExitCode.OK.status();
            }
        }
    }
}
