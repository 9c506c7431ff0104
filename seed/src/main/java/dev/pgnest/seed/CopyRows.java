package dev.pgnest.seed;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Rows written straight into a {@code COPY ... FROM STDIN} (text format) as they are
 * generated: memory stays at one buffer whatever the scale.
 */
final class CopyRows implements AutoCloseable {
    private static final int BUFFER_BYTES = 256 * 1024;

    private final PGCopyOutputStream copy;
    private final Writer out;
    private boolean rowStarted;
    private long rows;

    CopyRows(PGConnection connection, String table, String columns) throws SQLException {
        this.copy = new PGCopyOutputStream(connection,
                "COPY " + table + " (" + columns + ") FROM STDIN", BUFFER_BYTES);
        this.out = new OutputStreamWriter(copy, StandardCharsets.UTF_8);
    }

    CopyRows value(long v) throws IOException {
        separator();
        out.write(Long.toString(v));
        return this;
    }

    CopyRows value(boolean v) throws IOException {
        separator();
        out.write(v ? "t" : "f");
        return this;
    }

    /** Text written as is: generated values never contain tab, newline or backslash. */
    CopyRows value(String v) throws IOException {
        separator();
        if (v == null) {
            out.write("\\N");
        } else {
            out.write(v);
        }
        return this;
    }

    CopyRows valueOrNull(Long v) throws IOException {
        return v == null ? value((String) null) : value(v.longValue());
    }

    CopyRows timestamp(long epochSecond) throws IOException {
        return value(LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC).toString() + "+00");
    }

    CopyRows date(long epochDay) throws IOException {
        return value(LocalDate.ofEpochDay(epochDay).toString());
    }

    void endRow() throws IOException {
        out.write('\n');
        rowStarted = false;
        rows++;
    }

    long rows() {
        return rows;
    }

    private void separator() throws IOException {
        if (rowStarted) {
            out.write('\t');
        }
        rowStarted = true;
    }

    /** Ends the COPY; the server has checked every row once this returns. */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
