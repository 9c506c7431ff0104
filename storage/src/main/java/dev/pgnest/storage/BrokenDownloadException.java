package dev.pgnest.storage;

import java.io.IOException;

/**
 * A streamed read of a stored object broke off and could not be resumed: the network or the
 * store failed, not the object, so callers must not report the object as damaged.
 */
public final class BrokenDownloadException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String hint;

    public BrokenDownloadException(String problem, String hint, Throwable cause) {
        super(problem, cause);
        this.hint = hint;
    }

    /** What to do, for the one-line error. */
    public String hint() {
        return hint;
    }

    /** The same failure as the storage error it is outside a stream. */
    public StorageException toStorageException() {
        return new StorageException(getMessage(), hint, this);
    }
}
