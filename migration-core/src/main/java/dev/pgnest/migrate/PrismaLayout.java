package dev.pgnest.migrate;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Prisma Migrate directory read as it is: {@code <timestamp>_<name>/migration.sql} per
 * migration and a {@code migration_lock.toml} naming the provider. Nothing is renamed.
 *
 * @param migrations in Prisma's order: directory names sorted as strings, which is also
 *                   timestamp order for the names Prisma generates
 */
record PrismaLayout(Path directory, List<Migration> migrations) {
    static final String LOCK_FILE = "migration_lock.toml";
    static final String SCRIPT = "migration.sql";
    private static final Pattern NAME = Pattern.compile("([0-9]+)_(.+)");
    private static final Pattern FLYWAY_FILE = Pattern.compile("[VRU].*__.*\\.sql");

    /**
     * One migration directory.
     *
     * @param name        the directory name, Prisma's migration_name
     * @param version     the leading timestamp ({@code 0} for Prisma's {@code 0_init}), or the
     *                    whole name when it has none
     * @param description the name after the timestamp
     */
    record Migration(String name, String version, String description, Path script) {
        String read() {
            try {
                return Files.readString(script, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.MIGRATION, "cannot read migration " + script + ": " + e.getMessage(),
                        "check the file's permissions", e);
            }
        }

        String checksum() {
            return PrismaLayout.checksum(read());
        }

        /** Also matches the file with other line endings, as Prisma does: git may convert them on checkout. */
        boolean matches(String recorded) {
            String sql = read();
            return recorded != null && (recorded.equals(PrismaLayout.checksum(sql))
                    || recorded.equals(PrismaLayout.checksum(sql.replace("\r\n", "\n")))
                    || recorded.equals(PrismaLayout.checksum(sql.replace("\r\n", "\n").replace("\n", "\r\n"))));
        }

        /** Accepts Prisma's full name or just the timestamp. */
        boolean isCalled(String nameOrVersion) {
            return name.equals(nameOrVersion) || version.equals(nameOrVersion);
        }
    }

    /**
     * The Prisma layout among Flyway-style locations, if the one filesystem location is one.
     * A location that mixes both layouts is refused rather than half read.
     */
    static Optional<PrismaLayout> detect(List<String> locations) {
        Optional<PrismaLayout> found = Optional.empty();
        for (String location : locations) {
            if (location.startsWith("classpath:")) {
                continue;
            }
            Path dir = Path.of(location.startsWith("filesystem:") ? location.substring("filesystem:".length()) : location);
            if (!isPrisma(dir)) {
                continue;
            }
            if (found.isPresent() || locations.size() > 1) {
                throw new PgnestException(ErrorKind.CONFIG, "the migrations setting names a Prisma migrations directory ("
                        + dir + ") together with other locations", "give the Prisma directory alone; its history is _prisma_migrations");
            }
            found = Optional.of(read(dir));
        }
        return found;
    }

    static boolean isPrisma(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        if (Files.isRegularFile(dir.resolve(LOCK_FILE))) {
            return true;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.anyMatch(p -> Files.isRegularFile(p.resolve(SCRIPT)));
        } catch (IOException e) {
            return false;
        }
    }

    static PrismaLayout read(Path dir) {
        checkProvider(dir);
        List<Migration> migrations = new ArrayList<>();
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot list migrations directory " + dir + ": " + e.getMessage(),
                    "check the path and its permissions", e);
        }
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (Files.isDirectory(entry)) {
                if (!Files.isRegularFile(entry.resolve(SCRIPT))) {
                    throw new PgnestException(ErrorKind.CONFIG, "Prisma migration directory " + entry + " has no " + SCRIPT,
                            "add the migration's SQL as " + SCRIPT + " or remove the directory");
                }
                Matcher m = NAME.matcher(name);
                migrations.add(m.matches() ? new Migration(name, m.group(1), m.group(2), entry.resolve(SCRIPT))
                        : new Migration(name, name, name, entry.resolve(SCRIPT)));
            } else if (FLYWAY_FILE.matcher(name).matches()) {
                throw new PgnestException(ErrorKind.CONFIG, "migrations directory " + dir + " mixes Prisma migration directories with "
                        + "Flyway files (" + name + ")", "keep one layout per directory: move the V*.sql files to a directory of their own "
                        + "or into <timestamp>_<name>/migration.sql");
            }
        }
        return new PrismaLayout(dir, migrations);
    }

    /** Prisma refuses a lock file of another provider (P3019); so does pgnest, which only speaks PostgreSQL. */
    private static void checkProvider(Path dir) {
        Path lock = dir.resolve(LOCK_FILE);
        if (!Files.isRegularFile(lock)) {
            return;
        }
        String provider;
        try {
            provider = Files.readAllLines(lock, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> l.startsWith("provider")).findFirst()
                    .map(l -> l.substring(l.indexOf('=') + 1).strip().replace("\"", ""))
                    .orElse("<none>");
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot read " + lock + ": " + e.getMessage(), "check its permissions", e);
        }
        if (!provider.equals("postgresql") && !provider.equals("postgres")) {
            throw new PgnestException(ErrorKind.CONFIG, lock + " names provider '" + provider + "', pgnest migrates PostgreSQL only",
                    "point --migrations at a PostgreSQL project's migrations, or set provider = \"postgresql\" if the SQL is PostgreSQL's");
        }
    }

    Optional<Migration> find(String nameOrVersion) {
        List<Migration> found = migrations.stream().filter(m -> m.isCalled(nameOrVersion)).toList();
        return found.size() == 1 ? Optional.of(found.get(0)) : found.stream().filter(m -> m.name().equals(nameOrVersion)).findFirst();
    }

    /** Prisma's checksum: the SHA-256 of migration.sql, in lower-case hex. */
    static String checksum(String sql) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The version of a migration name as Prisma writes it: its leading timestamp. */
    static String versionOf(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? m.group(1) : name;
    }
}
