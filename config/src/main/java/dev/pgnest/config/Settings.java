package dev.pgnest.config;

import static dev.pgnest.config.Scope.GLOBAL;
import static dev.pgnest.config.Scope.REPOSITORY;
import static dev.pgnest.config.Scope.TARGET;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every pgnest setting, declared once. Add a setting here and it is parsed from pgnest.yml,
 * the environment and flags, validated, shown by {@code pgnest config show} and listed in
 * README's configuration reference (a test fails until README is regenerated).
 */
public final class Settings {
    private Settings() {
    }

    // ---- global -------------------------------------------------------------------------

    public static final Setting<String> TARGET_NAME = Setting.define(GLOBAL, "target", SettingType.STRING)
            .flag("--target").defaultText("the only target in pgnest.yml, else \"default\"")
            .describe("Which target (database) a command works on.");

    public static final Setting<String> REPOSITORY_NAME = Setting.define(GLOBAL, "repository", SettingType.STRING)
            .flag("--repo").defaultText("the only repository in pgnest.yml, else \"default\"")
            .describe("Which repository (backup storage) a command works on.");

    public static final Setting<Path> PG_BIN_DIR = Setting.define(GLOBAL, "pg.bin-dir", SettingType.PATH)
            .defaultText("newest /usr/lib/postgresql/<major>/bin, else PATH")
            .describe("Directory of the PostgreSQL client and server programs (pg_dump, pg_restore, pg_ctl…).");

    public static final Setting<List<String>> PG_SERVER_BIN_DIRS = Setting.define(GLOBAL, "pg.server-bin-dirs", SettingType.LIST)
            .flag(null).defaultText("none")
            .describe("Bin directories of other PostgreSQL majors' servers (pg_ctl, postgres), for restores and drills of backups "
                    + "taken on those majors when pg.bin-dir and /usr/lib/postgresql/<major>/bin are of another major.");

    public static final Setting<Boolean> RUN_MIGRATIONS = Setting.define(GLOBAL, "run-migrations", SettingType.BOOL)
            .env("RUN_MIGRATIONS").flag(null).defaultValue(true)
            .describe("false makes `migrate deploy` do nothing (for container entrypoints, as in the BabyNest guide).");

    public static final Setting<String> LOG_LEVEL = Setting.define(GLOBAL, "log.level", SettingType.oneOf("error", "warn", "info", "debug"))
            .defaultValue("info")
            .describe("How much pgnest logs to stderr.");

    // ---- target: a database pgnest looks after ------------------------------------------

    public static final Setting<String> DATABASE_URL = Setting.define(TARGET, "url", SettingType.DATABASE_URL)
            .env("PGNEST_DATABASE_URL", "DATABASE_URL").flag("--database-url")
            .describe("Connection URL of the target database, as Prisma's DATABASE_URL: postgresql://user@host:5432/db. "
                    + "A password inside it is accepted but prefer PGNEST_DB_PASSWORD.");

    public static final Setting<String> DB_USER = Setting.define(TARGET, "user", SettingType.STRING)
            .env("PGNEST_DB_USER").flag("--db-user")
            .defaultText("the user in the URL")
            .describe("Database user; overrides the user in the URL.");

    public static final Setting<String> DB_PASSWORD = Setting.define(TARGET, "password", SettingType.STRING)
            .env("PGNEST_DB_PASSWORD", "PGPASSWORD").secret()
            .defaultText("the password in the URL")
            .describe("Database password; overrides the password in the URL. Never shown, never passed on a command line.");

    public static final Setting<List<String>> TARGET_REPOSITORIES = Setting.define(TARGET, "repositories", SettingType.LIST)
            .flag(null).defaultText("the selected repository alone")
            .describe("Repositories of pgnest.yml this target keeps its WAL in, in order (e.g. [local, offsite]): wal push "
                    + "archives every segment to each, wal fetch reads from the first that has it. Backups go to one: "
                    + "--repo, else the first listed.");

    public static final Setting<Integer> WAL_PUSH_ACKNOWLEDGE = Setting.define(TARGET, "wal.push-acknowledge", SettingType.intRange(0, 256))
            .flag(null).defaultValue(0)
            .describe("With several repositories: wal push acknowledges a segment once this many of them store it "
                    + "(0: all of them). The others get a copy queued in the spool directory (wal.spool-dir), "
                    + "pushed by later pushes once they are reachable again; wal check reports the queue.");

    public static final Setting<Boolean> PROTECTED = Setting.define(TARGET, "protected", SettingType.BOOL)
            .defaultValue(false)
            .describe("A production target: snapshot before migrations, refuse destructive commands without --force.");

    public static final Setting<Boolean> DEVELOPMENT = Setting.define(TARGET, "development", SettingType.BOOL)
            .env("PGNEST_DB_DEVELOPMENT").defaultValue(false)
            .describe("A disposable development database: `migrate reset --force` may drop and rebuild it.");

