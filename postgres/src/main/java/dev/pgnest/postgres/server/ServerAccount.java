package dev.pgnest.postgres.server;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.postgres.ChildProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Which OS account runs a PostgreSQL server that pgnest starts. PostgreSQL refuses to run as
 * root, and a restore on a database host usually runs as root (it writes into
 * {@code /var/lib/postgresql}), so as root pgnest hands the data directory to the database's
 * OS user and runs {@code pg_ctl} through {@code runuser}.
 */
public sealed interface ServerAccount {

    /** The {@code restore.os-user} value that selects {@link UserNamespace}. */
    String USER_NAMESPACE = "user-namespace";

    /** The command, run as this account. */
    List<String> wrap(List<String> command);

    /** Makes {@code root} (recursively) owned by this account, so that the server accepts and can write it. */
    void takeOwnership(Path root);

    /** For messages: {@code OS user postgres}, {@code the current user}. */
    String describe();

    /**
     * The account to use: the current user unless it is root; as root, {@code osUser} (normally
     * {@code postgres}, the owner Debian and RPM packages give the data directory).
     */
    static ServerAccount detect(String osUser) {
        if (!isRoot()) {
            return new CurrentUser();
        }
        if (USER_NAMESPACE.equals(osUser)) {
            return new UserNamespace();
        }
        if (osUser == null || osUser.isBlank()) {
            throw new PgnestException(ErrorKind.CONFIG, "pgnest runs as root and no OS user is configured to run PostgreSQL",
                    "set restore.os-user (PGNEST_RESTORE_OS_USER), normally postgres");
        }
        return new OsUser(osUser);
    }

    /**
     * The account for a server pgnest starts for itself (the demo, tests): the current user
     * unless it is root; as root a user namespace when {@code unshare -U} works here (containers
     * may forbid it), else the {@code postgres} OS user.
     */
    static ServerAccount automatic() {
        if (!isRoot()) {
            return new CurrentUser();
        }
        return userNamespacesWork() ? new UserNamespace() : new OsUser("postgres");
    }

    /** Whether {@code unshare -U} works here, probed once per JVM. */
    static boolean userNamespacesWork() {
        return Probes.UserNamespaces.VALUE;
    }

    /** Whether this process runs as root (PostgreSQL's programs refuse to). */
    static boolean isRoot() {
        return Probes.Root.VALUE;
    }

