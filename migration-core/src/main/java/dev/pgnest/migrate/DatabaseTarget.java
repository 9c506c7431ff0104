package dev.pgnest.migrate;

import java.util.Objects;

/**
 * The database that migrations run against.
 *
 * @param name        the configured target's name (used in restore point names and reports)
 * @param jdbcUrl     {@code jdbc:postgresql://host:port/database[?params]}
 * @param password    never printed: {@link #toString()} redacts it
 * @param environment decides whether reset is allowed and whether deploy snapshots first
 */
public record DatabaseTarget(String name, String jdbcUrl, String user, String password, Environment environment) {

    public DatabaseTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        environment = environment == null ? Environment.STANDARD : environment;
    }

    public DatabaseTarget withJdbcUrl(String url) {
        return new DatabaseTarget(name, url, user, password, environment);
    }

    @Override
    public String toString() {
        return "DatabaseTarget[name=" + name + ", jdbcUrl=" + jdbcUrl + ", user=" + user
                + ", password=" + (password == null ? "none" : "<redacted>") + ", environment=" + environment + "]";
    }
}