    public static final Setting<List<String>> MIGRATIONS = Setting.define(TARGET, "migrations", SettingType.LIST)
            .env("PGNEST_MIGRATIONS").flag("--migrations").defaultValue(List.of("db/migrations"))
            .describe("Where the target's migrations are: directories or Flyway locations (filesystem:DIR, classpath:PKG), "
                    + "or a Prisma Migrate migrations directory as it is (prisma/migrations; history in _prisma_migrations).");

    public static final Setting<String> SHADOW_URL = Setting.define(TARGET, "shadow-url", SettingType.DATABASE_URL)
            .env("PGNEST_SHADOW_DATABASE_URL").flag("--shadow-url")
            .defaultText("a scratch database next to the target, dropped afterwards")
            .describe("A disposable database for `migrate diff` to build the migrations' schema in; emptied before use.");

    public static final Setting<List<String>> LINT_SEVERITY = Setting.define(TARGET, "lint.severity", SettingType.LIST)
            .env("PGNEST_LINT_SEVERITY").flag(null).defaultText("each rule's own (pgnest migrate lint --rules)")
            .describe("Severity per lint rule, as rule-id=error|warning|off entries: error refuses `migrate deploy`, "
                    + "warning is reported only, off is not checked (e.g. drop-column=warning,prefer-timestamptz=error).");

    public static final Setting<Duration> DEPLOY_LOCK_TIMEOUT = Setting.define(TARGET, "deploy.lock-timeout", SettingType.DURATION)
            .env("PGNEST_DEPLOY_LOCK_TIMEOUT").flag(null).defaultValue(Duration.ofSeconds(5))
            .describe("lock_timeout `migrate deploy` sets for each migration (one that sets its own keeps it): a lock request "
                    + "that waits longer fails and is retried, instead of queueing all traffic behind it.");

    public static final Setting<Duration> DEPLOY_CONCURRENT_INDEX_LOCK_TIMEOUT = Setting.define(TARGET,
                    "deploy.concurrent-index-lock-timeout", SettingType.DURATION)
            .flag(null).defaultValue(Duration.ofMinutes(2))
            .describe("lock_timeout for migrations that build or rebuild an index CONCURRENTLY: they wait for every older "
                    + "transaction in the database, which blocks nobody.");

    public static final Setting<Duration> DEPLOY_STATEMENT_TIMEOUT = Setting.define(TARGET, "deploy.statement-timeout", SettingType.DURATION)
            .env("PGNEST_DEPLOY_STATEMENT_TIMEOUT").flag(null).defaultText("off (the server's)")
            .describe("statement_timeout `migrate deploy` sets for each migration (one that sets its own keeps it).");

    public static final Setting<Integer> DEPLOY_LOCK_RETRIES = Setting.define(TARGET, "deploy.lock-retries", SettingType.intRange(0, 100))
            .env("PGNEST_DEPLOY_LOCK_RETRIES").flag(null).defaultValue(3)
            .describe("How often `migrate deploy` retries a migration that failed on lock_timeout (SQLSTATE 55P03).");

    public static final Setting<Duration> DEPLOY_LOCK_RETRY_DELAY = Setting.define(TARGET, "deploy.lock-retry-delay", SettingType.DURATION)
            .flag(null).defaultValue(Duration.ofSeconds(5))
            .describe("Wait before the first lock-timeout retry; doubled for each further one.");

    public static final Setting<String> PRE_MIGRATION_SNAPSHOT = Setting.define(TARGET, "pre-migration.snapshot",
                    SettingType.oneOf("restore-point", "logical-backup", "both", "none"))
            .defaultValue("restore-point")
            .describe("What `migrate deploy` takes before applying anything to a protected target: a named restore point "
                    + "(instant; needs WAL archiving for PITR), a logical backup tagged pre-migration, both, or none.");

    public static final Setting<Integer> RETENTION_KEEP_LAST = Setting.define(TARGET, "retention.keep-last", SettingType.intRange(0, 100000))
            .flag("--keep-last")
            .describe("`backup expire`: keep the newest N backups of each kind.");

    public static final Setting<Duration> RETENTION_MAX_AGE = Setting.define(TARGET, "retention.max-age", SettingType.DURATION)
            .flag("--max-age")
            .describe("`backup expire`: keep backups younger than this (36h, 30d, 8w).");

    public static final Setting<Integer> RETENTION_KEEP_DAILY = Setting.define(TARGET, "retention.keep-daily", SettingType.intRange(0, 100000))
            .flag("--keep-daily")
            .describe("`backup expire`: keep the newest backup of each of the last N days that have backups (UTC).");

    public static final Setting<Integer> RETENTION_KEEP_WEEKLY = Setting.define(TARGET, "retention.keep-weekly", SettingType.intRange(0, 100000))
            .flag("--keep-weekly")
            .describe("`backup expire`: keep the newest backup of each of the last N weeks that have backups.");

    public static final Setting<Integer> RETENTION_KEEP_MONTHLY = Setting.define(TARGET, "retention.keep-monthly", SettingType.intRange(0, 100000))
            .flag("--keep-monthly")
            .describe("`backup expire`: keep the newest backup of each of the last N months that have backups.");

