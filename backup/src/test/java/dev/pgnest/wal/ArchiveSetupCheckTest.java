package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.wal.ArchiveSetupCheck.Finding;
import dev.pgnest.wal.ArchiveSetupCheck.Status;
import org.junit.jupiter.api.Test;

class ArchiveSetupCheckTest {
    @Test
    void theServerMajorIsReportedWithWhetherItIsSupported() {
        assertThat(ArchiveSetupCheck.serverVersion("17.2", 170002))
                .isEqualTo(new Finding("postgresql", Status.OK, "PostgreSQL 17.2 (major 17), supported", ""));
        assertThat(ArchiveSetupCheck.serverVersion("15.18 (Debian 15.18-0+deb12u1)", 150018).detail())
                .isEqualTo("PostgreSQL 15.18 (major 15), supported");
        assertThat(ArchiveSetupCheck.serverVersion("12.22", 120022))
                .extracting(Finding::status, Finding::detail)
                .containsExactly(Status.FAILED, "PostgreSQL 12.22 (major 12), not supported (13–18)");
        assertThat(ArchiveSetupCheck.serverVersion("19beta1", 190000))
                .extracting(Finding::status, Finding::detail)
                .containsExactly(Status.WARNING, "PostgreSQL 19beta1 (major 19), newer than pgnest is tested on (13–18)");
    }
}
