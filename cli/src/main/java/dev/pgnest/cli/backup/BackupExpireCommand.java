package dev.pgnest.cli.backup;

import dev.pgnest.backup.expire.BackupExpiry;
import dev.pgnest.backup.expire.ExpiryPlan;
import dev.pgnest.backup.expire.RetentionPolicy;
import dev.pgnest.backup.expire.RetentionSettings;
import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.cli.wal.WalRetentionView;
import dev.pgnest.config.ExitCode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "expire", description = {
        "Delete backups the retention rules do not keep; a backup is kept when any rule keeps it. Rules apply",
        "to logical and physical backups separately. The newest backup and the newest verified one are always",
        "kept. Days, weeks and months are UTC calendar periods. Then archived WAL no remaining physical backup",
        "needs is removed (as pgnest wal expire does).",
        "Rules: --keep-last N, --max-age AGE (36h, 30d, 8w), --keep-daily N, --keep-weekly N, --keep-monthly N,",
        "or the target's retention.* settings in pgnest.yml / PGNEST_RETENTION_*."})
public final class BackupExpireCommand implements Callable<Integer> {
    @Option(names = "--dry-run", description = "Show what would be deleted; delete nothing.")
    boolean dryRun;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // --keep-last, --max-age, --keep-daily/weekly/monthly are the target's retention.* settings.
        RetentionPolicy policy = RetentionSettings.policy(CommandContext.of(spec).config().target());
        try (RepositoryAccess access = RepositoryAccess.open(spec)) {
            String target = access.target();
            BackupExpiry.Result result = BackupExpiry.expire(access.repository(), target, policy, dryRun, Instant.now(),
                    ZoneOffset.UTC);
            ExpiryPlan plan = result.plan();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, BackupViews.ExpiryView.of(target, dryRun, result));
                return ExitCode.OK.status();
            }
            for (ExpiryPlan.Decision d : plan.decisions()) {
                out.println((d.keep() ? "keep   " : dryRun ? "would delete " : "delete ") + d.backup().id()
                        + (d.reasons().isEmpty() ? "" : "  (" + String.join(", ", d.reasons()) + ")"));
            }
            out.println((dryRun ? "dry run: would delete " : "deleted ") + plan.toDelete().size() + " of "
                    + plan.decisions().size() + " backups of target " + target + " (keeping " + policy + ")");
            WalRetentionView.lines(result.wal(), dryRun).forEach(out::println);
            out.flush();
        }
        return ExitCode.OK.status();
    }
}
