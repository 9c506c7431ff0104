package dev.pgnest.config;

/** The configuration reference (docs/reference/configuration.md), generated from the declarations so it cannot drift. */
public final class SettingsReference {
    private SettingsReference() {
    }

    public static String markdown() {
        StringBuilder b = new StringBuilder();
        for (Scope scope : Scope.values()) {
            b.append("\n**").append(switch (scope) {
                case GLOBAL -> "Global settings (top level of pgnest.yml)";
                case TARGET -> "Target settings (under `targets.<name>.`)";
                case REPOSITORY -> "Repository settings (under `repositories.<name>.`)";
            }).append("**\n\n");
            b.append("| key | environment | flag | type | default | description |\n");
            b.append("|---|---|---|---|---|---|\n");
            for (Setting<?> s : Settings.inScope(scope)) {
                String env = "`" + s.env() + "`" + s.envAliases().stream().map(a -> ", `" + a + "`").reduce("", String::concat);
                b.append("| `").append(s.key()).append("` | ").append(env)
                        .append(" | ").append(s.flag() == null ? "—" : "`" + s.flag() + "`")
                        .append(" | ").append(s.type().describe().replace("|", "\\|"))
                        .append(" | ").append(s.defaultText() == null ? "—" : s.defaultText().replace("|", "\\|"))
                        .append(" | ").append(s.description().replace("|", "\\|"))
                        .append(s.secret() ? " *Secret.*" : "")
                        .append(" |\n");
            }
        }
        return b.toString();
    }
}
