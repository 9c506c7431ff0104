package dev.pgnest.cli.backup;

import dev.pgnest.backup.physical.PhysicalBackup;
import dev.pgnest.backup.physical.PhysicalBackupSettings;
import dev.pgnest.cli.OutputOptions;
import dev.pgnest.cli.wal.WalAccess;
import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.BackupManifest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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
        "archive (archive_command = 'pgnest wal push %%p', or pgnest wal stream)."})
public final class BackupPhysicalCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    @Option(names = "--method", paramLabel = "auto|files|pg_basebackup",
            description = "How to read the files (default: backup.physical.method, auto).")
    String method;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The server's data directory as seen from here (default: backup.physical.data-dir, else the server's data_directory).")
    Path dataDir;

    @Option(names = "--parallel", paramLabel = "N",
            description = "Files read and compressed at once (default: backup.physical.parallelism, else the number of CPUs).")
    Integer parallel;

    @Option(names = "--wal-timeout", paramLabel = "SECONDS",
            description = "How long to wait for the backup's last WAL segment to reach the archive (default: backup.physical.wal-timeout, 60).")
    Integer walTimeout;

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
            PhysicalBackup.Options options = new PhysicalBackup.Options(
                    method != null ? method() : s.method(),
                    dataDir != null ? dataDir : s.dataDirectory(),
                    parallel != null ? PhysicalBackupSettings.parallelism(parallel) : s.parallelism(),
                    s.compression(), s.level(), !spread,
                    walTimeout != null ? Duration.ofSeconds(walTimeout) : s.walTimeout(),
                    s.bundleFileLimit(), s.bundleSize(), s.binaries());
            r = new PhysicalBackup(access.connection(), access.repository(), access.target(), access.archive(), options).run();
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
            out.println("backup " + m.id() + " of target " + m.target() + " (physical, " + r.method().name().toLowerCase()
                    + "): " + r.files() + " files, " + mb(r.rawBytes()) + " read, " + mb(m.storedSize()) + " stored ("
                    + m.compression() + "), " + r.duration().toMillis() / 1000.0 + " s");
            out.println("WAL " + m.physical().startWal() + " .. " + m.physical().stopWal() + " (LSN " + m.physical().startLsn()
                    + " .. " + m.physical().stopLsn() + ", timeline " + m.physical().timeline() + ")"
                    + (m.schemaVersion() == null ? "" : ", schema version " + m.schemaVersion()));
            out.flush();
        }
        return ExitCode.OK.status();
    }

    private PhysicalBackup.Method method() {
        try {
            return PhysicalBackupSettings.method(method);
        } catch (IllegalArgumentException e) {
            throw new dev.pgnest.config.PgnestException(dev.pgnest.config.ErrorKind.USAGE,
                    "unknown backup method '" + method + "'", "use auto, files or pg_basebackup");
        }
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
