package dev.pgnest.restore.pitr;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool's restore_command, run by sh as PostgreSQL runs it. */
class WalSpoolCommandTest {
    private static final String SEGMENT = "000000010000000000000003";
    @TempDir
    Path tmp;

    @Test
    void theSpoolServesASegmentDuringTheBootThatWroteIt() throws Exception {
        Path spool = spoolWith("spooled");
        Path target = tmp.resolve("RECOVERYXLOG");
        String boot = WalSpool.bootId();
        assertThat(boot).as("this Linux has a boot id").isNotNull();
        assertThat(run(WalSpool.restoreCommand(spool, boot, "echo fetched > '%p'"), target)).isZero();
        assertThat(Files.readString(target)).isEqualTo("spooled");
        assertThat(spool.resolve("used").resolve(SEGMENT)).exists();
    }

    /** Written but not flushed before a crash of the machine, a spooled segment may be torn: after a boot it is passed over. */
    @Test
    void afterAnotherBootTheSpoolIsPassedOverForTheRealFetch() throws Exception {
        Path spool = spoolWith("maybe torn");
        Path target = tmp.resolve("RECOVERYXLOG");
        String earlierBoot = "00000000-0000-4000-8000-000000000000";
        assertThat(run(WalSpool.restoreCommand(spool, earlierBoot, "echo fetched > '%p'"), target)).isZero();
        assertThat(Files.readString(target)).isEqualTo("fetched\n");
        assertThat(spool.resolve(SEGMENT)).exists();
    }

    private Path spoolWith(String content) throws IOException {
        Path spool = tmp.resolve("spool");
        for (String d : new String[] {"history", "missing", "used"}) {
            Files.createDirectories(spool.resolve(d));
        }
        Files.writeString(spool.resolve(SEGMENT), content);
        return spool;
    }

    /** As PostgreSQL does: %f and %p substituted, then sh -c. */
    private static int run(String command, Path target) throws Exception {
        String sh = command.replace("%f", SEGMENT).replace("%p", target.toString());
        Process p = new ProcessBuilder("sh", "-c", sh).inheritIO().start();
        return p.waitFor();
    }
}
