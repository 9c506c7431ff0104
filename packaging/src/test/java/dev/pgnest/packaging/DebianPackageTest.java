package dev.pgnest.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.testing.IntegrationTest;
import dev.pgnest.testing.PostgresCluster;
import dev.pgnest.testing.PostgresCluster.RunAs;
import dev.pgnest.testing.Servers;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The .deb this module builds, installed with dpkg into a scratch root ({@code dpkg --root}, its
 * maintainer scripts run with {@code DPKG_ROOT} instead of a chroot, dependencies taken from this
 * host), used as an operator uses it: the postgres user runs the installed {@code pgnest},
 * PostgreSQL archives through {@code archive_command = 'pgnest wal push %p'} and a point-in-time
 * restore fetches WAL through it, all configured by the installed conffile only; then removed
 * and purged.
 */
@IntegrationTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianPackageTest {
    @RegisterExtension
    static final Servers servers = Servers.none();

    static final String CHECKSUM = "select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) from t";
    static final Duration TIMEOUT = Duration.ofMinutes(3);

    static Path root;
    static Path pgnest;
    static Path conffile;
    static PostgresCluster pg; // started in @BeforeAll: its archive_command is the installed pgnest
    static Path home;

    @BeforeAll
    static void install() throws IOException {
        assumeTrue(ServerAccount.isRoot(), "dpkg installs as root only: run the integration tests as root (CI does)");
        Path deb;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            deb = files.filter(f -> f.getFileName().toString().matches("pgnest_.+_all\\.deb")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/pgnest_*_all.deb: run ./mvnw package first"));
        }
        root = servers.deleteAfterAll(Files.createTempDirectory(Path.of("/tmp"), "pgnest-deb-"));
        // the installed wal push starts background pushers; they would outlive the test by their idle exit
        servers.closeAfterAll(() -> ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains(root + "/") && h.info().commandLine().orElse("")
                        .contains(" wal pusher "))
                .forEach(ProcessHandle::destroyForcibly));
        // the postgres user runs what is installed here
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(root.resolve("var/lib/dpkg/info"));
        Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
        Files.createDirectories(root.resolve("var/log"));
        Files.createFile(root.resolve("var/lib/dpkg/status"));
        dpkg("--force-depends", "-i", deb.toAbsolutePath().toString());
        pgnest = root.resolve("usr/bin/pgnest");
        conffile = root.resolve("etc/pgnest/pgnest.yml");

        String archiveCommand = "PATH=" + pgnest.getParent() + ":/usr/bin:/bin pgnest wal push %p";
        pg = servers.closeAfterAll(PostgresCluster.builder().runAs(RunAs.POSTGRES_USER)
                .setting("wal_level", "replica").setting("archive_mode", "on").setting("archive_command", archiveCommand)
                .start());
        home = pg.newServerDirectory("home");
    }

    @Test
    @Order(1)
    void installPutsEachFileWhereOperatorsLook() throws IOException {
        assertThat(Files.getPosixFilePermissions(pgnest)).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(root.resolve("usr/share/pgnest/pgnest.jar")).isRegularFile();
        assertThat(root.resolve("usr/share/pgnest/wal-fast-path.sh")).isRegularFile();
        assertThat(root.resolve("usr/share/man/man1/pgnest.1")).isRegularFile();
        assertThat(root.resolve("usr/share/man/man1/pgnest-wal-push.1")).isRegularFile();
        assertThat(root.resolve("usr/share/bash-completion/completions/pgnest")).content().contains("complete -F");
        assertThat(root.resolve("lib/systemd/system/pgnest.service")).content()
                .contains("User=postgres", "ExecStart=/usr/bin/pgnest serve");

        PosixFileAttributes conf = Files.readAttributes(conffile, PosixFileAttributes.class);
        assertThat(conf.owner().getName()).isEqualTo("root");
        assertThat(conf.group().getName()).isEqualTo("postgres");
        assertThat(conf.permissions()).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        assertThat(root.resolve("var/lib/dpkg/info/pgnest.conffiles")).content().isEqualTo("/etc/pgnest/pgnest.yml\n");

        // recorded by postinst as postgres, so that no archive_command pays for it
        Path cds = root.resolve("var/cache/pgnest/pgnest.jsa");
        assertThat(cds).isRegularFile();
        assertThat(Files.getOwner(cds.getParent()).getName()).isEqualTo("postgres");
        // the java that recorded it, and (JDK 17 to 21 know the option) the mapping in place
        assertThat(cds.resolveSibling("pgnest.jsa.java")).content().startsWith("/").contains("/bin/java\n")
                .contains("-XX:ArchiveRelocationMode=0");
    }

    @Test
    @Order(2)
    void theInstalledLauncherServesASpooledWalFileWithoutStartingAJvm() throws IOException {
        Path spool = pg.newServerDirectory("spool");
        Path fetched = Files.createDirectories(spool.resolve("fetch"));
        String name = "000000010000000000000042";
        Files.writeString(fetched.resolve(name), "spooled by wal prefetch");
        Files.setOwner(fetched, Files.getOwner(spool));
        Files.setOwner(fetched.resolve(name), Files.getOwner(spool));
        Path dest = home.resolve(name);
        // a JVM would refuse this option: exit 0 means the fast path answered alone
        ChildProcess.Result fetch = ChildProcess.run(List.of("runuser", "-u", "postgres", "--", pgnest.toString(), "wal", "fetch",
                        name, dest.toString()),
                Map.of("PGNEST_WAL_SPOOL_DIR", spool.toString(), "PGNEST_JAVA_OPTS", "-XX:+NoSuchOptionForTheJvm"), home, TIMEOUT);
        assertThat(fetch.exitCode()).as(fetch.describe()).isZero();
        assertThat(dest).content().isEqualTo("spooled by wal prefetch");
    }

    @Test
    @Order(3)
    void asPostgresTheInstalledPgnestArchivesWalAndRestoresToTheLatestPoint() throws Exception {
        ChildProcess.Result version = asPostgres("--version");
        assertThat(version.exitCode()).as(version.describe()).isZero();
        assertThat(version.stdout()).startsWith("pgnest 0.1.0");

        // the operator's edit of the conffile: what archive_command and restore_command read too
        Path repo = pg.newServerDirectory("repo");
        Files.writeString(conffile, "pg:\n  bin-dir: " + pg.binDir() + "\n"
                + "targets:\n  app:\n    url: postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/postgres\n"
                + "    password: " + pg.password() + "\n"
                + "repositories:\n  local:\n    type: fs\n    path: " + repo + "\n");
        ChildProcess.Result init = asPostgres("repo", "init");
        assertThat(init.exitCode()).as(init.describe()).isZero();

        pg.execute("create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 500) g");
        ChildProcess.Result backup = asPostgres("backup", "physical");
        assertThat(backup.exitCode()).as(backup.describe()).isZero();
        pg.execute("update t set v = 'after the backup' where id <= 100; delete from t where id > 450");
        String expected = pg.queryForString(CHECKSUM);
        String last = pg.queryForString("select pg_walfile_name(pg_switch_wal())");
        awaitArchived(last);
        try (Stream<Path> archived = Files.walk(repo)) {
            assertThat(archived.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith(last));
        }

        Path dataDir = pg.newServerDirectory("restored").resolve("data");
        ChildProcess.Result restore = asPostgres("restore", "pitr", "--latest", "--data-dir", dataDir.toString(),
                "--port", String.valueOf(freePort()));
        assertThat(restore.exitCode()).as(restore.describe()).isZero();
        assertThat(restore.stdout()).startsWith("restored backup ").contains(" into " + dataDir + " and recovered to latest",
                "stopped:  end of the archived WAL");
        // what PostgreSQL ran for each WAL file the read-ahead had not brought: the installed pgnest
        assertThat(dataDir.resolve("postgresql.auto.conf")).content()
                .containsPattern("restore_command = 'PGNEST_CONFIG=" + conffile + " .*" + pgnest + " wal fetch %f %p'");

        try (PostgresCluster restored = PostgresCluster.builder().existingDataDir(dataDir).password(pg.password())
                .runAs(RunAs.POSTGRES_USER).start()) {
            assertThat(restored.queryForString(CHECKSUM)).isEqualTo(expected);
        }
    }

    @Test
    @Order(4)
    void removeKeepsTheConffileAndPurgeDeletesIt() throws IOException {
        String edited = Files.readString(conffile);
        dpkg("-r", "pgnest");
        assertThat(pgnest).doesNotExist();
        assertThat(root.resolve("usr/share/pgnest")).doesNotExist();
        assertThat(root.resolve("var/cache/pgnest")).doesNotExist();
        assertThat(conffile).content().isEqualTo(edited);

        dpkg("-P", "pgnest");
        assertThat(root.resolve("etc/pgnest")).doesNotExist();
        assertThat(dpkgQuery("-W", "-f", "${db:Status-Status}", "pgnest")).isIn("not-installed", "");
    }

    private static ChildProcess.Result asPostgres(String... args) {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "postgres", "--", pgnest.toString()));
        command.addAll(List.of(args));
        // no PGNEST_CONFIG and no ./pgnest.yml: the installed conffile is the configuration
        return ChildProcess.run(command, Map.of("TMPDIR", home.toString(), "PGNEST_CONFIG", ""), home, TIMEOUT);
    }

    private static void dpkg(String... args) {
        List<String> command = new ArrayList<>(List.of("dpkg", "--root=" + root, "--force-script-chrootless"));
        command.addAll(List.of(args));
        ChildProcess.Result result = ChildProcess.run(command, Map.of(), root, TIMEOUT);
        assertThat(result.exitCode()).as(result.describe()).isZero();
    }

    private static String dpkgQuery(String... args) {
        List<String> command = new ArrayList<>(List.of("dpkg-query", "--root=" + root));
        command.addAll(List.of(args));
        return ChildProcess.run(command, Map.of(), root, TIMEOUT).stdout().strip();
    }

    private static void awaitArchived(String segment) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String archived = "";
        while (System.nanoTime() < deadline) {
            archived = pg.queryForString("select coalesce(last_archived_wal, '') || ' ' || failed_count from pg_stat_archiver");
            if (archived.compareTo(segment) >= 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(archived).as("pg_stat_archiver: last archived WAL and failures; server log:\n" + pg.logTail())
                .isEqualTo(segment + " 0");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
