package dev.pgnest.cli.shared;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine.Option;

/**
 * {@code --output text|json|svg}, mixed into every command that reads and reports; {@code svg}
 * (the restorable-window picture) only where a command draws it, others refuse it.
 */
public final class OutputOptions {
    public enum Format { text, json, svg }

    /** Built on first use: Jackson's start-up is a fifth of a second that text output does not need. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    @Option(names = {"-o", "--output"}, paramLabel = "text|json|svg", defaultValue = "text",
            description = "Output format: text for people, json for scripts, svg for the restorable-window picture "
                    + "(backup list only) (default: ${DEFAULT-VALUE}).")
    Format format = Format.text;

    /** A command that draws no picture asks only this, so here is where it refuses svg. */
    public boolean json() {
        if (format == Format.svg) {
            throw new PgnestException(ErrorKind.USAGE, "--output svg is not available for this command",
                    "use --output text or json; pgnest backup list --output svg draws the restorable window");
        }
        return format == Format.json;
    }

    public boolean svg() {
        return format == Format.svg;
    }

    /** Writes a value (records, maps, lists) as one JSON document. */
    public static void printJson(PrintWriter out, Object value) {
        try {
            out.println(Json.MAPPER.writeValueAsString(value));
            out.flush();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectMapper mapper() {
        return Json.MAPPER;
    }
}
