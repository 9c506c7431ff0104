package dev.pgnest.backup.physical;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What of a running cluster's data directory belongs in a base backup, following PostgreSQL's
 * own rules ({@code basebackup.c} and "Making a Base Backup Using the Low Level API"): no
 * WAL, no server state that is rebuilt at start, no temporary files, no main forks of unlogged
 * relations; tablespaces followed through their {@code pg_tblspc} links.
 */
public final class DataDirectory {

    /** Files of the top directory that must not be copied. */
    private static final Set<String> EXCLUDED_FILES = Set.of(
            "postmaster.pid", "postmaster.opts",
            // left by an old exclusive backup, or belonging to the backup this server was restored from
            "backup_label", "tablespace_map", "backup_manifest",
            "postgresql.auto.conf.tmp", "current_logfiles.tmp");

    /** Directories copied empty: their content is recreated or must not survive a restore. */
    private static final Set<String> EMPTIED_DIRECTORIES = Set.of(
            "pg_wal", "pg_xlog", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots",
            "pg_stat_tmp", "pg_subtrans");

    private static final String TEMP_PREFIX = "pgsql_tmp";
    private static final String RELCACHE_INIT = "pg_internal.init";
    private static final Pattern RELATION_FILE = Pattern.compile("(\\d+)(_fsm|_vm|_init)?(\\.\\d+)?");

    /** A regular file to copy, named by its path in the backup ({@code /}-separated). */
    public record DataFile(String path, Path source, long size, long modifiedMillis) {
    }

    /** A tablespace: {@code pg_tblspc/<oid>} links to {@code location}. */
    public record Tablespace(String oid, Path location) {
    }

    /**
     * The directory's content: files sorted by path (except {@code global/pg_control}, which is
     * {@link #controlFile()}), every directory (so empty ones are recreated) and the tablespaces.
     */
    public record Scan(List<DataFile> files, DataFile controlFile, List<String> directories,
                       List<Tablespace> tablespaces) {
        public long totalBytes() {
            return files.stream().mapToLong(DataFile::size).sum() + (controlFile == null ? 0 : controlFile.size());
        }
    }

    private final Path root;
    private final TreeMap<String, DataFile> files = new TreeMap<>();
    private final List<String> directories = new ArrayList<>();
    private final List<Tablespace> tablespaces = new ArrayList<>();

    private DataDirectory(Path root) {
        this.root = root;
    }

    /** Lists what a base backup of {@code dataDir} copies. Files may change or vanish while the backup runs. */
    public static Scan scan(Path dataDir) {
        Path root = dataDir.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("PG_VERSION")) || !Files.isRegularFile(root.resolve("global/pg_control"))) {
            throw new PgnestException(ErrorKind.CONFIG, root + " is not a PostgreSQL data directory (no PG_VERSION or global/pg_control)",
                    "set the target's data directory to the server's data_directory, or unset it to back up over the network");
        }
        if (!Files.isReadable(root.resolve("global/pg_control"))) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot read " + root + "/global/pg_control",
                    "run pgnest as the server's OS user (postgres) or one in its group with group read access (initdb -g)");
        }
        DataDirectory d = new DataDirectory(root);
        try {
            d.walk(root, "", true);
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.TOOL, "cannot read the data directory " + root + ": " + e.getMessage(),
                    "check that pgnest's OS user can read every file of the data directory", e);
        }
        DataFile control = d.files.remove("global/pg_control");
        return new Scan(List.copyOf(d.files.values()), control, List.copyOf(d.directories), List.copyOf(d.tablespaces));
    }

    private void walk(Path dir, String prefix, boolean top) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        } catch (NoSuchFileException e) {
            return; // a database dropped while we walk: replay removes it anyway
        }
        Set<String> unloggedRelations = unloggedRelations(entries, prefix);
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            String path = prefix + name;
            if (name.startsWith(TEMP_PREFIX) || name.startsWith(RELCACHE_INIT)) {
                continue;
            }
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                continue;
            }
            if (attrs.isSymbolicLink()) {
                if (prefix.equals("pg_tblspc/")) {
                    Path location = entry.toRealPath();
                    tablespaces.add(new Tablespace(name, location));
                    directories.add(path);
                    walk(location, path + "/", false);
                    continue;
                }
                // pg_wal on another disk (initdb -X), a config file kept elsewhere: follow it
                try {
                    attrs = Files.readAttributes(entry, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue;
                }
            }
            if (attrs.isDirectory()) {
                directories.add(path);
                if (top && EMPTIED_DIRECTORIES.contains(name)) {
                    if (name.equals("pg_wal") || name.equals("pg_xlog")) {
                        // the server expects it on start; walsender/archiver state is rebuilt
                        directories.add(path + "/archive_status");
                    }
                    continue;
                }
                walk(entry, path + "/", false);
            } else if (attrs.isRegularFile()) {
                if (top && EXCLUDED_FILES.contains(name)) {
                    continue;
                }
                if (!unloggedRelations.isEmpty() && isUnloggedDataFork(name, unloggedRelations)) {
                    continue;
                }
                files.put(path, new DataFile(path, entry, attrs.size(), attrs.lastModifiedTime().toMillis()));
            }
            // sockets, fifos, devices: never part of a cluster's state
        }
    }

    /**
     * Relations with an init fork are unlogged: their other forks are reset from the init fork
     * at recovery end, so copying them is wasted work. Only database directories hold them:
     * {@code base/<db>/} and {@code pg_tblspc/<oid>/<version>/<db>/}.
     */
    private static Set<String> unloggedRelations(List<Path> entries, String prefix) {
        if (!prefix.matches("base/\\d+/|pg_tblspc/\\d+/[^/]+/\\d+/")) {
            return Set.of();
        }
        Set<String> result = new HashSet<>();
        for (Path e : entries) {
            Matcher m = RELATION_FILE.matcher(e.getFileName().toString());
            if (m.matches() && "_init".equals(m.group(2))) {
                result.add(m.group(1));
            }
        }
        return result;
    }

    private static boolean isUnloggedDataFork(String name, Set<String> unlogged) {
        Matcher m = RELATION_FILE.matcher(name);
        return m.matches() && unlogged.contains(m.group(1)) && !"_init".equals(m.group(2));
    }

    Path root() {
        return root;
    }
}
