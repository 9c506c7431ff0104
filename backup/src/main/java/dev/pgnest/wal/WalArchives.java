package dev.pgnest.wal;

import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.PgnestException;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.repository.Repository;
import dev.pgnest.repository.RepositorySettings;
import dev.pgnest.storage.Storage;
import dev.pgnest.storage.StorageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target's WAL archive kept in several repositories (pgBackRest's repo1..N for archive-push and
 * archive-get): {@link #push} stores a file in each, {@link #fetch} reads from the first that has it.
 *
 * <p>A push is acknowledged once {@code acknowledge} repositories store the file; each other one
 * gets a copy in its {@link WalBacklog} (fsynced in the local spool before the acknowledgement),
 * which every later push drains first, oldest first, as soon as the repository answers again.
 * A repository with a backlog is not pushed to directly until the backlog is drained, so an
 * unreachable one costs one failed request per push, not one per file. Nothing is acknowledged
 * that no repository holds: {@code acknowledge} is at least 1.
 *
 * <p>With one repository this is that repository's {@link WalArchive}, unchanged.
 */
public final class WalArchives implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalArchives.class);
    /** Backlog files one push drains per repository before its own file (it catches up while WAL is written). */
    static final int DRAIN_PER_PUSH = 32;

    /** One repository's archive of the target, and its name in pgnest.yml. */
    public record Member(String repository, WalArchive archive, WalBacklog backlog) {
    }

    private final List<Member> members;
    private final int acknowledge;
    private final List<AutoCloseable> owned;

    private WalArchives(List<Member> members, int acknowledge, List<AutoCloseable> owned) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("no repository");
        }
        this.members = List.copyOf(members);
        this.acknowledge = acknowledge <= 0 ? members.size() : Math.min(acknowledge, members.size());
        this.owned = List.copyOf(owned);
    }

    /** One repository's archive alone (the storage stays the caller's). */
    public static WalArchives single(String repository, WalArchive archive) {
        return new WalArchives(List.of(new Member(repository, archive, null)), 1, List.of());
    }

    /**
     * The archives of {@code repositories} (name to archive, in order), acknowledging a push once
     * {@code acknowledge} of them store it (0: all).
     *
     * @param spool  where the backlogs of the others are kept
     * @param owned  storages closed with this
     */
    public static WalArchives of(Map<String, WalArchive> repositories, int acknowledge, WalSpool spool, List<? extends AutoCloseable> owned) {
        List<Member> members = new ArrayList<>();
        repositories.forEach((name, archive) -> members.add(new Member(name, archive,
                repositories.size() > 1 ? WalBacklog.in(spool, archive.target(), name) : null)));
        return new WalArchives(members, acknowledge, new ArrayList<>(owned));
    }

    /**
     * The selected target's WAL archive in each of its repositories (targets.NAME.repositories),
     * for pushing. With several, one that cannot be reached now is kept: its pushes are queued.
     */
    public static WalArchives forPush(PgnestConfig config) {
        return open(config, config.targetRepositories());
    }

    /**
     * The archives wal fetch reads: the repository chosen with --repo or PGNEST_REPOSITORY alone
     * (restore pitr passes the one it restores from), else each of the target's repositories,
     * the selected one first.
     */
    public static WalArchives forFetch(PgnestConfig config) {
        if (config.repositoryChosen()) {
            return open(config, List.of(config.repository()));
        }
        List<SettingValues> repos = new ArrayList<>(config.targetRepositories());
        SettingValues selected = config.repository();
        if (repos.removeIf(r -> r.name().equals(selected.name()))) {
            repos.add(0, selected);
        }
        return open(config, repos);
    }

    private static WalArchives open(PgnestConfig config, List<SettingValues> repos) {
        config.target(); // surfaces an ambiguous or unknown selection
        String target = config.selectedTargetName().orElse(PgnestConfig.DEFAULT_NAME);
        Map<String, WalArchive> archives = new LinkedHashMap<>();
        List<Storage> storages = new ArrayList<>();
        try {
            for (SettingValues repo : repos) {
                Storage storage = RepositorySettings.storage(repo).open();
                storages.add(storage);
                try {
                    Repository.open(storage);
                } catch (StorageException e) {
                    if (repos.size() == 1) {
                        throw e;
                    }
                    LOG.warn("repository {} is not reachable now ({}); its WAL is queued or read from the others",
                            repo.name(), e.getMessage());
                }
                archives.put(repo.name(), new WalArchive(storage, target, RepositorySettings.compression(repo),
                        RepositorySettings.compressionLevel(repo)));
            }
            return of(archives, config.target().require(Settings.WAL_PUSH_ACKNOWLEDGE), WalSpool.of(config), storages);
        } catch (RuntimeException e) {
            storages.forEach(Storage::close);
            throw e;
        }
    }

    public List<Member> members() {
        return members;
    }

    /** The first repository's archive: what commands that read one archive use. */
    public WalArchive first() {
        return members.get(0).archive();
    }

    public String target() {
        return first().target();
    }

    /** Where the archive lives, for messages: every repository's location. */
    public String location() {
        return String.join(", ", members.stream().map(m -> m.archive().storage().location("")).toList());
    }

    /** How many repositories must store a file before a push returns. */
    public int acknowledge() {
        return acknowledge;
    }

    // ------------------------------------------------------------------------------ push

    /**
     * Archives {@code file} in every repository, or in {@link #acknowledge} of them with a copy
     * queued for the others; returns the first repository's result (or the first that stored it).
     *
     * @throws PgnestException INTEGRITY at once when a repository holds the name with other
     *                         content; STORAGE when fewer than {@link #acknowledge} store it
     */
    public WalArchive.PushResult push(Path file) {
        if (members.size() == 1) {
            return first().push(file);
        }
        for (Member m : members) {
            drain(m);
        }
        WalArchive.PushResult result = null;
        int stored = 0;
        List<Member> behind = new ArrayList<>();
        StorageException firstError = null;
        for (Member m : members) {
            if (!m.backlog().isEmpty()) {
                behind.add(m); // unreachable a moment ago: keep its order, queue this one too
                continue;
            }
            try {
                WalArchive.PushResult r = m.archive().push(file);
                stored++;
                result = result == null ? r : result;
            } catch (StorageException e) {
                LOG.warn("cannot archive {} to repository {}: {}", file.getFileName(), m.repository(), e.getMessage());
                firstError = firstError == null ? e : firstError;
                behind.add(m);
            }
        }
        if (stored < acknowledge) {
            String missing = String.join(", ", behind.stream().map(Member::repository).toList());
            if (firstError != null) {
                throw new StorageException("WAL file " + file.getFileName() + " is stored in " + stored + " of "
                        + members.size() + " repositories, " + acknowledge + " needed (not in " + missing + "): "
                        + firstError.getMessage(), "PostgreSQL retries it; make the repositories reachable, or lower "
                        + "wal.push-acknowledge to keep archiving while one is down", firstError);
            }
            throw new StorageException("WAL file " + file.getFileName() + " is stored in " + stored + " of "
                    + members.size() + " repositories, " + acknowledge + " needed; " + missing
                    + " still have older WAL queued", "PostgreSQL retries it; make the repositories reachable, or lower "
                    + "wal.push-acknowledge to keep archiving while one is down");
        }
        for (Member m : behind) {
            m.backlog().add(file);
        }
        return result;
    }

    /**
     * Pushes what the repository's backlog holds, oldest first, up to {@link #DRAIN_PER_PUSH}
     * files; stops at the first failure (the repository is still away).
     *
     * @return files drained
     */
    private int drain(Member m) {
        if (m.backlog() == null || m.backlog().isEmpty()) {
            return 0;
        }
        return m.backlog().drain(DRAIN_PER_PUSH, queued -> {
            try {
                m.archive().push(queued);
                return true;
            } catch (StorageException e) {
                LOG.debug("repository {} still unreachable: {}", m.repository(), e.getMessage());
                return false;
            }
        });
    }

    /** Drains every repository's backlog completely while it answers; returns the files pushed. */
    public int drainAll() {
        int total = 0;
        for (Member m : members) {
            if (m.backlog() != null) {
                int n;
                while ((n = drain(m)) > 0) {
                    total += n;
                }
            }
        }
        return total;
    }

    /**
     * What each of a target's repositories still misses of the WAL acknowledged while it was
     * unreachable, read from the spool alone (no repository is contacted).
     */
    public static Map<String, WalBacklog.State> backlogs(WalSpool spool, String target, List<String> repositories) {
        Map<String, WalBacklog.State> states = new LinkedHashMap<>();
        if (repositories.size() > 1) {
            repositories.forEach(r -> states.put(r, WalBacklog.in(spool, target, r).state()));
        }
        return states;
    }

    /** Files queued per repository (empty map with one repository). */
    public Map<String, WalBacklog.State> backlogs() {
        Map<String, WalBacklog.State> states = new LinkedHashMap<>();
        for (Member m : members) {
            if (m.backlog() != null) {
                states.put(m.repository(), m.backlog().state());
            }
        }
        return states;
    }

    // ------------------------------------------------------------------------------ fetch

    /** {@link WalArchive#fetch} from the first repository that has the file. */
    public long fetch(String walFileName, Path destination) {
        return firstThatHas(walFileName, a -> a.fetch(walFileName, destination));
    }

    /**
     * {@link WalArchive#fetchForRecovery}: a whole segment from any repository before a
     * {@code .partial} from one (a partial padded with zeros would end recovery early).
     */
    public long fetchForRecovery(String walFileName, Path destination) {
        if (members.size() == 1) {
            return first().fetchForRecovery(walFileName, destination);
        }
        try {
            return fetch(walFileName, destination);
        } catch (WalNotFoundException e) {
            return firstThatHas(walFileName, a -> a.fetchForRecovery(walFileName, destination));
        }
    }

    /**
     * The first repository's answer that is not "not found"; a repository that fails is skipped.
     * When none has the file and one failed, that failure is thrown, not "not found": an
     * unreachable repository may hold it, and recovery must not end early on a guess.
     */
    private long firstThatHas(String walFileName, Function<WalArchive, Long> read) {
        WalNotFoundException notFound = null;
        PgnestException failure = null;
        for (Member m : members) {
            try {
                return read.apply(m.archive());
            } catch (WalNotFoundException e) {
                notFound = notFound == null ? e : notFound;
            } catch (PgnestException e) {
                if (members.size() == 1) {
                    throw e;
                }
                LOG.warn("cannot read {} from repository {} ({}); trying the next", walFileName, m.repository(), e.getMessage());
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        throw notFound;
    }

    /** The archive's cluster and segment size, from the first repository that knows it. */
    public Optional<ArchiveInfo> info() {
        for (Member m : members) {
            try {
                Optional<ArchiveInfo> info = m.archive().info();
                if (info.isPresent()) {
                    return info;
                }
            } catch (StorageException e) {
                LOG.debug("cannot read the archive info of repository {}: {}", m.repository(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing {}: {}", c, e.getMessage());
            }
        }
    }
}
