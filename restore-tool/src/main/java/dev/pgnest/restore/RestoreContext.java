package dev.pgnest.restore;

import dev.pgnest.config.ConfigLoader;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.postgres.PgBinaries;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.repository.ToolVersion;
import dev.pgnest.postgres.server.ServerAccount;
import dev.pgnest.restore.report.IncidentReport;
import dev.pgnest.restore.report.ReportFormat;
import dev.pgnest.restore.report.ReportRecorder;
import dev.pgnest.restore.timeline.TimelinePicture;
import dev.pgnest.restore.timeline.TimelineSvg;
import dev.pgnest.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every restore command takes from the configuration: the target, its repository, programs, report dir. */
public final class RestoreContext implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreContext.class);
    private final PgnestConfig config;
    private final String target;
    private final Path tempDir;
    private Storage storage;
    private Repository repository;
    private String repositoryName;

    private RestoreContext(PgnestConfig config, String target, Path tempDir) {
        this.config = config;
        this.target = target;
        this.tempDir = tempDir;
    }

    /** For the selected target of the configuration (a restore command). */
    public static RestoreContext of(PgnestConfig config, Path tempDir) {
        return new RestoreContext(config, config.selectedTargetName().orElse(PgnestConfig.DEFAULT_NAME), tempDir);
    }

    /** For a named target of pgnest.yml (the service's jobs). */
    public static RestoreContext forTarget(PgnestConfig config, String target, Path tempDir) {
        return new RestoreContext(config, target, tempDir);
    }

    /** The target's settings (drill.*, restore.data-dir…). */
    public PgnestConfig config() {
        return config;
    }

    public String target() {
        return target;
    }

    public dev.pgnest.config.SettingValues targetSettings() {
        return config.selectedTargetName().filter(target::equals).isPresent() || !config.targets().containsKey(target)
                ? config.target() : config.targets().get(target);
    }

    /**
     * The repository to restore from: the chosen one (--repo), else the first of the target's
     * repositories that answers and holds a backup of the target (the last one answering when
     * none does, so that its "no backup" is what the operator sees).
     */
    public Repository repository() {
        if (repository == null) {
            List<SettingValues> candidates = config.repositoryChosen() ? List.of(config.repository()) : config.targetRepositories();
            PgnestException failure = null;
            for (SettingValues candidate : candidates) {
                Storage opened = null;
                try {
                    opened = RepositorySettings.storage(candidate).open();
                    Repository repo = Repository.open(opened);
                    boolean last = candidate == candidates.get(candidates.size() - 1);
                    if (!last && repo.catalog().backups(target).isEmpty()) {
                        opened.close();
                        continue;
                    }
                    storage = opened;
                    repository = repo;
                    repositoryName = candidate.name();
                    break;
                } catch (PgnestException e) {
                    if (opened != null) {
                        opened.close();
                    }
                    if (candidates.size() == 1) {
                        throw e;
                    }
                    LOG.warn("cannot restore from repository {} ({}); trying the next", candidate.name(), e.getMessage());
                    failure = failure == null ? e : failure;
                }
            }
            if (repository == null) {
                throw failure;
            }
        }
        return repository;
    }

    public DatabaseConnection connection() {
        if (config.selectedTargetName().filter(target::equals).isPresent()) {
            return config.connection();
        }
        return PgnestConfig.connection(targetSettings());
    }

    public PgBinaries binaries() {
        return PgBinaries.of(config);
    }

    public boolean protectedTarget() {
        return targetSettings().require(Settings.PROTECTED);
    }

    public ServerAccount account() {
        return ServerAccount.detect(config.global().require(Settings.RESTORE_OS_USER));
    }

    public Path reportDir() {
        return config.global().require(Settings.RESTORE_REPORT_DIR);
    }

    /** $TMPDIR, else java.io.tmpdir: the default home of everything temporary a restore makes. */
    public Path tempDir() {
        return tempDir;
    }

    public Path stagingDir() {
        return config.global().get(Settings.RESTORE_STAGING_DIR).orElse(tempDir);
    }

    public Path scratchDir() {
        return config.global().get(Settings.RESTORE_SCRATCH_DIR).orElse(tempDir);
    }

    public int parallelism() {
        return config.global().require(Settings.RESTORE_PARALLELISM);
    }

    /**
     * PostgreSQL's restore_command: this pgnest, with the same configuration file, target and
     * repository, fetching one WAL file. They go in environment variables, not flags, so the
     * command stays {@code <launcher> wal fetch %f %p}, which the launcher's fast path serves
     * without a JVM. The server inherits pgnest's environment (PGNEST_* secrets included); a
     * configuration file must be readable by restore.os-user. wal.spool-dir goes in the
     * environment too: the fast path reads no configuration file.
     */
    public String restoreCommand() {
        StringBuilder c = new StringBuilder();
        config.file().ifPresent(f -> c.append(ConfigLoader.CONFIG_ENV).append('=')
                .append(shellQuote(f.toAbsolutePath().toString())).append(' '));
        c.append(Settings.TARGET_NAME.env()).append('=').append(shellQuote(target)).append(' ');
        if (repositoryName == null && !config.repositoryChosen() && config.targetRepositories().size() > 1) {
            repository(); // picks the repository restored from: the one wal fetch reads first
        }
        Optional.ofNullable(repositoryName).or(config::selectedRepositoryName).ifPresent(r -> c.append(Settings.REPOSITORY_NAME.env())
                .append('=').append(shellQuote(r)).append(' '));
        config.global().get(Settings.WAL_SPOOL_DIR).ifPresent(d -> c.append(Settings.WAL_SPOOL_DIR.env()).append('=')
                .append(shellQuote(d.toAbsolutePath().toString())).append(' '));
        return c.append(launcher()).append(" wal fetch %f %p").toString();
    }

    /** restore.launcher, else the launcher this runs from ($PGNEST_LAUNCHER), else pgnest on PATH, else java -jar with this jar. */
    private String launcher() {
        Optional<String> configured = config.global().get(Settings.RESTORE_LAUNCHER)
                .or(() -> config.global().get(Settings.LAUNCHER));
        if (configured.isPresent() && !configured.get().isBlank()) {
            return configured.get().strip();
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, "pgnest");
                if (Files.isExecutable(p)) {
                    return shellQuote(p.toAbsolutePath().toString());
                }
            }
        }
        try {
            Path jar = Path.of(RestoreContext.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (jar.toString().endsWith(".jar")) {
                return shellQuote(Path.of(System.getProperty("java.home"), "bin", "java").toString()) + " -jar "
                        + shellQuote(jar.toString());
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall through to the hint
        }
        throw new PgnestException(dev.pgnest.config.ErrorKind.CONFIG, "cannot tell how PostgreSQL should run pgnest for restore_command",
                "set restore.launcher (PGNEST_RESTORE_LAUNCHER) to the pgnest executable, e.g. /usr/local/bin/pgnest");
    }

    public static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./:@%+=-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    public static String toolVersion() {
        return ToolVersion.current();
    }

    public ReportRecorder recorder(IncidentReport.Kind kind) {
        return ReportRecorder.start(kind, target, toolVersion());
    }

    /** Saves a finished report with the picture of the restorable window; returns the Markdown file. */
    public Path save(IncidentReport report) {
        Instant end = report.finishedAt() == null ? Instant.now() : report.finishedAt();
        return ReportFormat.save(report, reportDir(), picture(end, report.backup() == null ? null : report.backup().id()));
    }

    /**
     * Writes the picture of a restore plan ({@code plan-<target>-<backup>.svg} in the report
     * directory, where the restore's own report will go); null when there is nothing to draw.
     */
    public Path savePlanPicture(String chosenBackup) {
        TimelinePicture picture = picture(Instant.now(), chosenBackup);
        if (picture == null) {
            return null;
        }
        Path svg = reportDir().resolve("plan-" + target + (chosenBackup == null ? "" : "-" + chosenBackup) + ".svg");
        try {
            Files.createDirectories(svg.getParent());
            Files.writeString(svg, TimelineSvg.render(picture), java.nio.charset.StandardCharsets.UTF_8);
            return svg;
        } catch (java.io.IOException e) {
            throw new PgnestException(dev.pgnest.config.ErrorKind.TOOL, "cannot write " + svg + ": " + e.getMessage(),
                    "set restore.report-dir to a writable directory", e);
        }
    }

    /**
     * The restorable window of the last {@link TimelinePicture#DEFAULT_DAYS} days up to {@code end},
     * {@code chosenBackup} highlighted; null when the repository cannot say (the report of a
     * restore that failed because of the repository must still be written).
     */
    public TimelinePicture picture(Instant end, String chosenBackup) {
        try {
            return TimelinePicture.read(repository(), target, end.minus(Duration.ofDays(TimelinePicture.DEFAULT_DAYS)), end)
                    .withChosenBackup(chosenBackup);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Saves the report of a failed restore and returns the failure with the report's place in its
     * hint, so the one error line tells the operator where the details are.
     */
    public PgnestException failed(ReportRecorder recorder, PgnestException e) {
        Path saved = save(recorder.fail(e));
        String hint = (e.hint() == null || e.hint().isBlank() ? "" : e.hint() + "; ") + "report: " + saved;
        return new PgnestException(e.kind(), e.problem(), hint, e);
    }

    @Override
    public void close() {
        if (storage != null) {
            try {
                storage.close();
            } catch (Exception ignored) {
                // closing
            }
        }
    }
}
