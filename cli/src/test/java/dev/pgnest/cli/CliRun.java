package dev.pgnest.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/** Runs pgnest in-process with a given environment and working directory, capturing its output. */
public record CliRun(int exitCode, String out, String err) {

    public static CliRun run(Map<String, String> env, Path workingDir, String... args) {
        CommandLine cl = PgnestCommand.commandLine(env, workingDir, args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
