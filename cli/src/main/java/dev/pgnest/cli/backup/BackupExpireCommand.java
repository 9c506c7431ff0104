package dev.pgnest.cli.backup;

import dev.pgnest.backup.expire.BackupExpiry;
import dev.pgnest.backup.expire.ExpiryPlan;
import dev.pgnest.backup.expire.RetentionPolicy;
import dev.pgnest.cli.OutputOptions;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.PgnestException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "expire", description = {
        "Delete backups the retention rules do not keep; a backup is kept when any rule keeps it. Rules apply",
        "to logical and physical backups separately. The newest backup and the newest verified one are always",
        "kept. Days, weeks and months are UTC calendar periods."})
public final class BackupExpireCommand implements Callable<Integer> {
    private static final Pattern AGE = Pattern.compile("(\\d+)([hdw])");

    @Option(names = "--keep-last", paramLabel = "N", description = "Keep the newest N backups.")
    int keepLast;

    @Option(names = "--max-age", paramLabel = "AGE", description = "Keep backups younger than AGE: 36h, 30d, 8w.")
    String maxAge;

    @Option(names = "--keep-daily", paramLabel = "N", description = "Keep the newest backup of each of the last N days with backups.")
    int daily;

    @Option(names = "--keep-weekly", paramLabel = "N", description = "Keep the newest backup of each of the last N weeks with backups.")
    int weekly;

    @Option(names = "--keep-monthly", paramLabel = "N", description = "Keep the newest backup of each of the last N months with backups.")
    int monthly;

    @Option(names = "--dry-run", description = "Show what would be deleted; delete nothing.")
    boolean dryRun;

    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        RetentionPolicy policy = new RetentionPolicy(keepLast, age(maxAge), daily, weekly, monthly);
        try (RepositoryAccess access = RepositoryAccess.open(spec)) {
            String target = access.target();
            ExpiryPlan plan = BackupExpiry.expire(access.repository(), target, policy, dryRun, Instant.now(), ZoneOffset.UTC);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, BackupViews.ExpiryView.of(target, dryRun, plan));
                return ExitCode.OK.status();
            }
            for (ExpiryPlan.Decision d : plan.decisions()) {
                out.println((d.keep() ? "keep   " : dryRun ? "would delete " : "delete ") + d.backup().id()
                        + (d.keep() ? "  (" + String.join(", ", d.reasons()) + ")" : ""));
            }
            out.println((dryRun ? "dry run: would delete " : "deleted ") + plan.toDelete().size() + " of "
                    + plan.decisions().size() + " backups of target " + target + " (keeping " + policy + ")");
            out.flush();
        }
        return ExitCode.OK.status();
    }

    static Duration age(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = AGE.matcher(text.strip());
        if (!m.matches()) {
            throw new PgnestException(ErrorKind.USAGE, "--max-age '" + text + "' is not an age",
                    "write a number and h, d or w: 36h, 30d, 8w");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }
}
