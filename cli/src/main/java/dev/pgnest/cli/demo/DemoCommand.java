package dev.pgnest.cli.demo;

import dev.pgnest.config.PgnestException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", description = {
        "Try pgnest with nothing to set up: starts a throwaway PostgreSQL cluster and an S3-compatible store",
        "(files under ./.pgnest-demo), applies the BabyNest migrations, seeds data, backs it up, deletes a",
        "table's rows by accident, restores and checks the data is back. Needs the PostgreSQL server",
        "programs (Debian: postgresql-15). Takes under two minutes."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".pgnest-demo",
            description = "Where the demo's S3 store keeps its files (default: ${DEFAULT-VALUE}); cleared first.")
    Path dir;

    @Option(names = "--scale", paramLabel = "N", defaultValue = "0.02",
            description = "Size of the BabyNest data (default: ${DEFAULT-VALUE}, about 20,000 rows).")
    double scale;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("pgnest demo: a throwaway PostgreSQL and S3 store, the BabyNest app's data, an accident and the way back");
        out.flush();
        Demo.Report report = new Demo(dir, scale, out).run();
        PgnestException failure = Demo.failure(report);
        if (failure != null) {
            throw failure;
        }
        return 0;
    }
}
