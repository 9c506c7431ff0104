package dev.pgnest.migrate.drift;

import dev.pgnest.config.ErrorKind;
import dev.pgnest.config.PgnestException;
import dev.pgnest.migrate.MigrationSettings;
import dev.pgnest.migrate.Migrations;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * {@code migrate diff}: builds what the migrations produce in a shadow database and compares
 * its catalog with the live database's. The shadow is migrated only up to the live
 * database's current version, so what shows up is drift (changes made outside migrations),
 * not pending work.
 *
 * <p>The shadow is a {@link ShadowDatabase}: a scratch database next to the target, or a
 * configured disposable one.
 */
public final class DriftCheck {
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
        try (ShadowDatabase shadow = ShadowDatabase.create(settings, shadowJdbcUrl)) {
            shadow.deployUpTo(version);
            CatalogSnapshot expected;
            CatalogSnapshot actual;
            try (Connection s = shadow.migrations().connect(); Connection l = live.connect()) {
                expected = CatalogSnapshot.read(s, settings.schemas(), live.historyTableName());
                actual = CatalogSnapshot.read(l, settings.schemas(), live.historyTableName());
            }
            return new DriftReport(settings.target().name(), version, actual.size(), compare(expected, actual));
        } catch (SQLException e) {
            throw new PgnestException(ErrorKind.DATABASE, "reading the catalog for the drift check failed: "
                    + Migrations.firstLine(e.getMessage()), "check the target's permissions", e);
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
}