    // ---- repository: where backups and WAL are stored -----------------------------------

    public static final Setting<String> REPO_TYPE = Setting.define(REPOSITORY, "type", SettingType.oneOf("s3", "fs"))
            .env("PGNEST_REPO_TYPE").flag("--repo-type").defaultValue("s3")
            .describe("Storage kind: s3 (any S3-compatible store) or fs (a local or mounted directory).");

    public static final Setting<Path> REPO_PATH = Setting.define(REPOSITORY, "path", SettingType.PATH)
            .env("PGNEST_REPO_PATH").flag("--repo-path")
            .describe("Directory of an fs repository.");

    public static final Setting<String> S3_BUCKET = Setting.define(REPOSITORY, "s3.bucket", SettingType.STRING)
            .describe("Bucket of an s3 repository.");

    public static final Setting<String> S3_PREFIX = Setting.define(REPOSITORY, "s3.prefix", SettingType.STRING)
            .defaultValue("pgnest")
            .describe("Key prefix inside the bucket, so one bucket can hold several repositories.");

    public static final Setting<String> S3_ENDPOINT = Setting.define(REPOSITORY, "s3.endpoint", SettingType.STRING)
            .defaultText("AWS S3 for the region")
            .describe("Endpoint URL of an S3-compatible store (MinIO, Ceph, R2…), e.g. https://minio.internal:9000.");

    public static final Setting<String> S3_REGION = Setting.define(REPOSITORY, "s3.region", SettingType.STRING)
            .env("PGNEST_S3_REGION", "AWS_REGION").defaultValue("us-east-1")
            .describe("Region of the bucket.");

    public static final Setting<String> S3_ACCESS_KEY_ID = Setting.define(REPOSITORY, "s3.access-key-id", SettingType.STRING)
            .env("PGNEST_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID").flag(null)
            .defaultText("the AWS default credential chain")
            .describe("Access key id; when unset, the AWS default credential chain (profile, instance role…) is used.");

    public static final Setting<String> S3_SECRET_ACCESS_KEY = Setting.define(REPOSITORY, "s3.secret-access-key", SettingType.STRING)
            .env("PGNEST_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY").secret()
            .describe("Secret access key belonging to s3.access-key-id. Never shown.");

    public static final Setting<Boolean> S3_PATH_STYLE = Setting.define(REPOSITORY, "s3.path-style", SettingType.BOOL)
            .defaultValue(true)
            .describe("Path-style addressing (endpoint/bucket/key), which most S3-compatible stores need.");

    public static final Setting<String> S3_SSE = Setting.define(REPOSITORY, "s3.sse", SettingType.oneOf("none", "AES256", "aws:kms"))
            .defaultValue("none")
            .describe("Server-side encryption requested for every object.");

    public static final Setting<String> S3_STORAGE_CLASS = Setting.define(REPOSITORY, "s3.storage-class", SettingType.STRING)
            .defaultValue("STANDARD")
            .describe("Storage class of new objects (STANDARD, STANDARD_IA…).");

    public static final Setting<Long> S3_PART_SIZE = Setting.define(REPOSITORY, "s3.part-size", SettingType.SIZE)
            .defaultValue(8L << 20)
            .describe("Multipart upload part size (5MiB-5GiB); doubles every 2,000 parts so unknown-length dumps fit S3's 10,000 parts.");

    public static final Setting<Integer> S3_PARTS_IN_FLIGHT = Setting.define(REPOSITORY, "s3.parts-in-flight", SettingType.intRange(1, 64))
            .defaultValue(4)
            .describe("Parts uploaded in parallel; an upload's memory is (parts in flight + 1) x part size.");

    public static final Setting<Integer> S3_MAX_ATTEMPTS = Setting.define(REPOSITORY, "s3.max-attempts", SettingType.intRange(1, 20))
            .defaultValue(6)
            .describe("Attempts per S3 request, with backoff, on throttling (503 SlowDown), 5xx and broken connections.");

    public static final Setting<String> S3_SSE_KMS_KEY_ID = Setting.define(REPOSITORY, "s3.sse-kms-key-id", SettingType.STRING)
            .describe("KMS key for s3.sse=aws:kms (default: the bucket's AWS-managed key).");

    public static final Setting<Boolean> S3_VERIFY_TLS = Setting.define(REPOSITORY, "s3.verify-tls", SettingType.BOOL)
            .defaultValue(true)
            .describe("Check the endpoint's TLS certificate and host name. false (a test store with a self-signed certificate) "
                    + "is logged as a warning on every start.");

    public static final Setting<String> S3_CHECKSUM = Setting.define(REPOSITORY, "s3.checksum", SettingType.oneOf("crc32c", "md5"))
            .defaultValue("crc32c")
            .describe("Transport checksum of every upload, checked by the store before it keeps the bytes: crc32c "
                    + "(x-amz-checksum-crc32c, nearly free) or md5 (Content-MD5, for S3-compatible stores that reject "
                    + "flexible checksums). Each object's own SHA-256 is checked on every read either way.");

