package dev.pgnest.storage;

import java.io.OutputStream;

/**
 * A stream that becomes an object only when committed. Use with try-with-resources: when the
 * block fails before {@link #commit()}, {@link #close()} aborts and nothing appears under the
 * key, so an exception can never publish half an object.
 *
 * <p>Writes may throw {@link StorageException} (unchecked) when a background part upload has
 * already failed, or {@link java.io.IOException} from local I/O. Not thread-safe.
 */
public abstract class StorageOutput extends OutputStream {

    /**
     * Finishes the write and makes the object visible under its key, durably (flushed to disk,
     * or acknowledged by the object store). Returns the object's size in bytes. After commit,
     * {@link #close()} does nothing; writing again is an error.
     */
    public abstract long commit();

    /** Aborts the write unless it was committed; releases every resource. Never throws. */
    @Override
    public abstract void close();
}
