package dev.pgnest.cli;

/** The {@code pgnest} executable. */
public final class Pgnest {
    private Pgnest() {
    }

    public static void main(String[] args) {
        System.exit(PgnestCommand.commandLine(System.getenv(), java.nio.file.Path.of(""), args).execute(args));
    }
}