    public static final Setting<String> ENCRYPTION_MODE = Setting.define(REPOSITORY, "encryption.mode", SettingType.oneOf("none", "aes-256-gcm"))
            .env("PGNEST_ENCRYPTION").defaultValue("none")
            .describe("Client-side encryption of every object in the repository (authenticated: tampering is detected on read).");

    public static final Setting<String> ENCRYPTION_KEY = Setting.define(REPOSITORY, "encryption.key", SettingType.STRING)
            .secret()
            .describe("The 256-bit key, base64 (head -c 32 /dev/urandom | base64) or 64 hex digits. Keep a copy outside "
                    + "the repository: without it nothing can be restored.");

    public static final Setting<Path> ENCRYPTION_KEY_FILE = Setting.define(REPOSITORY, "encryption.key-file", SettingType.PATH)
            .describe("A file holding the key (base64, hex or 32 raw bytes), instead of encryption.key.");

    public static final Setting<String> COMPRESSION = Setting.define(REPOSITORY, "compression", SettingType.oneOf("zstd", "gzip", "none"))
            .defaultValue("zstd")
            .describe("Compression of backups and WAL.");

    public static final Setting<Integer> COMPRESSION_LEVEL = Setting.define(REPOSITORY, "compression-level", SettingType.intRange(1, 19))
            .defaultText("zstd 1, gzip 3")
            .describe("Compression level (zstd 1-19, gzip 1-9). zstd's default 1 takes half the CPU of 3 at about the same size.");

    // ---- WAL archiving and physical backups ----------------------------------------------
    // No root flags: wal and backup physical commands take --spool-dir, --parallel, --data-dir… as their
    // own options (declared here with .option), and those names mean different settings in different commands.

    public static final Setting<Path> WAL_SPOOL_DIR = Setting.define(GLOBAL, "wal.spool-dir", SettingType.PATH)
            .flag(null).defaultText("/tmp/pgnest-spool-<uid>")
            .option("--spool-dir", "DIR", "Local spool directory (default: ${setting}, ${default}).", "wal fetch", "wal serve", "wal pusher")
            .option("--spool-dir", "DIR", "Local spool directory (default: ${setting}).", "wal prefetch")
            .option("--spool-dir", "DIR", "Local spool directory for the segment being received (default: ${setting}).", "wal stream")
            .describe("Local spool directory of the processes around one server: the wal push endpoint is published here "
                    + "and wal fetch prefetches into it (--spool-dir overrides). The launcher's no-JVM fast paths read only "
                    + "PGNEST_WAL_SPOOL_DIR: set it in archive_command's environment, not just in pgnest.yml "
                    + "(restore pitr passes it to restore_command itself).");

    public static final Setting<Integer> WAL_PUSH_PORT = Setting.define(GLOBAL, "wal.push-port", SettingType.intRange(0, 65535))
            .flag(null).defaultValue(0)
            .option("--port", "PORT", "Loopback port (0: any free one; default: ${setting}, ${default}).", "wal serve")
            .describe("Loopback port of the wal push endpoint of wal serve and pgnest serve; 0: any free one "
                    + "(wal serve --port overrides).");

    public static final Setting<Integer> WAL_PUSH_PARALLELISM = Setting.define(GLOBAL, "wal.push-parallelism", SettingType.intRange(1, 64))
            .flag(null).defaultValue(4)
            .option("--parallel", "N", "Concurrent uploads (default: ${setting}, ${default}).", "wal serve", "wal pusher")
            .describe("Concurrent uploads of the wal push endpoint (wal serve --parallel overrides).");

    public static final Setting<Duration> WAL_PUSH_IDLE_EXIT = Setting.define(GLOBAL, "wal.push-idle-exit", SettingType.DURATION_OR_SECONDS)
            .flag(null).defaultValue(Duration.ofMinutes(5))
            .option("--idle-exit", "DURATION", "Exit after this long without a push (default: ${setting}, ${default}).", "wal pusher")
            .describe("When no wal push endpoint runs, the launcher's `wal push` starts a background pusher for the spool "
                    + "directory (one per spool and configuration) and hands segments to it; it exits after this long "
                    + "without a push. 0: never start one (each push without a service starts a JVM). The launcher reads "
                    + "only PGNEST_WAL_PUSH_IDLE_EXIT for the 0.");

    public static final Setting<Integer> WAL_PREFETCH = Setting.define(GLOBAL, "wal.prefetch", SettingType.intRange(0, 256))
            .flag(null).defaultValue(8)
            .option("--prefetch", "N", "Segments to download ahead (0: none; default: ${setting}, ${default}).", "wal fetch")
            .option("--prefetch", "N", "Segments to keep downloaded ahead (default: ${setting}).", "wal prefetch")
            .describe("WAL segments wal fetch downloads ahead of recovery into the spool directory; 0: none (--prefetch overrides).");

    public static final Setting<String> WAL_STREAM_SLOT = Setting.define(TARGET, "wal.stream-slot",
                    SettingType.matching("[a-z0-9_]{1,63}", "a replication slot name", "lowercase letters, digits and _ (at most 63)"))
            .flag(null).defaultValue("pgnest")
            .option("--slot", "NAME", "Physical replication slot, created when missing (default: ${setting}, ${default}).", "wal stream")
            .describe("Physical replication slot wal stream uses on the target's server, created when missing (--slot overrides).");

