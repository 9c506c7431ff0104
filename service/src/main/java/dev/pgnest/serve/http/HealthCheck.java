package dev.pgnest.serve.http;

/**
 * One readiness check of {@code /health}: the job store, a target database, a repository.
 * {@link #check()} returns normally when reachable and throws (with a message naming what and a
 * fix) when not. It runs with a timeout; keep it cheap (one query, one small read).
 */
public interface HealthCheck {
    String name();

    void check() throws Exception;

    static HealthCheck of(String name, Probe probe) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void check() throws Exception {
                probe.run();
            }
        };
    }

    /** A check body that may throw. */
    @FunctionalInterface
    interface Probe {
        void run() throws Exception;
    }
}
