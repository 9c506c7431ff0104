package dev.pgnest.storage;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;

/**
 * A storage operation failed. The problem names the object (its {@link Storage#location});
 * the hint says what to check. Never carries credentials.
 */
public class StorageException extends PgnestException {
    private static final long serialVersionUID = 1L;

    public StorageException(String problem, String hint) {
        super(ErrorKind.STORAGE, problem, hint);
    }

    public StorageException(String problem, String hint, Throwable cause) {
        super(ErrorKind.STORAGE, problem, hint, cause);
    }

    /** A local I/O error while reading or writing {@code location}. */
    public static StorageException io(String action, String location, Exception cause) {
        return new StorageException(
                "cannot " + action + " " + location + ": " + describe(cause),
                "check that the repository location is reachable and writable, then retry",
                cause);
    }

    /** The exception's class and message, for one-line problem descriptions. */
    public static String describe(Throwable e) {
        String message = e.getMessage();
        String type = e.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : type + " " + message;
    }
}