    public static final Setting<Boolean> WAL_STREAM_SYNCHRONOUS = Setting.define(TARGET, "wal.stream-synchronous", SettingType.BOOL)
            .flag(null).defaultValue(false)
            .option("--synchronous", "true|false", "Report WAL flushed only once it is fsynced in the spool, for "
                    + "synchronous_standby_names (default: ${setting}, ${default}).", "wal stream")
            .describe("wal stream reports WAL as flushed only once it is fsynced in its spool, and stores the segment it is "
                    + "receiving as a .partial file, so that with its slot name in synchronous_standby_names a commit returns "
                    + "only when its WAL is on the receiver's disk (--synchronous overrides). Commits wait while it is down.");

    public static final Setting<String> BACKUP_METHOD = Setting.define(TARGET, "backup.physical.method",
                    SettingType.oneOf("auto", "files", "pg_basebackup"))
            .env("PGNEST_BACKUP_METHOD").flag(null).defaultValue("auto")
            .option("--method", "auto|files|pg_basebackup", "How to read the files (default: ${setting}, ${default}).", "backup physical")
            .describe("How a physical backup reads the target's files: files (its data directory, readable from here, in "
                    + "parallel), pg_basebackup (its tar stream; the server may be remote) or auto (files when readable) "
                    + "(backup physical --method overrides).");

    public static final Setting<String> BACKUP_TYPE = Setting.define(TARGET, "backup.physical.type",
                    SettingType.oneOf("full", "diff", "incr"))
            .env("PGNEST_BACKUP_TYPE").flag(null).defaultValue("full")
            .option("--type", "full|diff|incr", "What to store: every file, or the pages and files changed since the last "
                    + "full backup (diff) or the previous backup (incr) (default: ${setting}, ${default}).", "backup physical")
            .describe("What a physical backup stores: full (every file), diff (what changed since the newest full backup) "
                    + "or incr (what changed since the newest backup); a diff or incr without a usable backup to depend on "
                    + "is taken full (backup physical --type overrides).");

    public static final Setting<Path> BACKUP_DATA_DIR = Setting.define(TARGET, "backup.physical.data-dir", SettingType.PATH)
            .env("PGNEST_DATA_DIR").flag(null).defaultText("the server's data_directory")
            .option("--data-dir", "DIR", "The server's data directory as seen from here (default: ${setting}, else ${default}).",
                    "backup physical")
            .describe("The target's data directory as seen from pgnest's host, when it is mounted elsewhere "
                    + "(backup physical --data-dir overrides).");

    public static final Setting<String> BACKUP_STANDBY_URL = Setting.define(TARGET, "backup.physical.standby-url", SettingType.DATABASE_URL)
            .env("PGNEST_BACKUP_STANDBY_URL").flag(null).defaultText("none: backups run on the target's url")
            .describe("A streaming standby of the target to take physical backups from, so the primary does not pay for "
                    + "the read: the backup API runs on the standby and its files are read (backup.physical.data-dir is then "
                    + "the standby's); the target's url (the primary) is only asked to switch WAL so that it archives the "
                    + "backup's last segment. The target's user and password apply.");

    public static final Setting<Integer> BACKUP_PARALLELISM = Setting.define(GLOBAL, "backup.physical.parallelism", SettingType.intRange(0, 256))
            .env("PGNEST_BACKUP_PARALLELISM").flag(null).defaultText("the number of CPUs")
            .option("--parallel", "N", "Files read and compressed at once (default: ${setting}, else ${default}).", "backup physical")
            .describe("Files a physical backup reads and compresses at once; 0: the number of CPUs (backup physical --parallel overrides).");

    public static final Setting<Duration> BACKUP_WAL_TIMEOUT = Setting.define(TARGET, "backup.physical.wal-timeout", SettingType.DURATION_OR_SECONDS)
            .env("PGNEST_BACKUP_WAL_TIMEOUT").flag(null).defaultValue(Duration.ofSeconds(60))
            .option("--wal-timeout", "SECONDS", "How long to wait for the backup's last WAL segment to reach the archive "
                    + "(default: ${setting}, ${default}).", "backup physical")
            .describe("How long a physical backup waits for its last WAL segment to reach the archive before it fails "
                    + "(backup physical --wal-timeout overrides).");

    // ---- restore ------------------------------------------------------------------------
    // No root flags: the restore commands take --data-dir, --port, --jobs… as their own options.

    public static final Setting<Path> RESTORE_DATA_DIR = Setting.define(TARGET, "restore.data-dir", SettingType.PATH)
            .flag(null)
            .option("--data-dir", "DIR", "Where to rebuild the cluster (default: ${setting}); empty unless --delta.",
                    "restore pitr", "restore plan pitr")
            .describe("Data directory pgnest restore pitr rebuilds the cluster in (--data-dir overrides). Must be empty, or use --delta.");

