package dev.pgnest.seed;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.postgresql.PGConnection;

/**
 * Deterministic BabyNest data: the same scale gives the same rows, byte for byte, on every
 * run and machine. Every value comes from a random stream seeded by a fixed constant and the
 * table, or from a pure function of a row's id (a baby's creator and birth date), so the
 * generator keeps no state between tables and holds nothing in memory. Rows go to the
 * server through COPY as they are generated. Scale 1 is about 1 M rows (~150 MB on disk with indexes, ~20 s to load);
 * fractional scales make small data sets for tests.
 */
public final class Seeder {
    /** The largest scale accepted: ~100 GB, far past any demo. */
    public static final double MAX_SCALE = 1000;

    private static final long SEED = 0x0BAB1E5EEDL;
    private static final long BASE_EPOCH = LocalDateTime.of(2024, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
    private static final long FIRST_BIRTH_DAY = LocalDate.of(2023, 1, 1).toEpochDay();
    private static final long YEAR_SECONDS = 365L * 86_400;

    private static final String[] FIRST_NAMES = {"Alex", "Sam", "Jordan", "Maria", "Wei", "Aisha",
        "Lena", "Omar", "Priya", "Tomás", "Yuki", "Noah", "Emma", "Liam", "Sofia", "Kofi", "Ines",
        "Mateo", "Hana", "Ravi"};
    private static final String[] LAST_INITIALS = {"A", "B", "C", "D", "E", "F", "G", "H", "K",
        "L", "M", "N", "O", "P", "R", "S", "T", "V", "W", "Z"};
    private static final String[] BABY_NAMES = {"Mila", "Leo", "Ava", "Finn", "Nora", "Kai",
        "Zoe", "Ezra", "Luna", "Otto", "Iris", "Milo", "Ada", "Theo", "Elif", "Arlo", "Maya",
        "Jonas", "Lea", "Ren"};
    private static final String[] TIME_ZONES = {"UTC", "Europe/Berlin", "America/New_York",
        "Asia/Tokyo", "Europe/Lisbon", "America/Sao_Paulo", "Australia/Sydney", "Africa/Lagos"};
    private static final String[] SEXES = {"female", "male", "unspecified"};
    private static final String[] ROLES = {"parent", "grandparent", "nanny", "other"};
    private static final String[] FEEDING_METHODS = {"breast_left", "breast_right", "bottle", "solid"};
    private static final String[] DIAPER_KINDS = {"wet", "dirty", "mixed", "dry"};
    private static final String[] SLEEP_PLACES = {"crib", "stroller", "car seat", "parents' bed", "carrier"};
    private static final String[] CATEGORIES = {"motor", "language", "social", "cognitive"};
    private static final String[][] MILESTONE_TITLES = {
        {"Rolled over", "Sat up unassisted", "First steps", "Crawled"},
        {"First word", "Babbled", "Said mama", "Said dada"},
        {"First smile", "Waved bye-bye", "Laughed out loud", "Played peekaboo"},
        {"Found a hidden toy", "Recognised own name", "Stacked two blocks", "Pointed at a dog"}};
    private static final String[] CHANNELS = {"push", "email", "sms"};
    private static final String[] NOTIFICATION_TITLES = {"Feeding reminder", "Daily summary",
        "New caregiver joined", "Milestone recorded", "Nap time soon"};
    private static final String[] THEMES = {"system", "light", "dark"};

    private final double scale;
    private final long users;
    private final long babies;

    public Seeder(double scale) {
        if (!(scale > 0) || scale > MAX_SCALE) {
            throw new PgnestException(ErrorKind.USAGE, "seed scale " + scale + " is out of range",
                    "give a scale above 0 and at most " + (long) MAX_SCALE + " (1 is about 150 MB)");
        }
        this.scale = scale;
        this.users = count(20_000);
        this.babies = count(24_000);
    }

    public double scale() {
        return scale;
    }

    /**
     * Loads the data into the BabyNest tables (already migrated, still empty) in one
     * transaction: either every table is filled or none is.
     */
    public SeedReport load(Connection connection) throws SQLException {
        long start = System.nanoTime();
        checkEmpty(connection);
        PGConnection pg = connection.unwrap(PGConnection.class);
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        List<SeedReport.TableLoad> loads = new ArrayList<>();
        try {
            try (Statement st = connection.createStatement()) {
                // Losing the tail of a seed on a crash costs nothing; waiting for each flush does.
                st.execute("SET LOCAL synchronous_commit = off");
            }
            loads.add(timed("users", () -> users(pg)));
            loads.add(timed("preferences", () -> preferences(pg)));
            loads.add(timed("babies", () -> babies(pg)));
            loads.add(timed("caregivers", () -> caregivers(pg)));
            loads.add(timed("feeding_logs", () -> feedingLogs(pg)));
            loads.add(timed("sleep_logs", () -> sleepLogs(pg)));
            loads.add(timed("diaper_logs", () -> diaperLogs(pg)));
            loads.add(timed("growth_logs", () -> growthLogs(pg)));
            loads.add(timed("milestones", () -> milestones(pg)));
            loads.add(timed("notifications", () -> notifications(pg)));
            advanceIdentitySequences(connection);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
        try (Statement st = connection.createStatement()) {
            st.execute("ANALYZE " + String.join(", ", BabyNest.TABLES));
        }
        return new SeedReport(scale, loads, Duration.ofNanos(System.nanoTime() - start));
    }

    private long count(long atScaleOne) {
        return Math.max(1, Math.round(atScaleOne * scale));
    }

    private interface TableWriter {
        long write() throws SQLException, IOException;
    }

    private static SeedReport.TableLoad timed(String table, TableWriter writer) throws SQLException {
        long start = System.nanoTime();
        try {
            long rows = writer.write();
            return new SeedReport.TableLoad(table, rows, Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            throw new SQLException("copying rows into " + table + " failed: " + e.getMessage(), e);
        }
    }

    private static void checkEmpty(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            try (ResultSet rs = st.executeQuery(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('"
                            + String.join("', '", BabyNest.TABLES) + "')")) {
                rs.next();
                if (rs.getInt(1) != BabyNest.TABLES.size()) {
                    throw new PgnestException(ErrorKind.DATABASE,
                            "the BabyNest tables are missing from schema " + connection.getSchema(),
                            "apply the BabyNest migrations first (" + BabyNest.MIGRATIONS_LOCATION
                                    + "); pgnest seed does that itself");
                }
            }
            for (String table : BabyNest.TABLES) {
                try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + table + ")")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        throw new PgnestException(ErrorKind.DATABASE,
                                "table " + table + " already holds rows; seeding needs empty tables",
                                "seed a fresh database, or empty it with pgnest migrate reset (development targets only)");
                    }
                }
            }
        }
    }

