package dev.pgnest.migrate.drift;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.DatabaseTarget;
import dev.pgnest.migrate.DeployOptions;
import dev.pgnest.migrate.Environment;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import dev.pgnest.migrate.PreMigrationHook;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A database with only what the migrations build, as Prisma's shadow database: a scratch
 * database created next to the target (which needs CREATEDB) and dropped on close, or a
 * configured disposable one, emptied before use. {@code migrate diff} compares its catalog with
 * the target's; {@code migrate lint --trace} traces the pending migrations on it.
 */
public final class ShadowDatabase implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/?]*/)([^?]*)(.*)$");

    private final MigrationSettings target;
    private final MigrationSettings shadow;
    private final String scratchName;

    private ShadowDatabase(MigrationSettings target, MigrationSettings shadow, String scratchName) {
        this.target = target;
        this.shadow = shadow;
        this.scratchName = scratchName;
    }

    /**
     * Creates the scratch shadow database, or empties the configured one; the caller applies
     * migrations to it ({@link #migrations()}) and closes it.
     *
     * @param shadowJdbcUrl a disposable database to build the shadow in, or null for a scratch one
     */
    public static ShadowDatabase create(MigrationSettings settings, String shadowJdbcUrl) {
        boolean scratch = shadowJdbcUrl == null;
        String name = scratch ? "pgnest_shadow_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(6)) : null;
        String url = scratch ? withDatabase(settings.target().jdbcUrl(), name) : shadowJdbcUrl;
        DatabaseTarget shadowTarget = new DatabaseTarget(settings.target().name() + "-shadow", url,
                settings.target().user(), settings.target().password(), Environment.DEVELOPMENT);
        ShadowDatabase shadow = new ShadowDatabase(settings, settings.withTarget(shadowTarget), name);
        if (scratch) {
            shadow.createScratch();
        } else {
            shadow.migrations().clean(true); // a configured shadow is disposable; start from empty
        }
        return shadow;
    }

    /** Applies the migrations up to {@code version} (all when null), lint findings reported, not enforced. */
    public void deployUpTo(String version) {
        migrations().deployUpTo(version, new DeployOptions(false, true, PreMigrationHook.NONE));
    }

    /** The shadow's migration settings: the target's, pointed at the shadow database. */
    public MigrationSettings settings() {
        return shadow;
    }

    public Migrations migrations() {
        return new Migrations(shadow);
    }

    private void createScratch() {
        try (Connection c = new Migrations(target).connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + scratchName);
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot create the shadow database " + scratchName + " for target "
                    + target.target().name() + ": " + Migrations.firstLine(e.getMessage()),
                    "grant the target's user CREATEDB, or configure a disposable shadow database URL", e);
        }
    }

    @Override
    public void close() {
        if (scratchName == null) {
            return;
        }
        try (Connection c = new Migrations(target).connect(); Statement st = c.createStatement()) {
            // WITH (FORCE), PostgreSQL 13+: Flyway's pooled connections may linger for a moment.
            st.execute("DROP DATABASE IF EXISTS " + scratchName + " WITH (FORCE)");
        } catch (SQLException | PgnestException e) {
            org.slf4j.LoggerFactory.getLogger(ShadowDatabase.class)
                    .warn("could not drop shadow database {}: {}", scratchName, Migrations.firstLine(e.getMessage()));
        }
    }

    static String withDatabase(String jdbcUrl, String database) {
        Matcher m = URL.matcher(jdbcUrl);
        if (!m.matches()) {
            throw new PgnestException(ErrorKind.CONFIG, "cannot derive a shadow database URL from "
                    + Migrations.redactedUrl(jdbcUrl), "use jdbc:postgresql://host:port/database, or configure the shadow URL");
        }
        return m.group(1) + database + m.group(3);
    }
}