    public static final Setting<Integer> RESTORE_PORT = Setting.define(TARGET, "restore.port", SettingType.intRange(1, 65535))
            .flag(null).defaultValue(5432)
            .option("--port", "PORT", "Port of the server during recovery (default: ${setting}).", "restore pitr", "restore plan pitr")
            .describe("Port the restored server listens on while it recovers, and after with --keep-running (--port overrides).");

    public static final Setting<String> RESTORE_OS_USER = Setting.define(GLOBAL, "restore.os-user", SettingType.STRING)
            .flag(null).defaultValue("postgres")
            .describe("OS user that runs PostgreSQL (pg_ctl, via runuser) and owns restored files when pgnest restores as root; "
                    + "user-namespace runs it as root in a user namespace (unshare -U) for hosts without that user.");

    public static final Setting<Path> RESTORE_REPORT_DIR = Setting.define(GLOBAL, "restore.report-dir", SettingType.PATH)
            .flag(null).defaultValue(Path.of("pgnest-reports"))
            .describe("Where every restore saves its incident report (<id>.json and <id>.md).");

    public static final Setting<Path> RESTORE_STAGING_DIR = Setting.define(GLOBAL, "restore.staging-dir", SettingType.PATH)
            .flag(null).defaultText("the system temp directory")
            .describe("Where a logical restore stages and verifies the dump before pg_restore reads it (needs the dump's uncompressed size).");

    public static final Setting<Path> RESTORE_SCRATCH_DIR = Setting.define(GLOBAL, "restore.scratch-dir", SettingType.PATH)
            .flag(null).defaultText("the system temp directory")
            .describe("Parent directory of the scratch clusters restore drills create and delete.");

    public static final Setting<Integer> RESTORE_PARALLELISM = Setting.define(GLOBAL, "restore.parallelism", SettingType.intRange(1, 64))
            .flag(null).defaultValue(4)
            .option("-j, --jobs", "N", "Objects downloaded at once (default: ${setting}).", "restore pitr", "restore plan pitr")
            .option("-j, --jobs", "N", "Parallel pg_restore jobs (default: ${setting}).", "restore logical", "restore plan logical")
            .describe("Objects a physical restore downloads at once, and pg_restore jobs of a logical one (--jobs overrides).");

    public static final Setting<java.time.Duration> RESTORE_TIMEOUT = Setting.define(GLOBAL, "restore.timeout", SettingType.DURATION)
            .flag(null).defaultValue(java.time.Duration.ofHours(12))
            .describe("Longest a recovery may run before pgnest stops it and fails.");

    public static final Setting<String> RESTORE_LAUNCHER = Setting.define(GLOBAL, "restore.launcher", SettingType.STRING)
            .flag(null).defaultText("the pgnest launcher that runs the restore")
            .describe("The pgnest command PostgreSQL runs in restore_command ('<launcher> wal fetch %f %p'); must work for restore.os-user.");

    public static final Setting<String> LAUNCHER = Setting.define(GLOBAL, "launcher", SettingType.STRING)
            .env("PGNEST_LAUNCHER").flag(null).defaultText("set by the pgnest launcher script to itself")
            .describe("The pgnest launcher this process was started with; restore_command uses it when restore.launcher is unset.");

    public static final Setting<String> DRILL_MODE = Setting.define(TARGET, "drill.mode", SettingType.oneOf("cluster", "database"))
            .flag(null).defaultValue("cluster")
            .option("--mode", "cluster|database", "Where to restore: a scratch cluster on this host, or a scratch database on "
                    + "the target's server (default: ${setting}).", "restore drill", "migrate rehearse")
            .describe("Where restore drill restores: cluster (a scratch cluster on this host) or database (a scratch database on the target's server).");

    public static final Setting<List<String>> DRILL_CHECKS = Setting.define(TARGET, "drill.checks", SettingType.LIST)
            .flag(null).defaultText("none")
            .describe("SQL queries a drill runs on the restored database; each must return true, a non-zero number or a non-empty value. "
                    + "Give queries that contain commas as a list in pgnest.yml.");

    public static final Setting<Duration> REHEARSE_LOCK_THRESHOLD = Setting.define(TARGET, "rehearse.lock-threshold", SettingType.DURATION)
            .env("PGNEST_REHEARSE_LOCK_THRESHOLD").flag(null).defaultValue(Duration.ofSeconds(1))
            .describe("`migrate rehearse` exits 3 when a statement holds ACCESS EXCLUSIVE or another write-blocking lock "
                    + "(SHARE and stronger) on an existing table or index longer than this, measured on the restored copy.");

    public static final Setting<Long> REHEARSE_REWRITE_THRESHOLD = Setting.define(TARGET, "rehearse.rewrite-threshold", SettingType.SIZE)
            .env("PGNEST_REHEARSE_REWRITE_THRESHOLD").flag(null).defaultValue(100L << 20)
            .describe("`migrate rehearse` exits 3 when a statement rewrites a table or index larger than this "
                    + "(its size with indexes and TOAST before the migrations ran).");
    // ---- the backup service (pgnest serve) -----------------------------------------------

