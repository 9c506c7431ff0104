package dev.pgnest.repository;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a backup is: a pg_dump of one database, or a physical base backup of the cluster. */
public enum BackupKind {
    LOGICAL('L'),
    PHYSICAL('P');

    private final char idSuffix;

    BackupKind(char idSuffix) {
        this.idSuffix = idSuffix;
    }

    /** The letter that ends the backup ids of this kind ({@code 20250101-120000L}). */
    public char idSuffix() {
        return idSuffix;
    }

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static BackupKind parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return id();
    }
}
