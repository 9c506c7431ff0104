package dev.pgnest.cli.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliRun;
import dev.pgnest.cli.PgnestCommand;
import dev.pgnest.config.Timestamps;
import dev.pgnest.postgres.server.LocalServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PitrArgumentsTest {
    @TempDir
    Path tmp;

    @Test
    void aTimeWithoutAZoneIsAUsageErrorAtArgumentParsing() {
        for (String command : new String[] {"pitr", "plan pitr"}) {
            List<String> args = new ArrayList<>(List.of(("restore " + command).split(" ")));
            args.addAll(List.of("--to-time", "2026-12-06 03:15:31", "--data-dir", tmp.resolve("restored").toString()));
            CliRun run = CliRun.run(Map.of(), tmp, args.toArray(String[]::new));
            assertThat(run.exitCode()).as(command).isEqualTo(2);
            assertThat(run.err()).isEqualTo("error: --to-time '2026-12-06 03:15:31' has no time zone: add the zone it was "
                    + "written in, e.g. " + Timestamps.FORMS + System.lineSeparator());
            assertThat(tmp.resolve("restored")).doesNotExist();
        }
    }

    @Test
    void theRunDirectoryGoesUnderTmpdir() throws Exception {
        // a short TMPDIR, as the socket needs: a @TempDir under a long java.io.tmpdir may not be
        Path tmpdir = Files.createTempDirectory(Path.of("/tmp"), "pgnest-t-");
        try {
            Path runDir = PitrArguments.runDir(PgnestCommand.tempDir(Map.of("TMPDIR", tmpdir.toString())));
            assertThat(runDir.getParent()).isEqualTo(tmpdir);
            assertThat(runDir.getFileName().toString()).startsWith("pgnest-restore-");
            assertThat(Files.isDirectory(runDir)).isTrue();
        } finally {
            try (var paths = Files.walk(tmpdir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void withoutTmpdirItIsJavaIoTmpdir() {
        assertThat(PgnestCommand.tempDir(Map.of())).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
        assertThat(PgnestCommand.tempDir(Map.of("TMPDIR", ""))).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
    }

    @Test
    void aTmpdirTooLongForTheServersUnixSocketFallsBackToSlashTmp() throws Exception {
        Path deep = Files.createDirectories(tmp.resolve("x".repeat(LocalServer.MAX_SOCKET_DIR)));
        Path runDir = PitrArguments.runDir(deep);
        try {
            assertThat(runDir.getParent()).isEqualTo(Path.of("/tmp"));
            assertThat(runDir.toString().length()).isLessThanOrEqualTo(LocalServer.MAX_SOCKET_DIR);
        } finally {
            Files.delete(runDir);
        }
    }
}