    public static final Setting<HostPort> SERVE_LISTEN = Setting.define(GLOBAL, "serve.listen", SettingType.HOST_PORT)
            .defaultValue(HostPort.parse("127.0.0.1:7432"))
            .describe("host:port where pgnest serve answers /health, /metrics, the status page and the WAL push fast path. "
                    + "It has no authentication: keep it on loopback or a private network.");

    public static final Setting<String> SERVE_DATABASE_URL = Setting.define(GLOBAL, "serve.database-url", SettingType.DATABASE_URL)
            .defaultText("the selected target's url")
            .describe("Database of the scheduler's job store (schema pgnest_serve, created by pgnest). "
                    + "Every replica of pgnest serve must use the same one: that is what makes each backup run once.");

    public static final Setting<String> SERVE_DATABASE_PASSWORD = Setting.define(GLOBAL, "serve.database-password", SettingType.STRING)
            .secret()
            .defaultText("the password in serve.database-url, else the target's")
            .describe("Password for serve.database-url. Never shown.");

    public static final Setting<java.time.ZoneId> SERVE_TIMEZONE = Setting.define(GLOBAL, "serve.timezone", SettingType.TIME_ZONE)
            .defaultValue(java.time.ZoneId.of("UTC"))
            .describe("Time zone the schedule.* cron expressions are read in, e.g. Europe/Paris.");

    public static final Setting<Duration> SERVE_SHUTDOWN_TIMEOUT = Setting.define(GLOBAL, "serve.shutdown-timeout", SettingType.DURATION)
            .defaultValue(Duration.ofMinutes(5))
            .describe("On SIGTERM, how long running jobs may take to finish before they are aborted "
                    + "(an aborted backup leaves no manifest; its uploads are aborted).");

    public static final Setting<String> ALERT_WEBHOOK_URL = Setting.define(GLOBAL, "alert.webhook-url", SettingType.STRING)
            .secret()
            .describe("URL that receives a JSON POST for every alert (failed job, missed schedule, WAL archive lag, unproven restore). "
                    + "Secret, as Slack webhook URLs carry their token. Unset: alerts are log lines only.");

    public static final Setting<String> ALERT_WEBHOOK_FORMAT = Setting.define(GLOBAL, "alert.webhook-format", SettingType.oneOf("json", "slack"))
            .defaultValue("json")
            .describe("Body of the webhook POST: json (pgnest's alert object) or slack (a Slack-compatible {\"text\": …}).");

    public static final Setting<Duration> ALERT_WAL_LAG = Setting.define(GLOBAL, "alert.wal-lag", SettingType.DURATION)
            .defaultValue(Duration.ofMinutes(15))
            .describe("Alert when WAL has been waiting for the archive longer than this (seconds since the last archived "
                    + "segment while completed segments are pending).");

    public static final Setting<Duration> ALERT_UNPROVEN_AFTER = Setting.define(GLOBAL, "alert.unproven-after", SettingType.DURATION)
            .defaultValue(Duration.ofDays(8))
            .describe("Alert (restore_unproven) when no restore drill has passed for longer than this (since the last "
                    + "passed drill recorded in the repository, or since the first backup when none has); resolved when one passes.");

    // ---- target: what pgnest serve runs, as cron expressions ------------------------------

    public static final Setting<String> SCHEDULE_LOGICAL = Setting.define(TARGET, "schedule.logical", SettingType.STRING)
            .describe("When pgnest serve takes a logical backup: Unix cron (0 2 * * *), Quartz cron with seconds "
                    + "(0 0 2 * * ?) or @hourly/@daily/@weekly. Unset: never.");

    public static final Setting<String> SCHEDULE_PHYSICAL = Setting.define(TARGET, "schedule.physical", SettingType.STRING)
            .describe("When pgnest serve takes a physical base backup (cron, as schedule.logical). Unset: never.");

    public static final Setting<String> SCHEDULE_PHYSICAL_DIFF = Setting.define(TARGET, "schedule.physical-diff",
                    SettingType.STRING)
            .describe("When pgnest serve takes a diff physical backup, whatever backup.physical.type says (cron, as "
                    + "schedule.logical); e.g. schedule.physical weekly with type full, this one nightly. Unset: never.");

    public static final Setting<String> SCHEDULE_PHYSICAL_INCR = Setting.define(TARGET, "schedule.physical-incr",
                    SettingType.STRING)
            .describe("When pgnest serve takes an incr physical backup, whatever backup.physical.type says (cron, as "
                    + "schedule.logical). Unset: never.");

    public static final Setting<String> SCHEDULE_LOGICAL_REPOSITORY = Setting.define(TARGET, "schedule.logical-repository",
                    SettingType.STRING)
            .describe("The repository pgnest serve's scheduled logical backups of this target go to: one of "
                    + "targets.NAME.repositories. Unset: the service's repository (the first).");

