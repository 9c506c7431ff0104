package dev.pgnest.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgnest.repository.Compression;
import dev.pgnest.repository.Repository;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import dev.pgnest.storage.fs.FsStorageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WAL kept in two filesystem repositories, one of which goes away (its directory replaced by a
 * file, as an unmounted share) and comes back.
 */
class WalArchivesTest {
    static final long MB16 = WalSegment.DEFAULT_SIZE;
    static final long SYSID = 7312345678901234567L;

    @TempDir
    Path tmp;
    final List<Storage> storages = new ArrayList<>();

    @AfterEach
    void close() {
        storages.forEach(Storage::close);
    }

    @Test
    void withOneAcknowledgementArchivingGoesOnWhileARepositoryIsAwayAndItIsFilledInWhenItReturns() throws Exception {
        WalArchives archives = archives(1);
        archives.push(segment(1));
        assertThat(archived("local")).containsExactly(name(1));
        assertThat(archived("offsite")).containsExactly(name(1));

        goAway("offsite");
        assertThat(archives.push(segment(2)).outcome()).isEqualTo(WalArchive.PushOutcome.STORED);
        archives.push(segment(3));
        WalBacklog.State behind = archives.backlogs().get("offsite");
        assertThat(behind.files()).isEqualTo(2);
        assertThat(behind.firstFile()).contains(name(2));
        assertThat(archives.backlogs().get("local").empty()).isTrue();
        // while it is away, fetch reads from the repository that answers
        Path fetched = tmp.resolve("fetched");
        archives.fetch(name(3), fetched);
        assertThat(Files.readAllBytes(fetched)).isEqualTo(Files.readAllBytes(segment(3)));

        comeBack("offsite");
        archives.push(segment(4));
        assertThat(archived("offsite")).containsExactly(name(1), name(2), name(3), name(4));
        assertThat(archived("local")).containsExactly(name(1), name(2), name(3), name(4));
        assertThat(archives.backlogs().get("offsite").empty()).isTrue();
        for (int n = 1; n <= 4; n++) {
            member(archives, "offsite").fetch(name(n), fetched);
            assertThat(Files.readAllBytes(fetched)).as(name(n)).isEqualTo(Files.readAllBytes(segment(n)));
        }
    }

    @Test
    void whenEveryRepositoryMustStoreItAPushFailsWhileOneIsAwayAndSucceedsOnceItIsBack() throws Exception {
        WalArchives archives = archives(0);
        goAway("offsite");
        assertThatThrownBy(() -> archives.push(segment(1)))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("WAL file " + name(1) + " is stored in 1 of 2 repositories, 2 needed (not in offsite): ")
                .hasMessageContaining("lower wal.push-acknowledge to keep archiving while one is down");

        comeBack("offsite");
        archives.push(segment(1)); // PostgreSQL's retry
        assertThat(archived("offsite")).containsExactly(name(1));
        assertThat(archived("local")).containsExactly(name(1));
        assertThat(archives.backlogs().get("offsite").empty()).isTrue();
    }

    @Test
    void noRepositoryReachableMeansNothingIsAcknowledged() throws Exception {
        WalArchives archives = archives(1);
        goAway("local");
        goAway("offsite");
        assertThatThrownBy(() -> archives.push(segment(1)))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("WAL file " + name(1) + " is stored in 0 of 2 repositories, 1 needed");
    }

    @Test
    void fetchSaysNotFoundOnlyWhenEveryRepositoryAnswered() throws Exception {
        WalArchives archives = archives(1);
        archives.push(segment(1));
        member(archives, "offsite").push(segment(2)); // only offsite has it
        Path fetched = tmp.resolve("fetched");
        archives.fetch(name(2), fetched);
        assertThat(Files.readAllBytes(fetched)).isEqualTo(Files.readAllBytes(segment(2)));

        assertThatThrownBy(() -> archives.fetch(name(3), fetched)).isInstanceOf(WalNotFoundException.class);
        goAway("offsite");
        // offsite might hold it: recovery must not end on a guess
        assertThatThrownBy(() -> archives.fetch(name(3), fetched)).isInstanceOf(StorageException.class)
                .isNotInstanceOf(WalNotFoundException.class);
    }

    // ---------------------------------------------------------------------------- fixtures

    WalArchives archives(int acknowledge) {
        Map<String, WalArchive> members = new LinkedHashMap<>();
        for (String repo : List.of("local", "offsite")) {
            Storage storage = new FsStorageConfig(tmp.resolve(repo)).open();
            storages.add(storage);
            Repository.init(storage);
            members.put(repo, new WalArchive(storage, "main", Compression.ZSTD, 1));
        }
        return WalArchives.of(members, acknowledge, WalSpool.at(tmp.resolve("spool")), List.of());
    }

    static WalArchive member(WalArchives archives, String repository) {
        return archives.members().stream().filter(m -> m.repository().equals(repository)).findFirst().orElseThrow().archive();
    }

    /** The repository's directory replaced by a file: every request fails, as with an unmounted share. */
    void goAway(String repo) throws Exception {
        Files.move(tmp.resolve(repo), tmp.resolve(repo + ".away"));
        Files.writeString(tmp.resolve(repo), "not mounted");
    }

    void comeBack(String repo) throws Exception {
        Files.delete(tmp.resolve(repo));
        Files.move(tmp.resolve(repo + ".away"), tmp.resolve(repo));
    }

    List<String> archived(String repo) throws Exception {
        try (var files = Files.list(tmp.resolve(repo).resolve("main/wal/00000001"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".zst"))
                    .map(n -> n.substring(0, 24)).sorted().toList();
        }
    }

    static String name(int n) {
        return new WalSegment(1, n).name(MB16);
    }

    /** Segment {@code n} of timeline 1: its page header, then a little random WAL, then zeros. */
    Path segment(int n) throws Exception {
        Path file = tmp.resolve("pg_wal").resolve(name(n));
        if (!Files.exists(file)) {
            byte[] b = new byte[(int) MB16];
            byte[] noise = new byte[100_000];
            new Random(n).nextBytes(noise);
            System.arraycopy(noise, 0, b, WalPageHeader.SIZE, noise.length);
            byte[] header = WalNamingTest.header(0xD110, 0x0006, 1, new WalSegment(1, n).startLsn(MB16).value(), SYSID, MB16);
            System.arraycopy(header, 0, b, 0, WalPageHeader.SIZE);
            Files.createDirectories(file.getParent());
            Files.write(file, b);
        }
        return file;
    }
}
