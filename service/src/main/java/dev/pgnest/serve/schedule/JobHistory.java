package dev.pgnest.serve.schedule;

import dev.pgnest.serve.job.JobContext;
import dev.pgnest.serve.job.JobKind;
import dev.pgnest.serve.job.JobResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The job history table ({@code pgnest_serve.job_runs}): one row per run, shared by every
 * replica, read by /metrics and the status page.
 */
public final class JobHistory {
    private static final String T = JobStoreDatabase.SCHEMA + ".job_runs";
    private static final int MAX_TEXT = 2000;

    /** How a run ended. {@code lost}: its replica died; another one re-ran it. */
    public enum Outcome { running, succeeded, failed, aborted, lost }

    /** One row. */
    public record JobRun(long id, String target, JobKind kind, String fireId, Instant scheduledTime, String instance,
                         boolean recovering, Instant startedAt, Instant finishedAt, Outcome outcome, String backupId,
                         Long bytes, String summary, String error) {
        public Optional<Duration> duration() {
            return finishedAt == null ? Optional.empty() : Optional.of(Duration.between(startedAt, finishedAt));
        }
    }

    /** Per target and kind: what /metrics exposes. */
    public record KindSummary(String target, JobKind kind, JobRun lastSuccess, JobRun lastRun, long failures,
                              long runs) {
    }

    private final DataSource ds;

    public JobHistory(DataSource ds) {
        this.ds = ds;
    }

