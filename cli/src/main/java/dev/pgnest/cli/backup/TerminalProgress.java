package dev.pgnest.cli.backup;

import dev.pgnest.backup.logical.BackupProgress;
import dev.pgnest.cli.shared.Format;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * One self-overwriting line on stderr while a backup runs: bytes dumped and stored, the rate,
 * and an ETA against the database size (an upper bound: dumps leave out indexes and bloat).
 * Used only when stderr is a terminal and the output is text.
 */
final class TerminalProgress implements BackupProgress {
    private final PrintStream err;
    private int lastLength;

    TerminalProgress(PrintStream err) {
        this.err = err;
    }

    /** A progress line on a terminal; nothing when piped, redirected or in JSON mode. */
    static BackupProgress forConsole(boolean json) {
        return !json && System.console() != null ? new TerminalProgress(System.err) : BackupProgress.NONE;
    }

    @Override
    public void update(long dumped, long stored, Duration elapsed, long databaseSize) {
        double seconds = Math.max(elapsed.toMillis() / 1000.0, 0.001);
        double rate = dumped / seconds;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %s dumped, %s stored, %s/s",
                Format.bytes(dumped), Format.bytes(stored), Format.bytes((long) rate)));
        if (databaseSize > 0 && rate > 0 && dumped < databaseSize) {
            long eta = (long) ((databaseSize - dumped) / rate);
            line.append(String.format(Locale.ROOT, ", at most %d:%02d left (database %s)", eta / 60, eta % 60,
                    Format.bytes(databaseSize)));
        }
        String text = line.toString();
        err.print("\r" + text + " ".repeat(Math.max(0, lastLength - text.length())));
        err.flush();
        lastLength = text.length();
    }

    void finish() {
        if (lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            err.flush();
        }
    }
}
