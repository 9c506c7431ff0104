package dev.pgnest.config;

/** Where a setting lives in pgnest.yml, and what it applies to. */
public enum Scope {
    /** Top level of pgnest.yml: applies to the whole process. */
    GLOBAL(""),
    /** Under {@code targets.<name>.}: one database (cluster) pgnest looks after. */
    TARGET("targets.<name>."),
    /** Under {@code repositories.<name>.}: one place backups and WAL are stored. */
    REPOSITORY("repositories.<name>.");

    private final String filePrefix;

    Scope(String filePrefix) {
        this.filePrefix = filePrefix;
    }

    /** The key's path in pgnest.yml for the named target or repository. */
    public String fileKey(String name, String key) {
        return filePrefix.replace("<name>", name) + key;
    }

    public String filePrefix() {
        return filePrefix;
    }
}
