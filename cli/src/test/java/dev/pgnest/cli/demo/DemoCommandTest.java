package dev.pgnest.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.cli.CliRun;
import dev.pgnest.testing.IntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void theDemoEndsInAPointInTimeRestoreProvenByChecksums() throws Exception {
        Path demoDir = dir.resolve(".pgnest-demo");
        CliRun r = CliRun.run(Map.of(), dir, "demo", "--dir", demoDir.toString(), "--scale", "0.01");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out())
                .containsPattern("ok +BabyNest migrations +9 applied, schema at version 9")
                .containsPattern("ok +seed data +[0-9,]+ rows in 10 tables")
                .containsPattern("ok +logical backup +backup \\d{8}-\\d{6}L, ")
                .containsPattern("ok +physical backup +base backup \\d{8}-\\d{6}P, \\d+ files, .* committed once its WAL was archived")
                .containsPattern("ok +WAL archiving +\\d+ WAL files pushed through the endpoint into the repository")
                .containsPattern("ok +point-in-time restore +base backup \\d{8}-\\d{6}P \\+ \\d+ WAL segment\\(s\\), recovered to ")
                .containsPattern("ok +verification +all 10 tables equal their checksums from before the accident \\(feeding_logs: \\d+ rows back\\)")
                .contains("The data is back, proven by checksums.")
                .doesNotContain("not yet")
                .containsPattern("ok +the accident +DELETE FROM feeding_logs without a WHERE: [0-9,]+ rows gone")
                .containsPattern("ok +damage check +1 table\\(s\\) differ from before the accident \\(feeding_logs: 0 rows, was \\d+\\)")
                .doesNotContain("FAILED");
        // the repository is real: the dump and its manifest are files of the S3 store
        try (var files = Files.walk(demoDir.resolve("s3"))) {
            assertThat(files.map(Path::toString).filter(p -> p.contains("/backups/")))
                    .anyMatch(p -> p.endsWith("manifest.json")).anyMatch(p -> p.endsWith("dump.pgdump.zst"))
                    .anyMatch(p -> p.matches(".*/backups/\\d{8}-\\d{6}P/manifest\\.json"));
        }
        try (var files = Files.walk(demoDir.resolve("s3"))) {
            assertThat(files.map(Path::toString).filter(p -> p.contains("/wal/00000001/"))).isNotEmpty();
        }
    }
}