    private static void advanceIdentitySequences(Connection connection) throws SQLException {
        // Ids were given explicitly, so the identity sequences still start at 1.
        try (Statement st = connection.createStatement()) {
            for (String table : BabyNest.TABLES) {
                if (table.equals("caregivers") || table.equals("preferences")) {
                    continue;
                }
                st.execute("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'),"
                        + " coalesce(max(id), 0) + 1, false) FROM " + table);
            }
        }
    }

    private static SplittableRandom random(String table) {
        return new SplittableRandom(SEED ^ ((long) table.hashCode() << 17));
    }

    /** SplitMix64's finaliser: a well-mixed pure function of (id, salt). */
    private static long mix(long id, long salt) {
        long z = id * 0x9E3779B97F4A7C15L + salt * 0xBF58476D1CE4E5B9L + SEED;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long creatorOf(long babyId) {
        return 1 + Math.floorMod(mix(babyId, 1), users);
    }

    private static long birthDayOf(long babyId) {
        return FIRST_BIRTH_DAY + Math.floorMod(mix(babyId, 2), 730);
    }

    private static <T> T pick(SplittableRandom r, T[] values) {
        return values[r.nextInt(values.length)];
    }

    private long users(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("users");
        try (CopyRows rows = new CopyRows(pg, "users",
                "id, email, display_name, time_zone, created_at, updated_at")) {
            for (long id = 1; id <= users; id++) {
                long created = BASE_EPOCH - r.nextLong(YEAR_SECONDS);
                rows.value(id).value("user" + id + "@babynest.test")
                        .value(pick(r, FIRST_NAMES) + " " + pick(r, LAST_INITIALS) + ".")
                        .value(pick(r, TIME_ZONES)).timestamp(created)
                        .timestamp(created + r.nextLong(YEAR_SECONDS)).endRow();
            }
            return rows.rows();
        }
    }

    private long preferences(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("preferences");
        try (CopyRows rows = new CopyRows(pg, "preferences",
                "user_id, units, daily_summary, quiet_hours_start, quiet_hours_end, theme, updated_at")) {
            for (long id = 1; id <= users; id++) {
                boolean quiet = r.nextInt(2) == 0;
                rows.value(id).value(r.nextInt(4) == 0 ? "imperial" : "metric").value(r.nextInt(5) != 0)
                        .value(quiet ? String.format(Locale.ROOT, "%02d:00:00", 19 + r.nextInt(4)) : null)
                        .value(quiet ? String.format(Locale.ROOT, "%02d:30:00", 5 + r.nextInt(3)) : null)
                        .value(pick(r, THEMES)).timestamp(BASE_EPOCH + r.nextLong(YEAR_SECONDS)).endRow();
            }
            return rows.rows();
        }
    }

    private long babies(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("babies");
        try (CopyRows rows = new CopyRows(pg, "babies", "id, name, birth_date, sex, created_by, created_at")) {
            for (long id = 1; id <= babies; id++) {
                long birthDay = birthDayOf(id);
                rows.value(id).value(pick(r, BABY_NAMES)).date(birthDay).value(pick(r, SEXES))
                        .value(creatorOf(id)).timestamp(birthDay * 86_400 + r.nextLong(30L * 86_400)).endRow();
            }
            return rows.rows();
        }
    }

    private long caregivers(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("caregivers");
        try (CopyRows rows = new CopyRows(pg, "caregivers", "baby_id, user_id, role, invited_at, accepted_at")) {
            for (long baby = 1; baby <= babies; baby++) {
                long creator = creatorOf(baby);
                long invited = birthDayOf(baby) * 86_400;
                rows.value(baby).value(creator).value("parent").timestamp(invited).timestamp(invited).endRow();
                long previous = creator;
                int others = r.nextInt(3);
                for (int i = 0; i < others; i++) {
                    long user = 1 + r.nextLong(users);
                    long when = invited + r.nextLong(YEAR_SECONDS / 4);
                    long acceptedAfter = r.nextInt(5) == 0 ? -1 : r.nextLong(7L * 86_400);
                    if (user == creator || user == previous) {
                        continue; // the primary key is (baby, user): no one twice
                    }
                    rows.value(baby).value(user).value(pick(r, ROLES)).timestamp(when);
                    if (acceptedAfter < 0) {
                        rows.value((String) null);
                    } else {
                        rows.timestamp(when + acceptedAfter);
                    }
                    rows.endRow();
                    previous = user;
                }
            }
            return rows.rows();
        }
    }

    private long feedingLogs(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("feeding_logs");
        long count = count(300_000);
        try (CopyRows rows = new CopyRows(pg, "feeding_logs",
                "id, baby_id, logged_by, method, started_at, duration_minutes, amount_ml, notes, created_at")) {
            for (long id = 1; id <= count; id++) {
                long baby = 1 + r.nextLong(babies);
                String method = pick(r, FEEDING_METHODS);
                long started = BASE_EPOCH + r.nextLong(YEAR_SECONDS);
                int minutes = 5 + r.nextInt(40);
                boolean measured = method.equals("bottle") || method.equals("solid");
                int amount = 30 + r.nextInt(211);
                boolean noted = r.nextInt(20) == 0;
                rows.value(id).value(baby).value(creatorOf(baby)).value(method).timestamp(started)
                        .value(minutes).valueOrNull(measured ? Long.valueOf(amount) : null)
                        .value(noted ? "spat up a little" : null).timestamp(started + minutes * 60L).endRow();
            }
            return rows.rows();
        }
    }

    private long sleepLogs(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("sleep_logs");
        long count = count(120_000);
        try (CopyRows rows = new CopyRows(pg, "sleep_logs",
                "id, baby_id, logged_by, started_at, ended_at, location, created_at")) {
            for (long id = 1; id <= count; id++) {
                long baby = 1 + r.nextLong(babies);
                long started = BASE_EPOCH + r.nextLong(YEAR_SECONDS);
                long length = 20 * 60 + r.nextLong(4 * 3600);
                boolean ongoing = r.nextInt(33) == 0;
                rows.value(id).value(baby).value(creatorOf(baby)).timestamp(started);
                if (ongoing) {
                    rows.value((String) null);
                } else {
                    rows.timestamp(started + length);
                }
                rows.value(pick(r, SLEEP_PLACES)).timestamp(started).endRow();
            }
            return rows.rows();
        }
    }

    private long diaperLogs(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("diaper_logs");
        long count = count(200_000);
        try (CopyRows rows = new CopyRows(pg, "diaper_logs",
                "id, baby_id, logged_by, changed_at, kind, rash, notes, created_at")) {
            for (long id = 1; id <= count; id++) {
                long baby = 1 + r.nextLong(babies);
                long changed = BASE_EPOCH + r.nextLong(YEAR_SECONDS);
                boolean rash = r.nextInt(25) == 0;
                boolean noted = r.nextInt(33) == 0;
                rows.value(id).value(baby).value(creatorOf(baby)).timestamp(changed).value(pick(r, DIAPER_KINDS))
                        .value(rash).value(noted ? "used barrier cream" : null).timestamp(changed + 60).endRow();
            }
            return rows.rows();
        }
    }

    private long growthLogs(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("growth_logs");
        long id = 0;
        try (CopyRows rows = new CopyRows(pg, "growth_logs",
                "id, baby_id, measured_on, weight_grams, length_mm, head_circumference_mm, created_at")) {
            for (long baby = 1; baby <= babies; baby++) {
                long birthDay = birthDayOf(baby);
                // One visit a month for the first three months: unique per (baby, day) by construction.
                for (int month = 0; month < 3; month++) {
                    long day = birthDay + month * 30L + r.nextInt(7);
                    rows.value(++id).value(baby).date(day).value(3000 + month * 900 + r.nextInt(600))
                            .value(490 + month * 35 + r.nextInt(30)).value(340 + month * 20 + r.nextInt(15))
                            .timestamp(day * 86_400 + 9 * 3600 + r.nextInt(8 * 3600)).endRow();
                }
            }
            return rows.rows();
        }
    }

    private long milestones(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("milestones");
        long id = 0;
        try (CopyRows rows = new CopyRows(pg, "milestones",
                "id, baby_id, category, title, achieved_on, notes, created_at")) {
            for (long baby = 1; baby <= babies; baby++) {
                for (int i = 0; i < 2; i++) {
                    int category = r.nextInt(CATEGORIES.length);
                    long day = birthDayOf(baby) + 60 + r.nextInt(340);
                    boolean noted = r.nextInt(10) == 0;
                    rows.value(++id).value(baby).value(CATEGORIES[category])
                            .value(pick(r, MILESTONE_TITLES[category])).date(day)
                            .value(noted ? "grandma saw it too" : null).timestamp(day * 86_400 + 18 * 3600).endRow();
                }
            }
            return rows.rows();
        }
    }

    private long notifications(PGConnection pg) throws SQLException, IOException {
        SplittableRandom r = random("notifications");
        long count = count(100_000);
        try (CopyRows rows = new CopyRows(pg, "notifications",
                "id, user_id, baby_id, channel, title, body, sent_at, read_at")) {
            for (long id = 1; id <= count; id++) {
                long baby = 1 + r.nextLong(babies);
                boolean aboutBaby = r.nextInt(10) < 7;
                String title = pick(r, NOTIFICATION_TITLES);
                long sent = BASE_EPOCH + r.nextLong(YEAR_SECONDS);
                long readAfter = r.nextInt(5) < 3 ? r.nextLong(86_400) : -1;
                rows.value(id).value(aboutBaby ? creatorOf(baby) : 1 + r.nextLong(users))
                        .valueOrNull(aboutBaby ? Long.valueOf(baby) : null).value(pick(r, CHANNELS)).value(title)
                        .value(title + " - open BabyNest for details").timestamp(sent);
                if (readAfter < 0) {
                    rows.value((String) null);
                } else {
                    rows.timestamp(sent + readAfter);
                }
                rows.endRow();
            }
            return rows.rows();
        }
    }
}
