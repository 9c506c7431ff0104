package dev.pgnest.cli.backup;

import dev.pgnest.backup.logical.BackupProgress;
import dev.pgnest.backup.logical.LogicalBackup;
import dev.pgnest.backup.logical.LogicalBackupOptions;
import dev.pgnest.cli.shared.Format;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.ExitCode;
import dev.pgnest.repository.BackupManifest;
import dev.pgnest.repository.RepositorySettings;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "logical", description = {
        "Back up the target database with pg_dump (custom format), compressed and streamed to the repository",
        "with no temporary file. The manifest, written last, records versions, sizes, SHA-256 and the schema",
        "version. Leftovers of earlier backups that died are removed first."})
public final class BackupLogicalCommand implements Callable<Integer> {
    @Mixin
    OutputOptions output;

    @Option(names = "--tag", paramLabel = "TAG", description = "A label for the manifest; repeatable.")
    List<String> tags = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (RepositoryAccess access = RepositoryAccess.open(spec)) {
            var repository = access.config().repository();
            LogicalBackupOptions options = LogicalBackupOptions.defaults(access.target())
                    .withCompression(RepositorySettings.compression(repository),
                            RepositorySettings.compressionLevel(repository))
                    .withPgBinDir(access.pgBinDir())
                    .withTags(tags, List.of());
            BackupProgress progress = TerminalProgress.forConsole(output.json());
            BackupManifest m;
            try {
                m = LogicalBackup.run(access::repository, access.config().connection(), options, progress);
            } finally {
                if (progress instanceof TerminalProgress t) {
                    t.finish();
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                OutputOptions.printJson(out, m);
            } else {
                out.println("backup " + m.id() + " of target " + m.target() + " (database " + m.logical().database()
                        + ", schema version " + (m.schemaVersion() == null ? "none" : m.schemaVersion()) + "): "
                        + Format.bytes(m.rawSize()) + " dumped, " + Format.bytes(m.storedSize()) + " stored ("
                        + m.compression() + "), " + Format.duration(m.duration()));
                out.flush();
            }
        }
        return ExitCode.OK.status();
    }
}