    private static boolean probeRoot() {
        try {
            // /proc/self belongs to the effective user of this process
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** Facts about this process's user, each probed once, when first asked. */
    final class Probes {
        private Probes() {
        }

        private static final class Root {
            static final boolean VALUE = probeRoot();
        }

        private static final class UserNamespaces {
            static final boolean VALUE = ChildProcess.succeeds(List.of("unshare", "-U", "true"));
        }
    }

    /** Not root: run PostgreSQL directly. */
    record CurrentUser() implements ServerAccount {
        public CurrentUser {
            if (isRoot()) {
                throw new PgnestException(ErrorKind.CONFIG, "PostgreSQL refuses to run as root",
                        "run pgnest as the database's OS user, or as root with restore.os-user set (normally postgres)");
            }
        }

        @Override
        public List<String> wrap(List<String> command) {
            return List.copyOf(command);
        }

        @Override
        public void takeOwnership(Path root) {
            // the files are ours already
        }

        @Override
        public String describe() {
            return "the current user";
        }
    }

    /** Root: {@code runuser -u NAME --}; the data directory is chowned to NAME and its primary group. */
    record OsUser(String name) implements ServerAccount {
        public OsUser {
            if (name == null || !name.matches("[a-z_][a-z0-9_.-]{0,31}")) {
                throw new PgnestException(ErrorKind.CONFIG, "'" + name + "' is not an OS user name",
                        "set restore.os-user to the user that owns PostgreSQL's data directory, normally postgres");
            }
        }

        @Override
        public List<String> wrap(List<String> command) {
            return prefixed(List.of("runuser", "-u", name, "--"), command);
        }

        @Override
        public void takeOwnership(Path root) {
            try {
                UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
                UserPrincipal user = lookup.lookupPrincipalByName(name);
                GroupPrincipal group = lookup.lookupPrincipalByGroupName(primaryGroup());
                chown(root, user, group);
                requireReachable(root);
            } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                throw new PgnestException(ErrorKind.CONFIG, "OS user " + name + " does not exist on this host",
                        "set restore.os-user to the user PostgreSQL runs as here (normally postgres)");
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.TOOL, "cannot give " + root + " to OS user " + name + ": " + e.getMessage(),
                        "run pgnest as root, or as " + name + " itself", e);
            }
        }

        @Override
        public String describe() {
            return "OS user " + name;
        }

        private String primaryGroup() throws IOException {
            ChildProcess.Result r = ChildProcess.run(List.of("id", "-gn", name), Map.of(), null, Duration.ofSeconds(10));
            if (!r.ok()) {
                throw new java.nio.file.attribute.UserPrincipalNotFoundException(name);
            }
            return r.stdout().strip();
        }

        /** Every parent must let the user through, or the server cannot reach its own data directory. */
        private void requireReachable(Path dir) throws IOException {
            for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                PosixFileAttributes attrs = Files.readAttributes(p, PosixFileAttributes.class);
                if (!attrs.owner().getName().equals(name) && !attrs.permissions().contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new PgnestException(ErrorKind.CONFIG, "OS user " + name + " cannot reach " + dir + ": "
                            + p + " is " + java.nio.file.attribute.PosixFilePermissions.toString(attrs.permissions())
                            + " owned by " + attrs.owner().getName(),
                            "restore into a directory " + name + " can reach, e.g. under /var/lib/postgresql");
                }
            }
        }
    }

    /**
     * Root without a database OS user (containers, tests): {@code unshare -U} runs PostgreSQL in
     * a user namespace where root is unmapped, so its root check passes while files stay
     * owned by the real root. Not for production data directories: the normal service
     * could not open root-owned files.
     */
    record UserNamespace() implements ServerAccount {
        @Override
        public List<String> wrap(List<String> command) {
            return prefixed(List.of("unshare", "-U", "--"), command);
        }

        /**
         * Files owned by the current (real) user are what the namespace sees as its own; a tar
         * extracted as root keeps another owner, which the server would refuse.
         */
        @Override
        public void takeOwnership(Path root) {
            try {
                UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
                chown(root, lookup.lookupPrincipalByName(System.getProperty("user.name")), null);
            } catch (IOException e) {
                throw new PgnestException(ErrorKind.TOOL, "cannot take ownership of " + root + ": " + e.getMessage(),
                        "run pgnest as root", e);
            }
        }

        @Override
        public String describe() {
            return "root in a user namespace";
        }
    }

    private static List<String> prefixed(List<String> prefix, List<String> command) {
        List<String> wrapped = new ArrayList<>(prefix);
        wrapped.addAll(command);
        return wrapped;
    }

    /** Gives every file under {@code root} to {@code user} (and {@code group} unless null), touching only those owned otherwise. */
    private static void chown(Path root, UserPrincipal user, GroupPrincipal group) throws IOException {
        // a file may vanish while the tree is walked (a WAL download renamed into place): it needs
        // no owner; a directory vanishing under the walk starts it again
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : (Iterable<Path>) paths::iterator) {
                    try {
                        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
                                LinkOption.NOFOLLOW_LINKS);
                        PosixFileAttributes attrs = view.readAttributes();
                        if (!attrs.owner().equals(user)) {
                            view.setOwner(user);
                        }
                        if (group != null && !attrs.group().equals(group)) {
                            view.setGroup(group);
                        }
                    } catch (NoSuchFileException e) {
                        // gone meanwhile
                    }
                }
                return;
            } catch (java.io.UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException) || attempt >= 5) {
                    throw e.getCause();
                }
            }
        }
    }
}
