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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code migrate diff}: builds what the migrations produce in a shadow database and compares
 * its catalog with the live database's. The shadow is migrated only up to the live
 * database's current version, so what shows up is drift (changes made outside migrations),
 * not pending work.
 *
 * <p>Without a configured shadow URL a scratch database is created next to the target
 * (which needs CREATEDB) and dropped afterwards; a configured shadow database must be
 * disposable, as Prisma's shadow database is: it is emptied before use.
 */
public final class DriftCheck {
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/?]*/)([^?]*)(.*)$");

    private final MigrationSettings settings;
    private final String shadowJdbcUrl;

    /** @param shadowJdbcUrl a disposable database to build the shadow in, or null for a scratch one */
    public DriftCheck(MigrationSettings settings, String shadowJdbcUrl) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.shadowJdbcUrl = shadowJdbcUrl;
    }

    public DriftReport run() {
        Migrations live = new Migrations(settings);
        String version = live.status().currentVersion();
        boolean scratch = shadowJdbcUrl == null;
        String shadowName = scratch ? "pgnest_shadow_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(6)) : null;
        String shadowUrl = scratch ? withDatabase(settings.target().jdbcUrl(), shadowName) : shadowJdbcUrl;
        DatabaseTarget shadowTarget = new DatabaseTarget(settings.target().name() + "-shadow", shadowUrl,
                settings.target().user(), settings.target().password(), Environment.DEVELOPMENT);
        Migrations shadow = new Migrations(settings.withTarget(shadowTarget));
        if (scratch) {
            createScratch(live, shadowName);
        }
        try {
            if (!scratch) {
                shadow.clean(true); // a configured shadow is disposable; start from empty
            }
            shadow.deployUpTo(version, new DeployOptions(false, true, PreMigrationHook.NONE));
            CatalogSnapshot expected;
            CatalogSnapshot actual;
            try (Connection s = shadow.connect(); Connection l = live.connect()) {
                expected = CatalogSnapshot.read(s, settings.schemas(), live.historyTableName());
                actual = CatalogSnapshot.read(l, settings.schemas(), live.historyTableName());
            }
            return new DriftReport(settings.target().name(), version, actual.size(), compare(expected, actual));
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "reading the catalog for the drift check failed: "
                    + Migrations.firstLine(e.getMessage()), "check the target's permissions", e);
        } finally {
            if (scratch) {
                dropScratch(live, shadowName);
            }
        }
    }

    static List<Difference> compare(CatalogSnapshot expected, CatalogSnapshot actual) {
        List<Difference> out = new ArrayList<>();
        for (String kind : CatalogSnapshot.KINDS) {
            Map<String, String> want = expected.objects(kind);
            Map<String, String> have = actual.objects(kind);
            TreeSet<String> names = new TreeSet<>(want.keySet());
            names.addAll(have.keySet());
            for (String name : names) {
                String e = want.get(name);
                String a = have.get(name);
                if (e == null) {
                    out.add(new Difference(kind, name, Difference.Change.NOT_IN_MIGRATIONS, null, a));
                } else if (a == null) {
                    out.add(new Difference(kind, name, Difference.Change.MISSING_IN_DATABASE, e, null));
                } else if (!e.equals(a)) {
                    out.add(new Difference(kind, name, Difference.Change.DIFFERENT, e, a));
                }
            }
        }
        return out;
    }

    private void createScratch(Migrations live, String name) {
        try (Connection c = live.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "cannot create the shadow database " + name + " for target "
                    + settings.target().name() + ": " + Migrations.firstLine(e.getMessage()),
                    "grant the target's user CREATEDB, or configure a disposable shadow database URL", e);
        }
    }

    private void dropScratch(Migrations live, String name) {
        try (Connection c = live.connect(); Statement st = c.createStatement()) {
            // WITH (FORCE), PostgreSQL 13+: Flyway's pooled connections may linger for a moment.
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            org.slf4j.LoggerFactory.getLogger(DriftCheck.class)
                    .warn("could not drop shadow database {}: {}", name, Migrations.firstLine(e.getMessage()));
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
