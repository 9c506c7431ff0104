package dev.pgnest.cli.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md, docs/ and bench/RESULTS.md points to a file inside the
 * repository, and a link with an anchor to a heading of that page (GitHub's slugs).
 */
class DocsLinksTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            for (String link : links(page)) {
                if (link.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    continue; // https:, mailto:
                }
                int hash = link.indexOf('#');
                String file = hash < 0 ? link : link.substring(0, hash);
                String anchor = hash < 0 ? null : link.substring(hash + 1);
                Path target = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                String where = ROOT.relativize(page) + ": " + link;
                if (!target.startsWith(ROOT)) {
                    broken.add(where + " (outside the repository)");
                } else if (!Files.exists(target)) {
                    broken.add(where + " (no such file)");
                } else if (anchor != null && target.toString().endsWith(".md") && !anchors(target).contains(anchor)) {
                    broken.add(where + " (no such heading in " + ROOT.relativize(target) + ")");
                }
            }
        }
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    void slugsAreGitHubs() {
        assertThat(slug("`pgnest restore pitr`")).isEqualTo("pgnest-restore-pitr");
        assertThat(slug("Restore: point-in-time recovery, logical restores")).isEqualTo("restore-point-in-time-recovery-logical-restores");
        assertThat(slug("HTTP (`serve.listen`, default 127.0.0.1:7432)")).isEqualTo("http-servelisten-default-1270017432");
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("bench/RESULTS.md")));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(pages).hasSizeGreaterThan(10);
        return pages;
    }

    /** The links of a page, outside fenced code blocks and inline code. */
    private static List<String> links(Path page) throws IOException {
        List<String> links = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher m = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
            while (m.find()) {
                links.add(m.group(1));
            }
        }
        return links;
    }

    private static final Map<Path, Set<String>> ANCHORS = new HashMap<>();

    private static Set<String> anchors(Path page) throws IOException {
        if (ANCHORS.containsKey(page)) {
            return ANCHORS.get(page);
        }
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (!fenced && m.matches()) {
                String slug = slug(m.group(1));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        ANCHORS.put(page, anchors);
        return anchors;
    }

    /** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                b.appendCodePoint(c);
            } else if (c == ' ') {
                b.append('-');
            }
        });
        return b.toString();
    }
}
