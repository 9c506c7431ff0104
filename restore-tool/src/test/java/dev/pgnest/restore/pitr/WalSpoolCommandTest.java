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
        assertThat(spool.resolve(SEGMENT)).doesNotExist();
        // one file system: handed over by a hard link, so PostgreSQL's flush finds the spool's
        assertThat(Files.getAttribute(target, "unix:ino")).isEqualTo(Files.getAttribute(spool.resolve("used").resolve(SEGMENT), "unix:ino"));
        assertThat(WalSpool.sameFileSystem(spool, tmp)).isTrue();
    }

    /**
     * A spooled segment that cannot be handed over (here: %p's directory is gone; in life, a full
     * disk) goes to the real fetch, whose exit status PostgreSQL gets: never the copy's exit 1,
     * which reads as "not archived" and would end the recovery early.
     */
    @Test
    void aHandOverThatFailsGoesToTheRealFetch() throws Exception {
        Path spool = spoolWith("spooled");
        Path target = tmp.resolve("gone").resolve("RECOVERYXLOG");
        Path asked = tmp.resolve("fallback-asked");
        String fallback = "echo %f >> '" + asked + "'; exit 126";
        assertThat(run(WalSpool.restoreCommand(spool, WalSpool.bootId(), fallback), target)).isEqualTo(126);
        assertThat(Files.readString(asked)).isEqualTo(SEGMENT + "\n");
        assertThat(spool.resolve(SEGMENT)).as("still spooled").exists();

        Files.move(spool.resolve(SEGMENT), spool.resolve("used").resolve(SEGMENT));
        assertThat(run(WalSpool.restoreCommand(spool, WalSpool.bootId(), fallback), target)).as("a re-read").isEqualTo(126);
        assertThat(Files.readAllLines(asked)).hasSize(2);
    }

    /** Where the link cannot be made (another file system), the segment is copied; never "not archived". */
    @Test
    void aSpoolOnAnotherFileSystemIsCopied() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(shm) && !WalSpool.sameFileSystem(shm, tmp),
                "needs /dev/shm on another file system than the temp directory");
        Path spool = Files.createTempDirectory(shm, "pgnest-spool-test-");
        try {
            for (String d : new String[] {"history", "missing", "used"}) {
                Files.createDirectories(spool.resolve(d));
            }
            Files.writeString(spool.resolve(SEGMENT), "spooled elsewhere");
            Path target = tmp.resolve("RECOVERYXLOG");
            assertThat(run(WalSpool.restoreCommand(spool, WalSpool.bootId(), "echo fetched > '%p'"), target)).isZero();
            assertThat(Files.readString(target)).isEqualTo("spooled elsewhere");
            assertThat(Files.getAttribute(target, "unix:ino"))
                    .isNotEqualTo(Files.getAttribute(spool.resolve("used").resolve(SEGMENT), "unix:ino"));
        } finally {
            try (var files = Files.walk(spool)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
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
