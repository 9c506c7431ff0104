package dev.pgnest.restore.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgnest.repository.BackupKind;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public class TimelineSvgTest {
    static final Instant FROM = Instant.parse("2026-03-01T00:00:00Z");
    static final Instant TO = Instant.parse("2026-03-15T00:00:00Z");

    /** Two timelines, a gap on the first, a failed drill, a pre-migration restore point. */
    public static TimelinePicture sample() {
        return new TimelinePicture("shop", FROM, TO, TO, "2 segments waiting for 3m",
                List.of(new TimelinePicture.Lane(1,
                                List.of(new TimelinePicture.Span(at(2), at(5), "timeline 1: restorable from day 2 to 5"),
                                        new TimelinePicture.Span(at(6), at(9), "timeline 1: restorable from day 6 to 9")),
                                List.of(new TimelinePicture.Span(at(5), at(6),
                                        "WAL gap on timeline 1: 1 segment missing, 000000010000000000000007"))),
                        new TimelinePicture.Lane(2, List.of(new TimelinePicture.Span(at(9), at(14), "timeline 2: restorable")),
                                List.of())),
                List.of(new TimelinePicture.Mark(at(9), "switch to timeline 2", null, true)),
                List.of(new TimelinePicture.Backup("20260302-000000P", BackupKind.PHYSICAL, false, at(2), true, false, "full, proven"),
                        new TimelinePicture.Backup("20260303-000000P", BackupKind.PHYSICAL, true, at(3), false, false, "incremental"),
                        new TimelinePicture.Backup("20260310-000000L", BackupKind.LOGICAL, false, at(10), false, true, "logical, damaged")),
                List.of(new TimelinePicture.Mark(at(4), "drill d1 passed", null, true),
                        new TimelinePicture.Mark(at(11), "drill d2 FAILED: pg_restore exited 1", null, false)),
                List.of(new TimelinePicture.Mark(at(12), "verification of 20260310-000000L: ok", null, true)),
                List.of(new TimelinePicture.Mark(at(7), "before migration V5 <add orders>", "V5", true)),
                "20260302-000000P");
    }

    static Instant at(int day) {
        return FROM.plusSeconds(day * 86400L);
    }

    @Test
    void drawsOneMarkPerBackupABandPerCoveredRangeAndAVisibleNamedGap() throws Exception {
        Document svg = parse(TimelineSvg.render(sample()));
        assertThat(all(svg, "//*[local-name()='g'][contains(@class,'backup')]")).hasSize(3);
        assertThat(all(svg, "//*[local-name()='g'][contains(@class,'backup full proven chosen')]")).hasSize(1);
        assertThat(all(svg, "//*[local-name()='g'][contains(@class,'backup incremental')]")).hasSize(1);
        assertThat(all(svg, "//*[local-name()='g'][contains(@class,'backup logical failed')]")).hasSize(1);
        assertThat(all(svg, "//*[local-name()='rect'][@class='band']")).hasSize(3);

        List<Element> gaps = all(svg, "//*[local-name()='rect'][@class='gap']");
        assertThat(gaps).hasSize(1);
        Element gap = gaps.get(0);
        assertThat(title(gap)).isEqualTo("WAL gap on timeline 1: 1 segment missing, 000000010000000000000007");
        // placed between the two bands of timeline 1, one day of fourteen wide
        double plot = TimelineSvg.WIDTH - TimelineSvg.LEFT - TimelineSvg.RIGHT;
        assertThat(Double.parseDouble(gap.getAttribute("x"))).isCloseTo(TimelineSvg.LEFT + plot * 5 / 14, org.assertj.core.data.Offset.offset(0.1));
        assertThat(Double.parseDouble(gap.getAttribute("width"))).isCloseTo(plot / 14, org.assertj.core.data.Offset.offset(0.1));
    }

    @Test
    void namesDrillsSwitchesRestorePointsAndNowForScreenReaders() throws Exception {
        Document svg = parse(TimelineSvg.render(sample()));
        Element root = svg.getDocumentElement();
        assertThat(root.getAttribute("role")).isEqualTo("img");
        assertThat(root.getAttribute("aria-labelledby")).isNotBlank();
        for (String ref : root.getAttribute("aria-labelledby").split(" ")) {
            assertThat(all(svg, "//*[@id='" + ref + "']")).hasSize(1);
        }
        String desc = all(svg, "/*/*[local-name()='desc']").get(0).getTextContent();
        assertThat(desc).contains("WAL gap on timeline 1").contains("drill d2 FAILED").contains("before migration V5")
                .contains("2 segments waiting");
        assertThat(all(svg, "//*[local-name()='polygon'][@class='drill failed']")).extracting(TimelineSvgTest::title)
                .containsExactly("drill d2 FAILED: pg_restore exited 1");
        assertThat(all(svg, "//*[local-name()='line'][@class='switch']")).extracting(TimelineSvgTest::title)
                .containsExactly("switch to timeline 2");
        Element point = all(svg, "//*[local-name()='g'][@class='restore-point']").get(0);
        assertThat(title(point)).isEqualTo("before migration V5 <add orders>");
        assertThat(point.getTextContent()).contains("V5");
        assertThat(title(all(svg, "//*[local-name()='g'][@class='now']").get(0))).endsWith("2 segments waiting for 3m");
        // every mark a reader can point at has a name
        for (Element mark : all(svg, "//*[local-name()='rect' or local-name()='polygon' or local-name()='g']")) {
            if (!mark.getAttribute("class").isEmpty() && !mark.getAttribute("class").equals("lane")) {
                assertThat(title(mark)).as(mark.getAttribute("class")).isNotBlank();
            }
        }
        assertThat(TimelineSvg.render(sample())).contains("prefers-color-scheme:dark").doesNotContain("<script")
                .doesNotContain("href");
    }

    @Test
    void marksOutsideTheRangeAreLeftOutAndNoWalSaysSo() throws Exception {
        TimelinePicture p = new TimelinePicture("x", at(5), at(6), at(6), null, List.of(), List.of(),
                List.of(new TimelinePicture.Backup("old", BackupKind.LOGICAL, false, at(1), false, false, "old")),
                List.of(), List.of(), List.of(), null);
        Document svg = parse(TimelineSvg.render(p));
        assertThat(all(svg, "//*[local-name()='g'][contains(@class,'backup')]")).isEmpty();
        assertThat(svg.getDocumentElement().getTextContent()).contains("no WAL archived");
    }

    @Test
    void aGapOfSecondsInTwoWeeksIsStillWideEnoughToSee() throws Exception {
        TimelinePicture p = new TimelinePicture("x", FROM, TO, TO, null, List.of(new TimelinePicture.Lane(1, List.of(),
                List.of(new TimelinePicture.Span(at(3), at(3).plusSeconds(1), "WAL gap")))), List.of(), List.of(),
                List.of(), List.of(), List.of(), null);
        Element gap = all(parse(TimelineSvg.render(p)), "//*[local-name()='rect'][@class='gap']").get(0);
        assertThat(Double.parseDouble(gap.getAttribute("width"))).isGreaterThanOrEqualTo(4);
        assertThat(Integer.parseInt(gap.getAttribute("height"))).isGreaterThanOrEqualTo(14);
    }

    @Test
    void aRestorePointMadeMomentsAgoKeepsItsLabelInsideThePicture() throws Exception {
        TimelinePicture p = new TimelinePicture("x", FROM, TO, TO, null, List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(new TimelinePicture.Mark(TO.minusSeconds(5), "restore point before migration V12", "before V12",
                        true)), null);
        Element label = all(parse(TimelineSvg.render(p)), "//*[local-name()='g'][@class='restore-point']/*[local-name()='text']")
                .get(0);
        assertThat(label.getTextContent()).isEqualTo("before V12");
        assertThat(label.getAttribute("text-anchor")).isEqualTo("end");
        assertThat(Double.parseDouble(label.getAttribute("x"))).isLessThan(TimelineSvg.WIDTH - TimelineSvg.RIGHT)
                .isGreaterThan(TimelineSvg.LEFT + TimelineSvg.LABEL_CHAR * 10);
    }

    @Test
    void aRestorePointAndABackupBeforeTheSameMigrationShareOneLabel() throws Exception {
        TimelinePicture p = new TimelinePicture("x", FROM, TO, TO, null, List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(new TimelinePicture.Mark(at(7), "restore point before migration V5", "before V5", true),
                        new TimelinePicture.Mark(at(7).plusSeconds(40), "before migration V5: backup b1", "before V5", true),
                        new TimelinePicture.Mark(at(9), "restore point before migration V5 (deployed again)", "before V5", true)),
                null);
        Document svg = parse(TimelineSvg.render(p));
        assertThat(all(svg, "//*[local-name()='g'][@class='restore-point']")).hasSize(3);
        assertThat(all(svg, "//*[local-name()='g'][@class='restore-point']/*[local-name()='text']"))
                .extracting(Element::getTextContent).containsExactly("before V5", "before V5");
    }

    public static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> all(Document d, String xpath) throws Exception {
        NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, d, XPathConstants.NODESET);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    static String title(Element e) {
        NodeList children = e.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if ("title".equals(children.item(i).getLocalName())) {
                return children.item(i).getTextContent();
            }
        }
        return "";
    }
}
