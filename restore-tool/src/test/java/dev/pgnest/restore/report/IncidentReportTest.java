package dev.pgnest.restore.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.restore.report.IncidentReport.BackupUsed;
import dev.pgnest.restore.report.IncidentReport.Destination;
import dev.pgnest.restore.report.IncidentReport.Kind;
import dev.pgnest.restore.report.IncidentReport.Reached;
import dev.pgnest.restore.report.IncidentReport.Requested;
import dev.pgnest.restore.report.IncidentReport.WalRange;
import dev.pgnest.restore.timeline.TimelinePicture;
import dev.pgnest.restore.timeline.TimelineSvg;
import dev.pgnest.restore.timeline.TimelineSvgTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncidentReportTest {

    /** A clock that moves 1.5 s each time it is read. */
    static final class SteppingClock extends Clock {
        private Instant now = Instant.parse("2025-03-14T03:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            Instant t = now;
            now = now.plusMillis(1500);
            return t;
        }
    }

    @Test
    void aPitrReportSaysWhatWasAskedWhatWasReachedAndHowLongEachPhaseTook(@TempDir Path dir) throws Exception {
        ReportRecorder recorder = ReportRecorder.start(new SteppingClock(), Kind.pitr, "app", "pgnest 0.1.0");
        recorder.requested(new Requested("time", "2025-03-14 02:15:00.000000+00:00", true, "promote", "newest before target", null))
                .backup(new BackupUsed("20250314-010000P", "physical", Instant.parse("2025-03-14T01:00:00Z"),
                        Instant.parse("2025-03-14T01:05:00Z"), "0/2000028", "0/2000100", 1L, "5", 123_456_789L));
        int files = recorder.phase("download", () -> 1204, n -> n + " files");
        recorder.phase("recovery", Duration.ofSeconds(42), "replay")
                .wal(new WalRange("000000010000000000000002", "000000010000000000000009", 8))
                .reached(new Reached("0/9000060", Instant.parse("2025-03-14T02:14:59.5Z"), 2, "promoted",
                        "recovery stopping before commit of transaction 812"))
                .destination(new Destination("/var/lib/postgresql/15/main", 5432, null, false))
                .check("rows in public.orders | x", true, "1000", "1000");
        IncidentReport report = recorder.succeed();

        assertThat(files).isEqualTo(1204);
        assertThat(report.id()).isEqualTo("pitr-20250314-030000");
        assertThat(report.phases()).extracting(IncidentReport.Phase::name).containsExactly("download", "recovery");
        assertThat(report.phases().get(0).seconds()).isEqualTo(1.5);
        assertThat(report.phases().get(0).detail()).isEqualTo("1204 files");

        IncidentReport back = ReportFormat.parse(ReportFormat.json(report));
        assertThat(back).isEqualTo(report);

        String md = ReportFormat.markdown(report);
        assertThat(md).startsWith("# Restore report pitr-20250314-030000\n\n**Succeeded** — pitr restore of target `app`")
                .contains("| Target requested | time 2025-03-14 02:15:00.000000+00:00 (inclusive), then promote |")
                .contains("| Reached | promoted LSN 0/9000060, last transaction 2025-03-14T02:14:59.500Z, timeline 2 |")
                .contains("| Backup | `20250314-010000P` (physical, 2025-03-14T01:00:00Z to 2025-03-14T01:05:00Z, LSN 0/2000028 to 0/2000100, timeline 1) |")
                .contains("| WAL replayed | 8 segments, 000000010000000000000002 to 000000010000000000000009 |")
                .contains("| download | 1.50 | 1204 files |")
                .contains("| rows in public.orders \\| x | ok | 1000 | 1000 |");

        Path saved = ReportFormat.save(report, dir);
        assertThat(saved).hasFileName("pitr-20250314-030000.md").hasContent(md);
        assertThat(ReportFormat.parse(Files.readAllBytes(dir.resolve("pitr-20250314-030000.json")))).isEqualTo(report);
    }

    @Test
    void theMarkdownReportLinksThePictureOfTheRestorableWindowSavedBesideIt(@TempDir Path dir) throws Exception {
        IncidentReport report = ReportRecorder.start(new SteppingClock(), Kind.pitr, "shop", "pgnest 0.1.0").succeed();
        TimelinePicture picture = TimelineSvgTest.sample();

        Path md = ReportFormat.save(report, dir, picture);

        Path svg = dir.resolve(report.id() + ".svg");
        assertThat(Files.readString(md)).contains("## Restorable window").contains("](" + report.id() + ".svg)");
        assertThat(svg).hasContent(TimelineSvg.render(picture));
        assertThat(TimelineSvgTest.parse(Files.readString(svg)).getDocumentElement().getLocalName()).isEqualTo("svg");
        // without a picture (the repository could not be read) the report has no dead link
        assertThat(Files.readString(ReportFormat.save(report, dir.resolve("none")))).doesNotContain(".svg");
    }

    @Test
    void aFailedStepIsRecordedBeforeTheFailureGoesOn() {
        ReportRecorder recorder = ReportRecorder.start(new SteppingClock(), Kind.logical, "app", "pgnest 0.1.0");
        assertThatThrownBy(() -> recorder.phase("verify", () -> {
            throw new IllegalStateException("sha256 of dump.pgdump.zst does not match");
        }, null)).hasMessageContaining("does not match");
        IncidentReport report = recorder.fail(new IllegalStateException("sha256 of dump.pgdump.zst does not match"));
        assertThat(report.status()).isEqualTo(IncidentReport.Status.failed);
        assertThat(report.phases()).containsExactly(new IncidentReport.Phase("verify", 1.5, "failed"));
        assertThat(ReportFormat.markdown(report)).contains("**FAILED**", "Error: sha256 of dump.pgdump.zst does not match");
        assertThat(new String(ReportFormat.json(report))).doesNotContain("\"wal\"", "\"reached\"");
    }

    @Test
    void bytesArePrintedForPeople() {
        assertThat(List.of(ReportFormat.bytes(512), ReportFormat.bytes(1536), ReportFormat.bytes(3L * 1024 * 1024 * 1024)))
                .containsExactly("512 B", "1.5 KiB", "3.0 GiB");
    }
}
