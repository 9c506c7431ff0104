package dev.pgnest.storage;

/** Thrown by {@link Storage#get} when no committed object exists under the key. */
public class ObjectNotFoundException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public ObjectNotFoundException(String key, String location) {
        super("object " + location + " does not exist",
                "check the repository location and the backup id (pgnest backup list shows what exists)");
        this.key = key;
    }

    /** The missing key, relative to the storage root. */
    public String key() {
        return key;
    }
}
