package dev.pgnest.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A flat namespace of immutable-once-written objects: the only thing the repository needs
 * from a storage backend. Implementations: {@code dev.pgnest.storage.s3.S3Storage} and
 * {@code dev.pgnest.storage.fs.FsStorage}; one contract test runs against both.
 *
 * <p>Keys are relative, {@code /}-separated paths: no leading or trailing slash, no empty,
 * {@code .} or {@code ..} segments (see {@link ObjectKeys#check}). A storage is rooted at its
 * configured location (an S3 bucket + prefix, a directory), so the same key means the same
 * object whichever driver holds it.
 *
 * <p>Contracts every driver keeps:
 * <ul>
 *   <li>An object becomes visible only when its writer {@linkplain StorageOutput#commit()
 *       commits}; a failed, aborted or killed write never shows a partial object under the
 *       key (at most an {@linkplain #listIncomplete incomplete write} to clean up).</li>
 *   <li>Reading or ranging a missing key throws {@link ObjectNotFoundException}; every other
 *       failure is a {@link StorageException} naming the object and a fix.</li>
 *   <li>{@link #delete} of a missing key succeeds (deletes are idempotent).</li>
 *   <li>Listings are sorted by key and include committed objects only.</li>
 *   <li>Implementations are thread-safe; streams and writers are not (one thread each).</li>
 * </ul>
 */
public interface Storage extends AutoCloseable {

    /**
     * Opens a writer for {@code key}, whose length need not be known. Nothing is visible under
     * the key until {@link StorageOutput#commit()}; closing without committing aborts and
     * releases everything the write used (temporary files, multipart uploads). An existing
     * object under the key is replaced on commit.
     */
    StorageOutput create(String key);

    /** Writes the whole stream as {@code key}; returns the number of bytes stored. */
    default long put(String key, InputStream data) {
        try (StorageOutput out = create(key)) {
            data.transferTo(out);
            return out.commit();
        } catch (IOException e) {
            throw StorageException.io("write", location(key), e);
        }
    }

    /** Writes {@code bytes} as {@code key} (small objects: manifests, markers). */
    default void put(String key, byte[] bytes) {
        put(key, bytes, 0, bytes.length);
    }

    /**
     * Writes {@code length} bytes of {@code bytes} from {@code offset} as {@code key}, in one
     * request where the backend allows it (a compressed WAL segment); the caller may reuse the
     * array once this returns.
     */
    default void put(String key, byte[] bytes, int offset, int length) {
        try (StorageOutput out = create(key)) {
            out.write(bytes, offset, length);
            out.commit();
        } catch (IOException e) {
            throw StorageException.io("write", location(key), e);
        }
    }

    /**
     * Opens the whole object for reading. The caller closes the stream; closing before the end
     * is cheap (the rest is not downloaded).
     *
     * @throws ObjectNotFoundException when there is no object under the key
     */
    default InputStream get(String key) {
        return get(key, 0, -1);
    }

    /**
     * Opens {@code length} bytes from {@code offset} ({@code length < 0}: to the end). A range
     * past the end is truncated to the object; an offset at or past the end yields an empty
     * stream.
     *
     * @throws ObjectNotFoundException when there is no object under the key
     */
    InputStream get(String key, long offset, long length);

    /** Reads a whole small object (manifests, markers) into memory. */
    default byte[] getBytes(String key) {
        try (InputStream in = get(key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw StorageException.io("read", location(key), e);
        }
    }

    /** Size and modification time of {@code key}, or empty when it does not exist. */
    Optional<ObjectInfo> stat(String key);

    /**
     * Every committed object whose key starts with {@code prefix} (a plain string prefix, not
     * only whole path segments; {@code ""} lists everything), sorted by key.
     */
    List<ObjectInfo> list(String prefix);

    /**
     * The "directories" directly below {@code prefix}, which must be {@code ""} or end with
     * {@code /}: every distinct {@code prefix + segment + "/"} such that some committed object's
     * key starts with it. Sorted. Lets the catalog enumerate backups without listing their files.
     */
    List<String> listPrefixes(String prefix);

    /** Deletes {@code key}; succeeds when it does not exist. */
    void delete(String key);

    /** Deletes all {@code keys} (drivers batch this where the backend can). */
    default void delete(Collection<String> keys) {
        keys.forEach(this::delete);
    }

    /**
     * Writes under {@code prefix} that were started but neither committed nor aborted: S3
     * multipart uploads, temporary files of the filesystem driver. A live writer's write shows
     * up here too, so callers clean only what is old enough or known dead.
     */
    List<IncompleteWrite> listIncomplete(String prefix);

    /** Releases an incomplete write (aborts the upload, removes the temporary file). Idempotent. */
    void abort(IncompleteWrite write);

    /**
     * Where {@code key} lives, for messages and logs: {@code s3://bucket/prefix/key} or a file
     * path. Never contains credentials.
     */
    String location(String key);

    /** Releases connections and threads; open streams and writers must be closed first. */
    @Override
    void close();
}
