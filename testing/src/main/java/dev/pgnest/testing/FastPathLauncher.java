package dev.pgnest.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A stand-in for the pgnest launcher in tests: sources the launcher's WAL fast paths
 * ({@code cli/src/main/sh/wal-fast-path.sh}), and when they fall through logs the call and
 * runs the direct path ({@link WalCommandFixture}), as the launcher starts the JVM.
 */
public final class FastPathLauncher {
    /** The fast path script, from this module's directory (where Maven runs the tests). */
    public static final Path FAST_PATH = Path.of("..", "cli", "src", "main", "sh", "wal-fast-path.sh").toAbsolutePath().normalize();

    private FastPathLauncher() {
    }

    /** Writes the launcher into {@code dir}; returns its path. Fallbacks are appended to {@code fallbackLog}. */
    public static Path write(Path dir, String fixtureCommand, Path spool, Path fallbackLog) throws IOException {
        Path launcher = dir.resolve("pgnest-launcher");
        Files.writeString(launcher, "#!/usr/bin/env bash\n"
                + "set -euo pipefail\n"
                + "export PGNEST_WAL_SPOOL_DIR='" + spool + "'\n"
                + ". '" + FAST_PATH + "'\n"
                + "echo \"$*\" >> '" + fallbackLog + "'\n"
                + "exec " + fixtureCommand + " \"$2\" \"${@:3}\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return launcher;
    }
}
