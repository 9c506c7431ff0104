package dev.pgnest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.config.Setting;
import dev.pgnest.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The options commands take for declared settings come from the declarations, and are checked by their type. */
class SettingOptionsTest {
    @TempDir
    Path dir;

    private static Map<String, CommandLine> commands(CommandLine cl, Map<String, CommandLine> into) {
        into.put(SettingOptions.commandPath(cl.getCommandSpec()), cl);
        cl.getSubcommands().values().stream().distinct().forEach(sub -> commands(sub, into));
        return into;
    }

    @Test
    void everyDeclaredCommandOptionIsAnOptionOfARealCommand() {
        Map<String, CommandLine> commands = commands(PgnestCommand.commandLine(Map.of(), dir), new HashMap<>());
        int options = 0;
        for (Setting<?> s : Settings.ALL) {
            for (Setting.CommandOption o : s.options()) {
                for (String command : o.commands()) {
                    assertThat(commands).as("%s: pgnest %s", s.key(), command).containsKey(command);
                    OptionSpec spec = commands.get(command).getCommandSpec().findOption(o.name());
                    assertThat(spec).as("pgnest %s %s", command, o.name()).isNotNull();
                    assertThat(spec.names()).containsExactlyInAnyOrderElementsOf(o.names());
                    assertThat(spec.description()).containsExactly(o.help());
                    options++;
                }
            }
        }
        assertThat(options).isGreaterThanOrEqualTo(20);
    }

    @Test
    void aCommandOptionIsTheSettingsValueWithTheFlagAsItsSource() {
        PgnestCommand root = PgnestCommand.commandLine(Map.of("PGNEST_WAL_PREFETCH", "2"), dir).getCommand();
        CommandLine cl = PgnestCommand.commandLine(Map.of("PGNEST_WAL_PREFETCH", "2"), dir);
        cl.parseArgs("wal", "fetch", "--prefetch", "5", "--spool-dir", "/srv/spool", "x", "y");
        var global = ((PgnestCommand) cl.getCommand()).config().global();
        assertThat(global.get(Settings.WAL_PREFETCH)).contains(5);
        assertThat(global.entry(Settings.WAL_PREFETCH).source().toString()).isEqualTo("flag --prefetch");
        assertThat(global.get(Settings.WAL_SPOOL_DIR)).contains(Path.of("/srv/spool"));
        assertThat(root.config().global().get(Settings.WAL_PREFETCH)).as("another command line").contains(2);
    }

    @Test
    void aBadCommandOptionFailsAsABadEnvironmentVariableDoesNamingTheSettingAndExitsTwo() {
        for (List<String> args : List.of(List.of("wal", "serve", "--port", "99999"),
                List.of("restore", "pitr", "--latest", "-j", "0"),
                List.of("restore", "drill", "--mode", "somewhere"),
                List.of("backup", "physical", "--wal-timeout", "soon"))) {
            CliRun r = CliRun.run(Map.of(), dir, args.toArray(String[]::new));
            assertThat(r.exitCode()).as("%s: %s", args, r.err()).isEqualTo(2);
            assertThat(r.err()).as("%s", args).startsWith("error: invalid ").doesNotContain("\n" + "\tat ");
            assertThat(r.err().strip().lines()).as("%s", args).hasSize(1);
        }
        CliRun r = CliRun.run(Map.of(), dir, "wal", "serve", "--port", "99999");
        assertThat(r.err().strip()).isEqualTo(
                "error: invalid wal.push-port from flag --port: 99999 is outside 0..65535: expected integer 0..65535");
        CliRun jobs = CliRun.run(Map.of(), dir, "restore", "plan", "logical", "--jobs", "65");
        assertThat(jobs.err().strip()).isEqualTo(
                "error: invalid restore.parallelism from flag --jobs: 65 is outside 1..64: expected integer 1..64");
    }
}
