package dev.pgnest.cli.wal;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.config.ExitCode;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import dev.pgnest.config.ValueSource;
import dev.pgnest.postgres.ChildProcess;
import dev.pgnest.wal.WalArchives;
import dev.pgnest.wal.WalSpool;
import dev.pgnest.wal.fetch.WalFetcher;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "fetch", description = {
        "Restore one WAL file: restore_command = 'pgnest wal fetch %%f %%p'. Downloads, decompresses and checks",
        "it; exits 1 when the archive does not have it (how recovery finds the end of the archive). Starts a",
        "background prefetcher that downloads the next segments in parallel into the spool directory, from",
        "where the launcher moves them into place without starting a JVM."})
public final class WalFetchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The WAL file name, as PostgreSQL passes it in %%f.")
    String name;

    @Parameters(index = "1", paramLabel = "PATH", description = "Where to write it, as PostgreSQL passes it in %%p.")
    Path destination;

    // --prefetch and --spool-dir: declared with wal.prefetch and wal.spool-dir in Settings

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (WalArchives archives = WalAccess.forFetch(spec)) {
            var config = CommandContext.of(spec).config();
            int depth = config.global().require(Settings.WAL_PREFETCH);
            WalFetcher fetcher = new WalFetcher(archives, WalSpool.of(config), depth, 4, Duration.ofSeconds(30));
            fetcher.fetch(name, destination, this::launchPrefetcher);
        } catch (dev.pgnest.wal.WalNotFoundException e) {
            throw e; // exit 1: the archive ends here, recovery may end
        } catch (dev.pgnest.config.PgnestException e) {
            // a configuration error too: restore_command's environment may lack a setting, and
            // exit 2 would read as "not archived" just the same
            spec.commandLine().getErr().println("error: " + e.getMessage()
                    + " (exit 126: PostgreSQL stops recovery here instead of ending it early)");
            spec.commandLine().getErr().flush();
            return ExitCode.ABORT_RECOVERY.status();
        }
        return ExitCode.OK.status();
    }

    /**
     * Runs this same pgnest (JVM options, jar, global options) as {@code wal prefetch --after},
     * detached: recovery waits for restore_command to exit, the prefetcher keeps going.
     */
    private void launchPrefetcher(String after) throws IOException {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> original = spec.root().commandLine().getParseResult().originalArgs();
        if (info.command().isEmpty() || info.arguments().isEmpty()) {
            return; // cannot see our own command line here: fetch one file at a time
        }
        List<String> all = List.of(info.arguments().get());
        int walAt = indexOf(original, "wal", "fetch");
        if (walAt < 0 || all.size() < original.size()
                || !all.subList(all.size() - original.size(), all.size()).equals(original)
                || !(all.contains(CommandContext.MAIN_CLASS) || all.stream().anyMatch(a -> a.endsWith(".jar")))) {
            return; // not the pgnest executable (an in-process run): fetch one file at a time
        }
        List<String> command = new ArrayList<>();
        command.add(info.command().get());
        command.addAll(all.subList(0, all.size() - original.size()));
        command.addAll(original.subList(0, walAt));
        command.addAll(List.of("wal", "prefetch", "--after", after));
        SettingValues global = CommandContext.of(spec).config().global();
        command.addAll(givenAsFlag(global.entry(Settings.WAL_SPOOL_DIR)));
        command.addAll(givenAsFlag(global.entry(Settings.WAL_PREFETCH)));
        ChildProcess.startDetached(command);
    }

    /** The flag and value again, for the prefetcher, when this fetch was given them as a flag. */
    private static List<String> givenAsFlag(SettingValues.Entry<?> entry) {
        return entry.source().kind() == ValueSource.Kind.FLAG
                ? List.of(entry.source().detail(), String.valueOf(entry.value())) : List.of();
    }

    private static int indexOf(List<String> args, String a, String b) {
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals(a) && args.get(i + 1).equals(b)) {
                return i;
            }
        }
        return -1;
    }
}
