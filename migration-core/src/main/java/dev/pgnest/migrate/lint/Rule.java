package dev.pgnest.migrate.lint;

import java.util.Arrays;
import java.util.Optional;

/**
 * The safety rules for PostgreSQL migrations: each has a stable id (used in disable
 * comments and reports), why the statement is dangerous on a live database, and the safe
 * way to get the same result.
 */
public enum Rule {
    DROP_TABLE("drop-table", Severity.ERROR,
            "drops the table and its data for good; app versions still reading it start failing",
            "stop using the table in the app and deploy that first; drop it in a later migration with a backup at hand"),
    DROP_COLUMN("drop-column", Severity.ERROR,
            "deletes the column's data; running app versions that select or insert it fail",
            "expand/contract: stop reading and writing the column, deploy, then drop it in a later migration"),
    RENAME_TABLE("rename-table", Severity.ERROR,
            "running app versions keep using the old name and fail until they are replaced",
            "create the new table (or a view with the new name), move the app over, then drop the old name later"),
    RENAME_COLUMN("rename-column", Severity.ERROR,
            "running app versions keep using the old column name and fail until they are replaced",
            "add the new column, backfill and write both, move reads over, then drop the old column later"),
    ADD_NOT_NULL_COLUMN_WITHOUT_DEFAULT("add-not-null-column-without-default", Severity.ERROR,
            "fails on a table with rows, and old app versions that insert without the column break",
            "add the column nullable or with a constant DEFAULT, backfill, then add NOT NULL in a later step"),
    SET_NOT_NULL("set-not-null", Severity.ERROR,
            "scans the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes",
            "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (later migration); then SET NOT NULL and drop c"),
    CHANGE_COLUMN_TYPE("change-column-type", Severity.ERROR,
            "most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock",
            "add a column of the new type, backfill in batches, switch the app over, then drop the old column"),
    ADD_FOREIGN_KEY_WITHOUT_NOT_VALID("add-foreign-key-without-not-valid", Severity.ERROR,
            "validates every existing row while locking both tables against writes",
            "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then VALIDATE CONSTRAINT in a separate migration"),
    ADD_CHECK_WITHOUT_NOT_VALID("add-check-without-not-valid", Severity.ERROR,
            "scans the whole table under an ACCESS EXCLUSIVE lock to validate existing rows",
            "ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a separate migration"),
    CREATE_INDEX_WITHOUT_CONCURRENTLY("create-index-without-concurrently", Severity.ERROR,
            "blocks all writes to an existing table for as long as the index build takes",
            "CREATE INDEX CONCURRENTLY, alone in its own migration (it cannot run in a transaction)"),
    ADD_UNIQUE_CONSTRAINT_WITHOUT_INDEX("add-unique-constraint-without-index", Severity.ERROR,
            "builds the unique index under an ACCESS EXCLUSIVE lock, blocking reads and writes",
            "CREATE UNIQUE INDEX CONCURRENTLY idx ...; then ADD CONSTRAINT c UNIQUE USING INDEX idx"),
    MISSING_LOCK_TIMEOUT("missing-lock-timeout", Severity.WARNING,
            "an ACCESS EXCLUSIVE lock request waits behind long queries while every other query queues behind it",
            "start the migration with SET LOCAL lock_timeout = '5s' (and retry the deploy if it times out)"),
    VACUUM_FULL("vacuum-full", Severity.ERROR,
            "rewrites the whole table under an ACCESS EXCLUSIVE lock",
            "plain VACUUM, or pg_repack / pg_squeeze to compact a table online"),
    CLUSTER("cluster", Severity.ERROR,
            "rewrites the whole table under an ACCESS EXCLUSIVE lock",
            "pg_repack --order-by to reorder online, or leave physical order alone"),
    TRUNCATE("truncate", Severity.ERROR,
            "removes all rows at once, cannot be filtered, and takes an ACCESS EXCLUSIVE lock",
            "DELETE in batches with a WHERE clause, or move data off before truncating in a maintenance window");

    /** ERROR refuses a deploy (unless --allow-unsafe); WARNING is reported only. */
    public enum Severity { ERROR, WARNING }

    private final String id;
    private final Severity severity;
    private final String reason;
    private final String safePattern;

    Rule(String id, Severity severity, String reason, String safePattern) {
        this.id = id;
        this.severity = severity;
        this.reason = reason;
        this.safePattern = safePattern;
    }

    public String id() {
        return id;
    }

    public Severity severity() {
        return severity;
    }

    public String reason() {
        return reason;
    }

    public String safePattern() {
        return safePattern;
    }

    public static Optional<Rule> byId(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
    }
}
