package dev.pgnest.serve.alert;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * Conditions that alert when they begin and when they end (WAL archive lag, restore unproven),
 * kept in the job store ({@code pgnest_serve.alert_state}) so that of all replicas watching,
 * exactly the one whose update flips the condition sends the alert.
 */
public final class AlertState {
    private static final String T = "pgnest_serve.alert_state";

    private final DataSource ds;

    public AlertState(DataSource ds) {
        this.ds = ds;
    }

    /**
     * Marks the condition active; true if it was not (this caller alerts). {@code since}: when the
     * condition began, or when it was seen. Not raised again when a replica cleared it
     * ({@link #clearAt}) as of a later time: a replica whose view was read before that clear
     * would otherwise raise it again (a second alert, and a second all-clear on the next look).
     * A detail that is no time (written by an older pgnest) holds no raise back.
     */
    public boolean raiseSince(String key, Instant since) throws SQLException {
        return flip("INSERT INTO " + T + " (key, active, changed_at, detail) VALUES (?, true, now(), ?)"
                + " ON CONFLICT (key) DO UPDATE SET active = true, changed_at = now(), detail = excluded.detail"
                + " WHERE " + T + ".active = false AND (" + T + ".detail IS NULL OR " + T + ".detail !~ '^[0-9]{4}-'"
                + " OR " + T + ".detail <= excluded.detail) RETURNING key", key, sortable(since));
    }

    /** Marks a {@link #raiseSince} condition over as of {@code endedAt}; true if it was active. */
    public boolean clearAt(String key, Instant endedAt) throws SQLException {
        return flip("UPDATE " + T + " SET active = false, changed_at = now(), detail = ? WHERE key = ? AND active"
                + " RETURNING key", sortable(endedAt), key);
    }

    /** Fixed width, so that text order is time order. */
    private static String sortable(Instant t) {
        return SORTABLE.format(t);
    }

    private static final java.time.format.DateTimeFormatter SORTABLE =
            java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private boolean flip(String sql, String... params) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(true);
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
