package dev.pgnest.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageContractTest;
import dev.pgnest.storage.StorageOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FsStorageTest extends StorageContractTest {
    private static Path dir;
    private static Storage storage;

    @BeforeAll
    static void open() throws IOException {
        dir = Files.createTempDirectory("pgnest-fs-storage-");
        storage = new FsStorageConfig(dir.resolve("repo")).open();
    }

    @AfterAll
    static void close() throws IOException {
        storage.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    protected Storage storage() {
        return storage;
    }

    @Test
    void aWriteInProgressIsATempFileNextToItsTarget() throws IOException {
        try (StorageOutput out = storage.create(root + "dir/obj")) {
            out.write(new byte[] {1, 2, 3});
            try (Stream<Path> files = Files.list(dir.resolve("repo").resolve(root).resolve("dir"))) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .singleElement().asString().startsWith("obj#").endsWith(".pgnest-tmp");
            }
            out.commit();
        }
        try (Stream<Path> files = Files.list(dir.resolve("repo").resolve(root).resolve("dir"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("obj");
        }
    }

    @Test
    void deletingTheLastObjectRemovesEmptyDirectoriesButNotTheRoot() {
        storage.put(root + "deep/er/obj", new byte[] {1});
        storage.delete(root + "deep/er/obj");
        assertThat(dir.resolve("repo").resolve(root)).doesNotExist();
        assertThat(dir.resolve("repo")).isDirectory();
    }
}
