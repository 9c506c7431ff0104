package dev.pgnest.restore.report;

import dev.pgnest.restore.report.IncidentReport.BackupUsed;
import dev.pgnest.restore.report.IncidentReport.Check;
import dev.pgnest.restore.report.IncidentReport.Destination;
import dev.pgnest.restore.report.IncidentReport.Kind;
import dev.pgnest.restore.report.IncidentReport.Phase;
import dev.pgnest.restore.report.IncidentReport.Reached;
import dev.pgnest.restore.report.IncidentReport.Requested;
import dev.pgnest.restore.report.IncidentReport.Status;
import dev.pgnest.restore.report.IncidentReport.WalRange;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects an {@link IncidentReport} while a restore runs: phases are timed as they run, so a
 * failed restore still reports how far it got and how long each step took.
 *
 * <pre>{@code
 * ReportRecorder report = ReportRecorder.start(Kind.pitr, "app", toolVersion);
 * Path files = report.phase("download", () -> download(...), r -> r.count() + " files");
 * ...
 * IncidentReport done = report.succeed();   // or report.fail(exception)
 * }</pre>
 */
public final class ReportRecorder {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Clock clock;
    private final Kind kind;
    private final String target;
    private final String toolVersion;
    private final Instant startedAt;
    private final List<Phase> phases = new ArrayList<>();
    private final List<Check> checks = new ArrayList<>();
    private BackupUsed backup;
    private WalRange wal;
    private Requested requested;
    private Reached reached;
    private Destination destination;

    private ReportRecorder(Clock clock, Kind kind, String target, String toolVersion) {
        this.clock = clock;
        this.kind = kind;
        this.target = target;
        this.toolVersion = toolVersion;
        this.startedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    public static ReportRecorder start(Kind kind, String target, String toolVersion) {
        return new ReportRecorder(Clock.systemUTC(), kind, target, toolVersion);
    }

    public static ReportRecorder start(Clock clock, Kind kind, String target, String toolVersion) {
        return new ReportRecorder(clock, kind, target, toolVersion);
    }

    /** Runs and times one step; a failing step is recorded (with "failed") before the exception goes on. */
    public <T> T phase(String name, Supplier<T> step, java.util.function.Function<T, String> detail) {
        Instant begin = clock.instant();
        try {
            T result = step.get();
            phases.add(Phase.of(name, Duration.between(begin, clock.instant()), detail == null ? null : detail.apply(result)));
            return result;
        } catch (RuntimeException | Error e) {
            phases.add(Phase.of(name, Duration.between(begin, clock.instant()), "failed"));
            throw e;
        }
    }

    public void phase(String name, Runnable step) {
        phase(name, () -> {
            step.run();
            return null;
        }, null);
    }

    /** A phase measured elsewhere (e.g. recovery's startup and replay, timed by the engine). */
    public ReportRecorder phase(String name, Duration took, String detail) {
        phases.add(Phase.of(name, took, detail));
        return this;
    }

    public ReportRecorder check(String name, boolean passed, String expected, String actual) {
        checks.add(new Check(name, passed, expected, actual));
        return this;
    }

    public ReportRecorder backup(BackupUsed value) {
        this.backup = value;
        return this;
    }

    public ReportRecorder wal(WalRange value) {
        this.wal = value;
        return this;
    }

    public ReportRecorder requested(Requested value) {
        this.requested = value;
        return this;
    }

    public ReportRecorder reached(Reached value) {
        this.reached = value;
        return this;
    }

    public ReportRecorder destination(Destination value) {
        this.destination = value;
        return this;
    }

    public List<Check> checks() {
        return List.copyOf(checks);
    }

    public IncidentReport succeed() {
        return build(Status.succeeded, null);
    }

    /** The report of a failed restore; the message is the operator-facing one (no secrets). */
    public IncidentReport fail(Throwable cause) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return build(Status.failed, message);
    }

    private IncidentReport build(Status status, String error) {
        return new IncidentReport(kind + "-" + ID_TIME.format(startedAt), kind, status, target, startedAt,
                clock.instant().truncatedTo(ChronoUnit.MILLIS), hostName(), toolVersion, backup, wal, requested, reached,
                destination, phases, checks, error);
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
