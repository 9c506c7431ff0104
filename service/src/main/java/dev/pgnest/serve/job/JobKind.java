package dev.pgnest.serve.job;

import java.util.Locale;

/** What the service can run on a schedule, one cron per target and kind ({@code schedule.<id>}). */
public enum JobKind {
    LOGICAL("logical backup"),
    PHYSICAL("physical backup"),
    /** A physical backup of type diff, whatever the target's backup.physical.type: e.g. nightly beside a weekly full. */
    PHYSICAL_DIFF("physical diff backup"),
    /** A physical backup of type incr. */
    PHYSICAL_INCR("physical incr backup"),
    EXPIRE("expiry"),
    VERIFY("verification"),
    DRILL("restore drill");

    private final String label;

    JobKind(String label) {
        this.label = label;
    }

    /** The id in settings, metrics and the job store: {@code logical}, {@code physical}, {@code physical-incr}… */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** How people read it: "logical backup", "restore drill". */
    public String label() {
        return label;
    }

    /** Whether a run of this kind writes a backup into the repository. */
    public boolean isBackup() {
        return this == LOGICAL || this == PHYSICAL || this == PHYSICAL_DIFF || this == PHYSICAL_INCR;
    }

    public static JobKind parse(String id) {
        return valueOf(id.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
