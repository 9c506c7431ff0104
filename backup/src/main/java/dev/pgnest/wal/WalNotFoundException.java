package dev.pgnest.wal;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;

/**
 * The archive does not hold the requested WAL file. During recovery this is how the end of the
 * archive is found, so {@code wal fetch} exits 1 quietly for it.
 */
public class WalNotFoundException extends PgnestException {
    private static final long serialVersionUID = 1L;

    private final String walFileName;

    public WalNotFoundException(String walFileName, String location) {
        super(ErrorKind.REPOSITORY, walFileName + " is not in the WAL archive at " + location,
                "normal at the end of recovery; otherwise check that archive_command pushes to this repository and target");
        this.walFileName = walFileName;
    }

    public String walFileName() {
        return walFileName;
    }
}
