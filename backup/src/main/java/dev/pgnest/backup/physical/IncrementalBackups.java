package dev.pgnest.backup.physical;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.repository.Catalog;
import dev.pgnest.repository.Repository;
import dev.pgnest.wal.Lsn;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses what a diff or incr backup depends on, as pgBackRest does: when there is nothing
 * to depend on (no full backup yet, another cluster or timeline, a damaged chain) the backup
 * is taken full, with a warning, rather than failing the night's backup.
 */
final class IncrementalBackups {
    private static final Logger LOG = LoggerFactory.getLogger(IncrementalBackups.class);

    private IncrementalBackups() {
    }

    /** The reference of a {@code type} backup starting at {@code start}, or null for a full one. */
    static FileCopy.Reference reference(Repository repository, String target, BackupType type, Connection session,
                                        BackupSession.BackupStart start) {
        if (type == BackupType.FULL) {
            return null;
        }
        try {
            String blockSize = BackupSession.queryString(session, "SHOW block_size");
            if (!String.valueOf(PageDelta.PAGE).equals(blockSize)) {
                LOG.warn("the server's block_size is {}, pgnest compares {}-byte pages: taking a full backup", blockSize, PageDelta.PAGE);
                return null;
            }
            if (!"on".equals(BackupSession.queryString(session, "SHOW full_page_writes"))) {
                // without full-page images a page torn while copied would not be repaired by replay
                LOG.warn("full_page_writes is off: taking a full backup instead of {}", type.id());
                return null;
            }
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot query the server's block_size and full_page_writes: "
                    + e.getMessage(), "check the server", e);
        }
        Catalog.Listing listing = repository.catalog().listing(target);
        Optional<Catalog.Entry> chosen = BackupChain.reference(listing, type, Long.toUnsignedString(start.systemIdentifier()),
                start.timeline());
        if (chosen.isEmpty()) {
            LOG.warn("no {} backup of target {} from this cluster and timeline {} that is complete and not known to be damaged: "
                    + "taking a full backup instead of {}", type == BackupType.DIFF ? "full" : "physical", target,
                    start.timeline(), type.id());
            return null;
        }
        Catalog.Entry base = chosen.get();
        PhysicalFiles files = new PhysicalRestore(repository, base.manifest()).files();
        Map<String, PhysicalFiles.FileEntry> byPath = new LinkedHashMap<>();
        files.files().forEach(f -> byPath.put(f.path(), f));
        LOG.info("{} backup of target {} depends on backup {} (start LSN {})", type.id(), target, base.id(),
                base.manifest().physical().startLsn());
        return new FileCopy.Reference(base.id(), Lsn.parse(base.manifest().physical().startLsn()).value(), byPath);
    }
}
