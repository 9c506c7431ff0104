package dev.pgnest.repository;

import java.time.Instant;

/**
 * {@code in-progress.json} of a running backup: who runs it, refreshed by a heartbeat. Its
 * presence without a manifest means "running or died"; {@link ProcessIdentity#isCertainlyDead}
 * or a stale heartbeat decides which, so cleanup never removes a live backup.
 */
public record BackupMarker(String id, BackupKind kind, ProcessIdentity process, Instant started, Instant heartbeat) {
}