    /** Records a run as started; returns its row id. */
    public long started(JobContext ctx, String fireId, Instant startedAt) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + T
                     + " (target, kind, fire_id, scheduled_time, instance, recovering, started_at, outcome)"
                     + " VALUES (?, ?, ?, ?, ?, ?, ?, 'running') RETURNING id")) {
            c.setAutoCommit(true);
            ps.setString(1, ctx.target());
            ps.setString(2, ctx.kind().id());
            ps.setString(3, fireId);
            ps.setTimestamp(4, Timestamp.from(ctx.scheduledTime()));
            ps.setString(5, ctx.instanceId());
            ps.setBoolean(6, ctx.recovering());
            ps.setTimestamp(7, Timestamp.from(startedAt));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public void succeeded(long id, Instant finishedAt, JobResult result) throws SQLException {
        finish(id, finishedAt, Outcome.succeeded, result.backupId(), result.bytes(), result.summary(), null);
    }

    public void ended(long id, Instant finishedAt, Outcome outcome, String error) throws SQLException {
        finish(id, finishedAt, outcome, null, null, null, error);
    }

    private void finish(long id, Instant finishedAt, Outcome outcome, String backupId, Long bytes, String summary,
                        String error) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE " + T
                     + " SET finished_at = ?, outcome = ?, backup_id = ?, bytes = ?, summary = ?, error = ? WHERE id = ?")) {
            c.setAutoCommit(true);
            ps.setTimestamp(1, Timestamp.from(finishedAt));
            ps.setString(2, outcome.name());
            ps.setString(3, backupId);
            if (bytes == null) {
                ps.setNull(4, Types.BIGINT);
            } else {
                ps.setLong(4, bytes);
            }
            ps.setString(5, clip(summary));
            ps.setString(6, clip(error));
            ps.setLong(7, id);
            ps.executeUpdate();
        }
    }

    /**
     * Marks runs still 'running' on replicas no longer checked in with the scheduler (killed:
     * Quartz's cluster manager removed them and recovers their jobs) as lost, and returns them.
     */
    public List<JobRun> markLost(String schedulerName) throws SQLException {
        return query("UPDATE " + T + " r SET outcome = 'lost', finished_at = now(),"
                + " error = 'replica ' || r.instance || ' stopped while running it'"
                + " WHERE r.outcome = 'running' AND NOT EXISTS (SELECT 1 FROM " + JobStoreDatabase.SCHEMA
                + ".qrtz_scheduler_state s WHERE s.sched_name = ? AND s.instance_name = r.instance) RETURNING *",
                schedulerName);
    }

    /** The newest runs of a target (all kinds), newest first. */
    public List<JobRun> recent(String target, int limit) throws SQLException {
        return query("SELECT * FROM " + T + " WHERE target = ? ORDER BY started_at DESC, id DESC LIMIT ?", target, limit);
    }

    /** Every run of a target and kind, oldest first (tests, reports). */
    public List<JobRun> runs(String target, JobKind kind) throws SQLException {
        return query("SELECT * FROM " + T + " WHERE target = ? AND kind = ? ORDER BY started_at, id", target, kind.id());
    }

    /** One summary per (target, kind) that has any run, in one round trip. */
    public List<KindSummary> summaries() throws SQLException {
        String sql = "WITH k AS (SELECT target, kind, count(*) FILTER (WHERE outcome IN ('failed', 'lost')) AS failures,"
                + " count(*) AS runs FROM " + T + " GROUP BY target, kind)"
                + " SELECT k.target, k.kind, k.failures, k.runs,"
                + " (SELECT id FROM " + T + " s WHERE s.target = k.target AND s.kind = k.kind AND s.outcome = 'succeeded'"
                + "   ORDER BY s.finished_at DESC, s.id DESC LIMIT 1) AS last_success,"
                + " (SELECT id FROM " + T + " s WHERE s.target = k.target AND s.kind = k.kind"
                + "   ORDER BY s.started_at DESC, s.id DESC LIMIT 1) AS last_run FROM k ORDER BY k.target, k.kind";
        List<long[]> ids = new ArrayList<>();
        List<Object[]> heads = new ArrayList<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                heads.add(new Object[] {rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)});
                ids.add(new long[] {rs.getLong(5), rs.getLong(6)});
            }
        }
        Map<Long, JobRun> byId = new LinkedHashMap<>();
        List<Long> wanted = ids.stream().flatMap(a -> java.util.stream.LongStream.of(a).boxed()).filter(i -> i > 0).toList();
        if (!wanted.isEmpty()) {
            try (Connection c = ds.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT * FROM " + T + " WHERE id = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("bigint", wanted.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        JobRun r = row(rs);
                        if (r != null) {
                            byId.put(r.id(), r);
                        }
                    }
                }
            }
        }
        List<KindSummary> out = new ArrayList<>();
        for (int i = 0; i < heads.size(); i++) {
            Object[] h = heads.get(i);
            JobKind kind;
            try {
                kind = JobKind.parse((String) h[1]);
            } catch (IllegalArgumentException e) {
                continue; // a kind from a newer pgnest sharing the store
            }
            out.add(new KindSummary((String) h[0], kind, byId.get(ids.get(i)[0]), byId.get(ids.get(i)[1]),
                    (Long) h[2], (Long) h[3]));
        }
        return out;
    }

    private List<JobRun> query(String sql, Object... params) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<JobRun> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    JobRun r = row(rs);
                    if (r != null) {
                        out.add(r);
                    }
                }
            }
            return out;
        }
    }

    private static JobRun row(ResultSet rs) throws SQLException {
        JobKind kind;
        try {
            kind = JobKind.parse(rs.getString("kind"));
        } catch (IllegalArgumentException e) {
            return null;
        }
        long bytes = rs.getLong("bytes");
        Long b = rs.wasNull() ? null : bytes;
        return new JobRun(rs.getLong("id"), rs.getString("target"), kind, rs.getString("fire_id"),
                instant(rs, "scheduled_time"), rs.getString("instance"), rs.getBoolean("recovering"),
                instant(rs, "started_at"), instant(rs, "finished_at"), Outcome.valueOf(rs.getString("outcome")),
                rs.getString("backup_id"), b, rs.getString("summary"), rs.getString("error"));
    }

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }

    private static String clip(String s) {
        return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT - 1) + "…";
    }
}
