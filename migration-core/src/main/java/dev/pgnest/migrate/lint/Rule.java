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
            "DELETE in batches with a WHERE clause, or move data off before truncating in a maintenance window"),
    DROP_SCHEMA("drop-schema", Severity.ERROR,
            "drops every table, view and function in the schema with their data",
            "drop the objects one by one in later migrations, once nothing uses them, with a backup at hand"),
    DROP_DATABASE("drop-database", Severity.ERROR,
            "drops a whole database; a migration should never do this",
            "drop databases by hand, after a backup, outside the migrations"),
    ADD_COLUMN_WITH_VOLATILE_DEFAULT("add-column-with-volatile-default", Severity.ERROR,
            "a volatile DEFAULT (random(), gen_random_uuid(), clock_timestamp(), nextval()) rewrites the table under an ACCESS EXCLUSIVE lock",
            "add the column without a default (or with a constant one), set the default, then backfill in batches"),
    VALIDATE_CONSTRAINT_IN_SAME_TRANSACTION_AS_ADD("validate-constraint-in-same-transaction-as-add", Severity.ERROR,
            "the ACCESS EXCLUSIVE lock of the ADD ... NOT VALID is held while VALIDATE scans the table, so NOT VALID gains nothing",
            "ADD CONSTRAINT ... NOT VALID in one migration, VALIDATE CONSTRAINT in the next"),
    DROP_INDEX_WITHOUT_CONCURRENTLY("drop-index-without-concurrently", Severity.ERROR,
            "takes an ACCESS EXCLUSIVE lock on the index's table, blocking reads and writes while it waits and runs",
            "DROP INDEX CONCURRENTLY, alone in its own migration"),
    CONCURRENTLY_IN_TRANSACTION("concurrently-in-transaction", Severity.ERROR,
            "CONCURRENTLY cannot run inside a transaction block; mixed with other statements the migration fails or is half applied",
            "put each CONCURRENTLY statement alone in its own migration file, without BEGIN/COMMIT"),
    UNIQUE_INDEX_ON_EXISTING_DATA("unique-index-on-existing-data", Severity.WARNING,
            "fails on duplicate rows already in the table (a concurrent build then leaves an INVALID index behind)",
            "check for duplicates first (pgnest migrate rehearse on last night's backup), clean them, then build the index"),
    ADD_PRIMARY_KEY_TO_EXISTING_TABLE("add-primary-key-to-existing-table", Severity.ERROR,
            "builds the index and checks NOT NULL on every row under an ACCESS EXCLUSIVE lock",
            "CREATE UNIQUE INDEX CONCURRENTLY idx ...; then ADD CONSTRAINT pk PRIMARY KEY USING INDEX idx (columns already NOT NULL)"),
    EXCLUSION_CONSTRAINT("exclusion-constraint", Severity.ERROR,
            "builds its index and checks every row under an ACCESS EXCLUSIVE lock; it cannot be added NOT VALID",
            "add it when the table is created, or in a maintenance window after rehearsing it"),
    ADD_SERIAL_OR_IDENTITY_OR_STORED_GENERATED_COLUMN("add-serial-or-identity-or-stored-generated-column", Severity.ERROR,
            "a serial, identity or STORED generated column fills every row: the table is rewritten under an ACCESS EXCLUSIVE lock",
            "add a plain nullable column, backfill it in batches, then attach the sequence default or compute it in a trigger"),
    JSON_INSTEAD_OF_JSONB("json-instead-of-jsonb", Severity.WARNING,
            "json has no equality operator (DISTINCT, GROUP BY, UNIQUE fail), no GIN indexes, and is reparsed on every read",
            "use jsonb"),
    MISSING_STATEMENT_TIMEOUT("missing-statement-timeout", Severity.OFF,
            "a statement that holds an ACCESS EXCLUSIVE lock for long blocks all traffic for as long as it runs",
            "SET LOCAL statement_timeout = '30s' at the top of the migration (or the migrate.statement-timeout setting)"),
    STATEMENTS_AFTER_ACCESS_EXCLUSIVE_IN_ONE_TRANSACTION("statements-after-access-exclusive-in-one-transaction", Severity.WARNING,
            "the ACCESS EXCLUSIVE lock taken earlier is held until commit, so every later statement extends the outage",
            "put the statement that takes the ACCESS EXCLUSIVE lock last, or in a migration of its own"),
    FOREIGN_KEY_WITHOUT_INDEX("foreign-key-without-index", Severity.WARNING,
            "without an index on the referencing columns, every delete or key update of the referenced table scans this table",
            "CREATE INDEX (CONCURRENTLY on an existing table) on the foreign key's columns"),
    REINDEX_WITHOUT_CONCURRENTLY("reindex-without-concurrently", Severity.ERROR,
            "blocks writes to the table, and reads that use the index, while the index is rebuilt",
            "REINDEX ... CONCURRENTLY (PostgreSQL 12+), alone in its own migration"),
    DETACH_PARTITION_WITHOUT_CONCURRENTLY("detach-partition-without-concurrently", Severity.ERROR,
            "takes an ACCESS EXCLUSIVE lock on the partitioned table, blocking reads and writes of every partition",
            "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+), alone in its own migration"),
    DROP_NOT_NULL("drop-not-null", Severity.WARNING,
            "running app versions assume the column is never null and break on the first null they read",
            "deploy app code that handles nulls first, then drop NOT NULL in a later migration"),
    DOMAIN_WITH_CHECK_CONSTRAINT("domain-with-check-constraint", Severity.WARNING,
            "a domain's CHECK is verified against every column of every table using it, and cannot be changed without that scan",
            "put CHECK constraints on the tables (added NOT VALID, validated later) instead of on domains"),
    ENUM_VALUE_RENAME_OR_UNORDERED_ADD("enum-value-rename-or-unordered-add", Severity.WARNING,
            "running app versions still send a renamed label; a value added without BEFORE/AFTER sorts last, so order comparisons (status < 'approved') silently miss it",
            "ADD VALUE 'x' BEFORE or AFTER the value it belongs next to; retire old labels instead of renaming them"),
    RENAME_SCHEMA("rename-schema", Severity.ERROR,
            "every running app version and every function that names the schema fails until replaced",
            "create the new schema, move objects over while both names work, drop the old schema later"),
    TRIGGER_ON_EXISTING_TABLE("trigger-on-existing-table", Severity.WARNING,
            "blocks writes while it is created, and changes what every write of running app versions does",
            "rehearse it; keep the trigger function cheap; create it with a lock_timeout"),
    SET_LOGGED_OR_UNLOGGED("set-logged-or-unlogged", Severity.ERROR,
            "rewrites the whole table under an ACCESS EXCLUSIVE lock (and UNLOGGED loses its data on a crash and on replicas)",
            "create the table with the persistence it needs, or copy into a new table and swap"),
    PREFER_BIGINT_OVER_INT("prefer-bigint-over-int", Severity.OFF,
            "an int key or counter runs out at 2^31; changing the type later rewrites the table",
            "use bigint (it costs 4 bytes more per row)"),
    PREFER_IDENTITY_OVER_SERIAL("prefer-identity-over-serial", Severity.OFF,
            "serial's sequence has its own owner and grants and is not copied by CREATE TABLE LIKE",
            "bigint GENERATED BY DEFAULT AS IDENTITY"),
    PREFER_TEXT_OVER_VARCHAR_N("prefer-text-over-varchar-n", Severity.OFF,
            "raising varchar(n)'s limit later takes an ACCESS EXCLUSIVE lock; the limit saves no space",
            "text, with a CHECK (char_length(col) <= n) constraint if a limit is needed"),
    PREFER_TIMESTAMPTZ("prefer-timestamptz", Severity.OFF,
            "timestamp without time zone loses the offset, so the same value means different instants to different sessions",
            "timestamptz (timestamp with time zone)"),
    BAN_CHAR_N("ban-char-n", Severity.OFF,
            "char(n) pads with spaces, compares surprisingly, and saves no space over text",
            "text (with a CHECK on its length if needed)"),
    IDENTIFIER_TOO_LONG("identifier-too-long", Severity.ERROR,
            "PostgreSQL silently truncates names to 63 bytes, so two long names can collide and later migrations miss the object",
            "use names of at most 63 bytes"),
    NESTED_OR_UNCLOSED_TRANSACTION("nested-or-unclosed-transaction", Severity.ERROR,
            "a BEGIN inside the migration's transaction, or one never committed, commits or rolls back other than planned",
            "leave transactions to pgnest: remove BEGIN/COMMIT (each migration already runs in one transaction)"),
    PREFER_IF_EXISTS("prefer-if-exists", Severity.OFF,
            "a migration that failed part-way outside a transaction cannot be re-run: objects it created or dropped fail the retry",
            "CREATE ... IF NOT EXISTS, DROP ... IF EXISTS, ADD COLUMN IF NOT EXISTS");

    /**
     * ERROR refuses a deploy (unless --allow-unsafe); WARNING is reported only; OFF is not
     * checked. Each rule's default can be changed in pgnest.yml (lint.severity).
     */
    public enum Severity { ERROR, WARNING, OFF }

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

    /** The severity unless lint.severity says otherwise. */
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
