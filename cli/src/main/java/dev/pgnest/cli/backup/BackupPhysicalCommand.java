package dev.pgnest.cli.backup;

import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.backup.physical.PhysicalBackupSettings;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.cli.wal.WalAccess;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.BackupManifest;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "physical", description = {
        "Take a physical base backup (for point-in-time recovery) with the non-exclusive backup API. On the",
        "database host the data directory is read in parallel; elsewhere pg_basebackup's tar stream is used.",
        "Small files are bundled, every file has a SHA-256, and the backup is kept only once its WAL is in the",
        "archive (archive_command = 'pgnest wal push %%p', or pgnest wal stream). With backup.physical.standby-url",
        "the backup is taken on that standby, and the primary (the target's url) only switches WAL."})
public final class BackupPhysicalCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    // --method, --type, --data-dir, --parallel and --wal-timeout: declared with backup.physical.* in Settings

    @Option(names = "--spread-checkpoint", description = "Start with a spread checkpoint (gentler, may take checkpoint_timeout) instead of an immediate one.")
    boolean spread;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PhysicalBackup.Result r;
        try (WalAccess access = WalAccess.open(spec)) {
            var config = access.config();
            PhysicalBackup.Options s = PhysicalBackupSettings.options(config.global(), config.target(), config.repository());
            PhysicalBackup.Options options = new PhysicalBackup.Options(s.method(), s.dataDirectory(), s.parallelism(),
                    s.compression(), s.level(), !spread, s.walTimeout(), s.bundleFileLimit(), s.bundleSize(), s.binaries());
            Optional<String> standby = config.target().get(Settings.BACKUP_STANDBY_URL);
            DatabaseConnection from = standby.map(url -> DatabaseConnection.parse(url, config.target().get(Settings.DB_USER)
                    .orElse(null), config.target().get(Settings.DB_PASSWORD).orElse(null))).orElse(access.connection());
            PhysicalBackup backup = new PhysicalBackup(from, access.repository(), access.target(), access.archive(), options,
                    PhysicalBackupSettings.type(config.target()));
            r = (standby.isPresent() ? backup.onStandbyOf(access.connection()) : backup).run();
        }
        BackupManifest m = r.manifest();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("manifest", m);
            json.put("method", r.method().name().toLowerCase());
            json.put("files", r.files());
            OutputOptions.printJson(out, json);
        } else {
            out.println("backup " + m.id() + " of target " + m.target() + " (physical " + m.physical().type()
                    + m.dependsOn().map(d -> " on " + d).orElse("") + ", " + r.method().name().toLowerCase() + "): " + r.files() + " files, " + mb(r.rawBytes()) + " read, " + mb(m.storedSize()) + " stored ("
                    + m.compression() + "), " + r.duration().toMillis() / 1000.0 + " s");
            out.println("WAL " + m.physical().startWal() + " .. " + m.physical().stopWal() + " (LSN " + m.physical().startLsn()
                    + " .. " + m.physical().stopLsn() + ", timeline " + m.physical().timeline() + ")"
                    + (m.schemaVersion() == null ? "" : ", schema version " + m.schemaVersion()));
            out.flush();
        }
        return ExitCode.OK.status();
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
