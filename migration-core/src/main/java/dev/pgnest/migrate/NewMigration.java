package dev.pgnest.migrate;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code migrate create}: a new, empty migration file named
 * {@code V<yyyyMMddHHmmss>__<name>.sql} (UTC), or {@code <yyyyMMddHHmmss>_<name>/migration.sql} in
 * a Prisma Migrate directory. Timestamps instead of sequence numbers keep
 * two branches from claiming the same version; names must say what the migration does.
 */
public final class NewMigration {
    private static final Pattern SNAKE_CASE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
    private static final int MAX_NAME = 80;
    /** Words that say nothing about the change; a name made only of these is refused. */
    static final Set<String> VAGUE = Set.of("update", "updates", "fix", "fixes", "change", "changes", "migration",
            "migrations", "misc", "stuff", "temp", "tmp", "test", "wip", "new", "patch", "edit", "edits", "changeset",
            "schema", "db", "database", "todo", "final", "v", "version", "more", "again", "do", "it", "things");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private NewMigration() {
    }

    /** Checks a migration name; throws a usage error that says what is wrong. */
    public static void checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new PgnestException(ErrorKind.USAGE, "a migration needs a name",
                    "describe the change in snake_case, e.g. add_baby_nickname");
        }
        if (!SNAKE_CASE.matcher(name).matches() || name.length() > MAX_NAME) {
            throw new PgnestException(ErrorKind.USAGE, "migration name '" + name + "' is not snake_case (at most "
                    + MAX_NAME + " characters)", "use lower-case words joined by underscores, e.g. "
                    + suggestion(name));
        }
        boolean vague = Arrays.stream(name.split("_")).allMatch(w -> VAGUE.contains(w) || w.matches("[0-9]+"));
        if (vague) {
            throw new PgnestException(ErrorKind.USAGE, "migration name '" + name + "' is too vague",
                    "say what changes, e.g. add_baby_nickname or index_feeding_logs_started_at");
        }
    }

    /** Creates the file in {@code directory} (made if missing) and returns its path. */
    public static Path create(Path directory, String name, Clock clock) {
        checkName(name);
        String version = STAMP.format(clock.instant());
        // In a Prisma project the new migration takes Prisma's form, so Prisma reads it too.
        Path file = PrismaLayout.isPrisma(directory)
                ? directory.resolve(version + "_" + name).resolve(PrismaLayout.SCRIPT)
                : directory.resolve("V" + version + "__" + name + ".sql");
        String body = "-- " + name.replace('_', ' ') + "\n"
                + "-- Created by pgnest migrate create. Applied migrations must never be edited.\n"
                + "-- Statements that take an ACCESS EXCLUSIVE lock should not wait behind long queries:\n"
                + "SET LOCAL lock_timeout = '5s';\n\n";
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, body, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        } catch (FileAlreadyExistsException e) {
            throw new PgnestException(ErrorKind.USAGE, "migration file " + file + " already exists",
                    "wait a second and run create again, or pick another name");
        } catch (IOException e) {
            throw new PgnestException(ErrorKind.USAGE, "cannot create migration file " + file + ": " + e.getMessage(),
                    "check that the migrations directory is writable", e);
        }
        return file;
    }

    private static String suggestion(String name) {
        String s = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase().replaceAll("[^a-z0-9]+", "_")
                .replaceAll("^_+|_+$", "");
        return s.isEmpty() || !Character.isLetter(s.charAt(0)) ? "add_baby_nickname" : s;
    }
}
