package dev.pgnest.cli.config;

import dev.pgnest.cli.shared.CommandContext;
import dev.pgnest.cli.shared.OutputOptions;
import dev.pgnest.config.DatabaseConnection;
import dev.pgnest.config.PgnestConfig;
import dev.pgnest.config.SettingValues;
import dev.pgnest.config.Settings;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Checks that the selected target and repository are configured completely, without
 * connecting to anything: the first thing to run after writing pgnest.yml.
 */
@Command(name = "check", description = "Check that the selected target and repository have every required setting (no connections made).")
final class ConfigCheckCommand implements Runnable {
    @Mixin
    OutputOptions output;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PgnestConfig config = CommandContext.of(spec).config();
        DatabaseConnection db = config.connection();
        SettingValues repo = config.repository();
        String type = repo.require(Settings.REPO_TYPE);
        String location = switch (type) {
            case "fs" -> repo.require(Settings.REPO_PATH).toString();
            default -> "s3://" + repo.require(Settings.S3_BUCKET) + "/" + repo.require(Settings.S3_PREFIX)
                    + repo.get(Settings.S3_ENDPOINT).map(e -> " at " + e).orElse("");
        };
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("ok", true);
            r.put("target", config.target().name());
            r.put("database", db.toString());
            r.put("repository", repo.name());
            r.put("location", location);
            OutputOptions.printJson(out, r);
        } else {
            out.println("target " + config.target().name() + ": " + db);
            out.println("repository " + repo.name() + ": " + location);
            out.println("configuration is complete");
            out.flush();
        }
    }
}
