package dev.pgnest.serve.alert;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Conditions that alert when they begin and when they end (WAL archive lag), kept in the job
 * store ({@code pgnest_serve.alert_state}) so that of all replicas watching, exactly the one
 * whose update flips the condition sends the alert.
 */
public final class AlertState {
    private static final String T = "pgnest_serve.alert_state";

    private final DataSource ds;

    public AlertState(DataSource ds) {
        this.ds = ds;
    }

    /** Marks the condition active; true if it was not (this caller alerts). */
    public boolean raise(String key, String detail) throws SQLException {
        return flip("INSERT INTO " + T + " (key, active, changed_at, detail) VALUES (?, true, now(), ?)"
                + " ON CONFLICT (key) DO UPDATE SET active = true, changed_at = now(), detail = excluded.detail"
                + " WHERE " + T + ".active = false RETURNING key", key, detail);
    }

    /** Marks the condition over; true if it was active (this caller sends the all-clear). */
    public boolean clear(String key) throws SQLException {
        return flip("UPDATE " + T + " SET active = false, changed_at = now() WHERE key = ? AND active RETURNING key", key);
    }

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
