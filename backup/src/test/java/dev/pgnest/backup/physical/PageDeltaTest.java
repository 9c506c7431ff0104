package dev.pgnest.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class PageDeltaTest {

    @Test
    void mainForksAndVisibilityMapsOfRelationsQualifyTheFreeSpaceMapAndOtherFilesDoNot() {
        assertThat(PageDelta.eligible("base/16384/16390")).isTrue();
        assertThat(PageDelta.eligible("base/16384/16390.2")).isTrue();
        assertThat(PageDelta.eligible("base/16384/16390_vm")).isTrue();
        assertThat(PageDelta.eligible("global/1262")).isTrue();
        assertThat(PageDelta.eligible("pg_tblspc/16400/PG_15_202209061/16384/16401")).isTrue();
        assertThat(PageDelta.eligible("base/16384/16390_fsm")).isFalse();
        assertThat(PageDelta.eligible("base/16384/16390_init")).isFalse();
        assertThat(PageDelta.eligible("base/16384/PG_VERSION")).isFalse();
        assertThat(PageDelta.eligible("global/pg_control")).isFalse();
        assertThat(PageDelta.eligible("pg_xact/0000")).isFalse();
        assertThat(PageDelta.eligible("base/16384/pg_filenode.map")).isFalse();
    }

    @Test
    void thePageLsnIsTheHeadersTwoLittleEndianHalvesAndOnlyNewerOrNewPagesAreChanged() {
        byte[] page = new byte[PageDelta.PAGE];
        ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x2).putInt(4, 0x3000028);
        assertThat(PageDelta.lsn(page, 0)).isEqualTo(0x2_03000028L);
        assertThat(PageDelta.changed(page, 0, 0x2_03000028L)).isFalse();
        assertThat(PageDelta.changed(page, 0, 0x2_03000027L)).isTrue();
        assertThat(PageDelta.changed(page, 0, 0x3_00000000L)).isFalse();
        // an all-zero page (the file was extended) is always stored
        assertThat(PageDelta.changed(new byte[PageDelta.PAGE], 0, 0x3_00000000L)).isTrue();
        // xrecoff with its top bit set is not a negative number
        ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0).putInt(4, 0xF0000000);
        assertThat(PageDelta.lsn(page, 0)).isEqualTo(0xF0000000L);
    }
}
