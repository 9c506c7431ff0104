package dev.pgnest.cli.restore;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.Subcommands;
import dev.pgnest.restore.RestoreContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Subcommands({
        RestorePitrCommand.class, RestoreLogicalCommand.class, RestoreDrillCommand.class, RestorePlanCommand.class})
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore backups: logical (pg_restore into a database), point-in-time recovery of the cluster,",
                "drills that prove the latest backup restorable, and plans that change nothing.",
                "Every restore saves an incident report (JSON + Markdown) in restore.report-dir."})
public final class RestoreCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The restore context of the selected target, for the restore command of {@code spec}. */
    static RestoreContext context(CommandSpec spec) {
        CommandContext root = CommandContext.of(spec);
        return RestoreContext.of(root.config(), root.tempDir());
    }
}