    public static final Setting<String> SCHEDULE_PHYSICAL_REPOSITORY = Setting.define(TARGET, "schedule.physical-repository",
                    SettingType.STRING)
            .describe("The repository pgnest serve's scheduled physical backups (full, diff, incr) of this target go to: "
                    + "one of targets.NAME.repositories, which all receive its WAL. Unset: the service's repository (the "
                    + "first). Verification, expiry, drills and the status page of serve read the service's repository.");

    public static final Setting<String> SCHEDULE_EXPIRE = Setting.define(TARGET, "schedule.expire", SettingType.STRING)
            .describe("When pgnest serve removes backups and WAL past retention (cron, as schedule.logical). Unset: never.");

    public static final Setting<String> SCHEDULE_VERIFY = Setting.define(TARGET, "schedule.verify", SettingType.STRING)
            .describe("When pgnest serve verifies the checksums of stored backups (cron, as schedule.logical). Unset: never.");

    public static final Setting<String> SCHEDULE_DRILL = Setting.define(TARGET, "schedule.drill", SettingType.STRING)
            .describe("When pgnest serve runs a restore drill: restores the latest backup into a scratch cluster and "
                    + "checks it (cron, as schedule.logical). Unset: never.");

    public static final List<Setting<?>> ALL = List.of(
            TARGET_NAME, REPOSITORY_NAME, PG_BIN_DIR, PG_SERVER_BIN_DIRS, RUN_MIGRATIONS, LOG_LEVEL,
            DATABASE_URL, DB_USER, DB_PASSWORD, TARGET_REPOSITORIES, WAL_PUSH_ACKNOWLEDGE, PROTECTED, DEVELOPMENT, MIGRATIONS, SHADOW_URL,
            LINT_SEVERITY, DEPLOY_LOCK_TIMEOUT, DEPLOY_CONCURRENT_INDEX_LOCK_TIMEOUT, DEPLOY_STATEMENT_TIMEOUT,
            DEPLOY_LOCK_RETRIES, DEPLOY_LOCK_RETRY_DELAY, PRE_MIGRATION_SNAPSHOT, RETENTION_KEEP_LAST, RETENTION_MAX_AGE, RETENTION_KEEP_DAILY, RETENTION_KEEP_WEEKLY,
            RETENTION_KEEP_MONTHLY,
            REPO_TYPE, REPO_PATH, S3_BUCKET, S3_PREFIX, S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID,
            S3_SECRET_ACCESS_KEY, S3_PATH_STYLE, S3_SSE, S3_STORAGE_CLASS,
            S3_PART_SIZE, S3_PARTS_IN_FLIGHT, S3_MAX_ATTEMPTS, S3_SSE_KMS_KEY_ID, S3_VERIFY_TLS, S3_CHECKSUM,
            ENCRYPTION_MODE, ENCRYPTION_KEY, ENCRYPTION_KEY_FILE, COMPRESSION, COMPRESSION_LEVEL,
            WAL_SPOOL_DIR, WAL_PUSH_PORT, WAL_PUSH_PARALLELISM, WAL_PUSH_IDLE_EXIT, WAL_PREFETCH, WAL_STREAM_SLOT, WAL_STREAM_SYNCHRONOUS,
            BACKUP_METHOD, BACKUP_TYPE, BACKUP_DATA_DIR, BACKUP_STANDBY_URL, BACKUP_PARALLELISM, BACKUP_WAL_TIMEOUT,
            RESTORE_DATA_DIR, RESTORE_PORT, RESTORE_OS_USER, RESTORE_REPORT_DIR, RESTORE_STAGING_DIR, RESTORE_SCRATCH_DIR,
            RESTORE_PARALLELISM, RESTORE_TIMEOUT, RESTORE_LAUNCHER, LAUNCHER, DRILL_MODE, DRILL_CHECKS,
            REHEARSE_LOCK_THRESHOLD, REHEARSE_REWRITE_THRESHOLD,
            SERVE_LISTEN, SERVE_DATABASE_URL, SERVE_DATABASE_PASSWORD, SERVE_TIMEZONE, SERVE_SHUTDOWN_TIMEOUT,
            ALERT_WEBHOOK_URL, ALERT_WEBHOOK_FORMAT, ALERT_WAL_LAG, ALERT_UNPROVEN_AFTER,
            SCHEDULE_LOGICAL, SCHEDULE_PHYSICAL, SCHEDULE_PHYSICAL_DIFF, SCHEDULE_PHYSICAL_INCR, SCHEDULE_LOGICAL_REPOSITORY,
            SCHEDULE_PHYSICAL_REPOSITORY, SCHEDULE_EXPIRE, SCHEDULE_VERIFY, SCHEDULE_DRILL);

    public static List<Setting<?>> inScope(Scope scope) {
        return ALL.stream().filter(s -> s.scope() == scope).toList();
    }

    public static Optional<Setting<?>> byKey(Scope scope, String key) {
        return ALL.stream().filter(s -> s.scope() == scope && s.key().equals(key)).findFirst();
    }

    public static Optional<Setting<?>> byFlag(String flag) {
        return ALL.stream().filter(s -> flag.equals(s.flag())).findFirst();
    }
}
