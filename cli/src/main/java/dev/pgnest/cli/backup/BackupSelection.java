package dev.pgnest.cli.backup;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.Catalog;

/** Resolves the backup argument of show and verify: an id, or {@code latest}. */
final class BackupSelection {
    private BackupSelection() {
    }

    static Catalog.Entry resolve(Catalog catalog, String target, String idOrLatest) {
        if ("latest".equals(idOrLatest)) {
            return catalog.latest(target, null).orElseThrow(() -> new PgnestException(ErrorKind.USAGE,
                    "target " + target + " has no backups", "take one with pgnest backup logical"));
        }
        return catalog.get(target, idOrLatest);
    }
}
