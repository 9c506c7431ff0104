package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.config.PgnestException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WalNamingTest {

    private static final long MB16 = WalSegment.DEFAULT_SIZE;
    private static final long GB1 = 1L << 30;

    @Test
    void lsnParsesAndPrintsAsPostgresDoes() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(lsn.value()).isEqualTo(0x16B374D848L);
        assertThat(lsn).hasToString("16/B374D848");
        assertThat(Lsn.parse("0/3000028")).hasToString("0/3000028");
        assertThat(Lsn.parse("ff/ffffffff").value()).isEqualTo(0xFFFFFFFFFFL);
        assertThat(new Lsn(0xFFFFFFFF_00000000L)).hasToString("FFFFFFFF/0");
        assertThat(new Lsn(0xFFFFFFFF_00000000L)).isGreaterThan(Lsn.parse("1/0"));
    }

    @Test
    void badLsnNamesTheFormat() {
        assertThatThrownBy(() -> Lsn.parse("3000028")).isInstanceOf(PgnestException.class)
                .hasMessage("'3000028' is not a WAL location: write it as PostgreSQL prints pg_lsn values, e.g. 0/3000028");
        assertThatThrownBy(() -> Lsn.parse("0/XYZ")).isInstanceOf(PgnestException.class);
        assertThatThrownBy(() -> Lsn.parse("0/123456789")).isInstanceOf(PgnestException.class);
    }

    @Test
    void segmentNamesMatchPgWalfileName() {
        // SELECT pg_walfile_name('16/B374D848') on a 16 MB cluster, timeline 1
        assertThat(WalSegment.endingAt(1, Lsn.parse("16/B374D848"), MB16).name(MB16)).isEqualTo("0000000100000016000000B3");
        assertThat(WalSegment.containing(1, Lsn.parse("0/2000028"), MB16).name(MB16)).isEqualTo("000000010000000000000002");
        // 1 GB segments: four per log id
        assertThat(WalSegment.containing(3, Lsn.parse("16/B374D848"), GB1).name(GB1)).isEqualTo("000000030000001600000002");
    }

    @Test
    void endOnSegmentBoundaryNeedsOnlyThePreviousSegment() {
        Lsn boundary = Lsn.parse("0/3000000");
        assertThat(WalSegment.endingAt(1, boundary, MB16).number()).isEqualTo(2);
        assertThat(WalSegment.containing(1, boundary, MB16).number()).isEqualTo(3);
        assertThat(WalSegment.endingAt(1, boundary.plus(1), MB16).number()).isEqualTo(3);
    }

    @Test
    void parseRoundTripsAndNextCrossesLogIdBoundary() {
        WalSegment s = WalSegment.parse("00000002000000A1000000FF", MB16);
        assertThat(s.timeline()).isEqualTo(2);
        assertThat(s.number()).isEqualTo(0xA1L * 256 + 0xFF);
        assertThat(s.name(MB16)).isEqualTo("00000002000000A1000000FF");
        assertThat(s.next().name(MB16)).isEqualTo("00000002000000A200000000");
        assertThat(s.startLsn(MB16)).isEqualTo(Lsn.parse("A1/FF000000"));
        assertThat(s.endLsn(MB16)).isEqualTo(Lsn.parse("A2/0"));
    }

    @Test
    void parseRejectsNamesImpossibleForTheSegmentSize() {
        // segment part 0x04 does not exist with 1 GB segments (only 0..3)
        assertThatThrownBy(() -> WalSegment.parse("000000010000000000000004", GB1))
                .isInstanceOf(PgnestException.class).hasMessageContaining("1024 MB segments");
        assertThatThrownBy(() -> WalSegment.parse("00000001000000000000000g", MB16)).isInstanceOf(PgnestException.class);
        assertThatThrownBy(() -> WalSegment.parse("000000000000000000000001", MB16)).isInstanceOf(PgnestException.class);
    }

    @Test
    void fileKindsAreToldApartByName() {
        assertThat(WalFileName.classify("000000010000000000000003")).contains(WalFileName.SEGMENT);
        assertThat(WalFileName.classify("00000002.history")).contains(WalFileName.HISTORY);
        assertThat(WalFileName.classify("000000010000000000000003.00000028.backup")).contains(WalFileName.BACKUP_HISTORY);
        assertThat(WalFileName.classify("000000010000000000000003.partial")).contains(WalFileName.PARTIAL);
        assertThat(WalFileName.classify("archive_status")).isEmpty();
        assertThat(WalFileName.classify("000000010000000000000003.tmp")).isEmpty();
        assertThat(WalFileName.timelineOf("0000000A.history")).isEqualTo(10);
        assertThat(WalFileName.historyName(10)).isEqualTo("0000000A.history");
    }

    @Test
    void timelineHistoryParsesAndPicksTheSegmentsTimelineAsRecoveryDoes() {
        String content = "1\t0/3000158\tno recovery target specified\n\n# comment\n2\t0/5000000\tbefore 2024-01-01\n";
        TimelineHistory h = TimelineHistory.parse(3, content);
        assertThat(h.switches()).hasSize(2);
        assertThat(h.begin()).isEqualTo(Lsn.parse("0/5000000"));
        assertThat(h.descendsFrom(1)).isTrue();
        assertThat(h.descendsFrom(4)).isFalse();
        // segment 2 is wholly on timeline 1; segment 3 holds the switch, so it is read from timeline 2
        assertThat(h.timelineOfSegment(2, MB16)).isEqualTo(1);
        assertThat(h.timelineOfSegment(3, MB16)).isEqualTo(2);
        assertThat(h.timelineOfSegment(4, MB16)).isEqualTo(2);
        // switch exactly on the boundary of segment 5: segment 5 is the new timeline's first
        assertThat(h.timelineOfSegment(5, MB16)).isEqualTo(3);
        assertThat(TimelineHistory.parse(3, h.format())).isEqualTo(h);
        assertThat(TimelineHistory.first().timelineOfSegment(99, MB16)).isEqualTo(1);
    }

    @Test
    void damagedHistoryIsAnIntegrityError() {
        assertThatThrownBy(() -> TimelineHistory.parse(2, "x\t0/1\treason\n"))
                .isInstanceOf(PgnestException.class).hasMessageContaining("history file of timeline 2");
        assertThatThrownBy(() -> TimelineHistory.parse(2, "2\t0/1\treason\n")).isInstanceOf(PgnestException.class);
    }

    @Test
    void coverageFindsRangesAndGapsPerTimeline() {
        Set<WalSegment> present = Set.of(seg(1, 1), seg(1, 2), seg(1, 3), seg(1, 6), seg(2, 6), seg(2, 7));
        Map<Integer, List<WalCoverage.Range>> ranges = WalCoverage.ranges(present);
        assertThat(ranges.get(1)).containsExactly(new WalCoverage.Range(seg(1, 1), seg(1, 3)), new WalCoverage.Range(seg(1, 6), seg(1, 6)));
        assertThat(ranges.get(2)).containsExactly(new WalCoverage.Range(seg(2, 6), seg(2, 7)));
        assertThat(WalCoverage.gapsWithinTimelines(present)).containsExactly(new WalCoverage.Range(seg(1, 4), seg(1, 5)));
        assertThat(new WalCoverage.Range(seg(1, 4), seg(1, 5)).format(MB16))
                .isEqualTo("000000010000000000000004..000000010000000000000005");
    }

    @Test
    void missingFollowsTheTimelineSwitch() {
        TimelineHistory tl2 = TimelineHistory.parse(2, "1\t0/6000100\tpromoted\n");
        Set<WalSegment> present = Set.of(seg(1, 2), seg(1, 3), seg(1, 5), seg(1, 6), seg(2, 7));
        // 4 missing on tl 1; 6 must come from tl 2 (it holds the switch), 8 not yet there
        assertThat(WalCoverage.missing(present, seg(1, 2), 8, tl2, MB16)).containsExactly(
                new WalCoverage.Range(seg(1, 4), seg(1, 4)),
                new WalCoverage.Range(seg(2, 6), seg(2, 6)),
                new WalCoverage.Range(seg(2, 8), seg(2, 8)));
        assertThat(WalCoverage.missing(Set.of(seg(1, 2), seg(1, 3)), seg(1, 2), 3, TimelineHistory.first(), MB16)).isEmpty();
    }

    @Test
    void pageHeaderIdentifiesTheSegmentAndCluster() {
        WalSegment s = seg(1, 0x25);
        byte[] page = header(0xD110, 0x0006, 1, s.startLsn(MB16).value(), 7312345678901234567L, MB16);
        WalPageHeader h = WalPageHeader.read(page).orElseThrow();
        assertThat(h.systemIdentifier()).isEqualTo(7312345678901234567L);
        assertThat(h.segmentSize()).isEqualTo(MB16);
        assertThat(h.mismatch(s)).isEmpty();
        assertThat(h.mismatch(s.next())).get().asString().contains("starts at 0/26000000");
        // a timeline's first segment starts with its parent's page
        assertThat(h.mismatch(s.onTimeline(2))).isEmpty();
        assertThat(WalPageHeader.read(new byte[8192])).isEmpty();
        assertThat(WalPageHeader.read(new byte[10])).isEmpty();
    }

    static byte[] header(int magic, int info, int tli, long pageAddr, long sysid, long segSize) {
        ByteBuffer b = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) magic).putShort(2, (short) info).putInt(4, tli).putLong(8, pageAddr)
                .putLong(24, sysid).putInt(32, (int) segSize).putInt(36, 8192);
        return b.array();
    }

    private static WalSegment seg(int tli, long n) {
        return new WalSegment(tli, n);
    }
}
