package dev.pgnest.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to reach a target database, taken apart from its URL so that child processes get host,
 * port and user as arguments and the password only through their environment.
 *
 * @param params URL query parameters other than user and password (sslmode…)
 */
public record DatabaseConnection(String host, int port, String database, String user, String password,
                                 Map<String, String> params) {

    private static final Pattern URL_PASSWORD = Pattern.compile("(://[^:/@]*:)([^@]*)(@)");
    private static final Pattern PARAM_PASSWORD = Pattern.compile("([?&]password=)([^&]*)");

    /** Parses postgresql://, postgres:// and jdbc:postgresql:// URLs; user/password override the URL's. */
    public static DatabaseConnection parse(String url, String userOverride, String passwordOverride) {
        String u = url.startsWith("jdbc:") ? url.substring(5) : url;
        URI uri = URI.create(u.replaceFirst("^postgres(ql)?:", "postgresql:"));
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                String[] p = kv.split("=", 2);
                String k = decode(p[0]);
                String v = p.length > 1 ? decode(p[1]) : "";
                switch (k) {
                    case "user" -> user = v;
                    case "password" -> password = v;
                    default -> params.put(k, v);
                }
            }
        }
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? null : decode(uri.getPath().substring(1));
        String host = uri.getHost() == null ? "localhost" : uri.getHost();
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        if (userOverride != null) {
            user = userOverride;
        }
        if (passwordOverride != null) {
            password = passwordOverride;
        }
        if (user == null) {
            user = System.getProperty("user.name");
        }
        return new DatabaseConnection(host, port, db == null ? user : db, user, password, Map.copyOf(params));
    }

    /** The JDBC URL without credentials (they go in connection properties). */
    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    /** The same server, another database (scratch and shadow databases, restores). */
    public String jdbcUrl(String otherDatabase) {
        StringBuilder b = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/').append(otherDatabase);
        char sep = '?';
        for (Map.Entry<String, String> p : params.entrySet()) {
            b.append(sep).append(p.getKey()).append('=').append(p.getValue());
            sep = '&';
        }
        return b.toString();
    }

    public DatabaseConnection withDatabase(String otherDatabase) {
        return new DatabaseConnection(host, port, otherDatabase, user, password, params);
    }

    /** Environment for libpq programs (pg_dump, psql…): the password never goes on the command line. */
    public Map<String, String> libpqEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", host);
        env.put("PGPORT", Integer.toString(port));
        env.put("PGDATABASE", database);
        env.put("PGUSER", user);
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        String sslmode = params.get("sslmode");
        if (sslmode != null) {
            env.put("PGSSLMODE", sslmode);
        }
        return env;
    }

    /** The URL with any password replaced by ***, safe for logs and messages. */
    public static String redact(String url) {
        Matcher m = URL_PASSWORD.matcher(url);
        String s = m.find() ? m.replaceFirst("$1***$3") : url;
        return PARAM_PASSWORD.matcher(s).replaceAll("$1***");
    }

    /** host:port/database as user — never the password. */
    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
