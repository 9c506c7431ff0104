package dev.pgnest.restore.pitr;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.Timestamps;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where point-in-time recovery stops: PostgreSQL's {@code recovery_target_*} settings as a
 * closed set. Exactly one is written; PostgreSQL refuses a configuration with two.
 */
public sealed interface RecoveryTarget {

    /** The {@code recovery_target*} settings that select this target. */
    Map<String, String> settings();

    /** Short type name for reports and JSON: time, lsn, xid, name, immediate, latest. */
    String type();

    /** The target as the operator would write it, e.g. {@code 2025-03-14 02:15:00+00:00}. */
    String value();

    /** Whether {@code recovery_target_inclusive} means anything for this target. */
    default boolean takesInclusive() {
        return false;
    }

    /** {@code type value}, for messages. */
    default String describe() {
        return value().isEmpty() ? type() : type() + " " + value();
    }

    /** Stop at the last commit at or before {@code time} (or before it, when not inclusive). */
    record Time(OffsetDateTime time) implements RecoveryTarget {
        /** PostgreSQL parses this unambiguously whatever the server's DateStyle and TimeZone. */
        static final DateTimeFormatter POSTGRES = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSSxxx", Locale.ROOT);

        public Time {
            if (time == null) {
                throw new IllegalArgumentException("time");
            }
        }

        public static Time of(Instant instant) {
            return new Time(instant.atOffset(ZoneOffset.UTC));
        }

        /**
         * Parses a time as {@link Timestamps#parse} reads it: {@code 2025-03-14T02:15:00Z},
         * {@code 2025-03-14 02:15:00.123 UTC} (PostgreSQL's log), {@code 2025-03-14 02:15:00.123+01}
         * (psql) and the like. A time without a zone is refused.
         */
        public static Time parse(String text) {
            try {
                return new Time(Timestamps.parse(text));
            } catch (PgnestException e) {
                throw new PgnestException(e.kind(), "recovery target time " + e.problem(), e.hint());
            }
        }

        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_time", value());
        }

        @Override
        public String type() {
            return "time";
        }

        @Override
        public String value() {
            return POSTGRES.format(time);
        }

        @Override
        public boolean takesInclusive() {
            return true;
        }
    }

    /** Stop at a WAL location ({@code pg_lsn}, e.g. {@code 0/3000148}). */
    record Lsn(String lsn) implements RecoveryTarget {
        private static final Pattern PG_LSN = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

        public Lsn {
            if (lsn == null || !PG_LSN.matcher(lsn.strip()).matches()) {
                throw new PgnestException(ErrorKind.USAGE, "'" + lsn + "' is not a WAL location",
                        "write it as PostgreSQL prints pg_lsn values, e.g. 0/3000148");
            }
            lsn = lsn.strip().toUpperCase(Locale.ROOT);
        }

        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_lsn", lsn);
        }

        @Override
        public String type() {
            return "lsn";
        }

        @Override
        public String value() {
            return lsn;
        }

        @Override
        public boolean takesInclusive() {
            return true;
        }
    }

    /** Stop at the commit of a transaction id ({@code txid_current()}; the epoch is ignored, as PostgreSQL does). */
    record Xid(long xid) implements RecoveryTarget {
        public Xid {
            if (xid < 3) {
                throw new PgnestException(ErrorKind.USAGE, "transaction id " + xid + " cannot be a recovery target",
                        "use the id of a committed transaction, as txid_current() returned it (3 or more)");
            }
        }

        public static Xid parse(String text) {
            try {
                return new Xid(Long.parseUnsignedLong(text.strip()));
            } catch (NumberFormatException | NullPointerException e) {
                throw new PgnestException(ErrorKind.USAGE, "'" + text + "' is not a transaction id",
                        "use the number txid_current() returned, e.g. 7413");
            }
        }

        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_xid", Long.toUnsignedString(xid));
        }

        @Override
        public String type() {
            return "xid";
        }

        @Override
        public String value() {
            return Long.toUnsignedString(xid);
        }

        @Override
        public boolean takesInclusive() {
            return true;
        }
    }

    /** Stop at a named restore point ({@code pg_create_restore_point}, pgnest's pre-migration snapshots). */
    record RestorePoint(String name) implements RecoveryTarget {
        /** PostgreSQL's MAXFNAMELEN - 1. */
        private static final int MAX_LENGTH = 63;

        public RestorePoint {
            if (name == null || name.isBlank() || name.length() > MAX_LENGTH) {
                throw new PgnestException(ErrorKind.USAGE, "restore point name '" + name + "' is not valid",
                        "restore point names have 1 to " + MAX_LENGTH + " characters, as pg_create_restore_point takes them");
            }
        }

        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target_name", name);
        }

        @Override
        public String type() {
            return "name";
        }

        @Override
        public String value() {
            return name;
        }
    }

    /** Stop as soon as the base backup is consistent: the database as of the end of the backup. */
    record Immediate() implements RecoveryTarget {
        @Override
        public Map<String, String> settings() {
            return Map.of("recovery_target", "immediate");
        }

        @Override
        public String type() {
            return "immediate";
        }

        @Override
        public String value() {
            return "";
        }
    }

    /** No target: replay all WAL the archive has (the most recent state). */
    record Latest() implements RecoveryTarget {
        @Override
        public Map<String, String> settings() {
            return Map.of();
        }

        @Override
        public String type() {
            return "latest";
        }

        @Override
        public String value() {
            return "";
        }
    }
}
