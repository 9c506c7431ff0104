package dev.pgnest.backup.physical;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.BackupManifest;
import java.util.Locale;

/** What a physical backup stores: everything, or the changes since the backup it depends on. */
public enum BackupType {
    /** Every file. */
    FULL(BackupManifest.PhysicalInfo.FULL),
    /** What changed since the newest full backup. */
    DIFF(BackupManifest.PhysicalInfo.DIFF),
    /** What changed since the newest backup (full, diff or incr). */
    INCR(BackupManifest.PhysicalInfo.INCR);

    private final String id;

    BackupType(String id) {
        this.id = id;
    }

    /** As the manifest, settings and {@code --type} name it. */
    public String id() {
        return id;
    }

    public static BackupType of(String name) {
        for (BackupType t : values()) {
            if (t.id.equals(name == null ? "" : name.strip().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new PgnestException(ErrorKind.USAGE, "unknown backup type '" + name + "'", "use full, diff or incr");
    }
}
