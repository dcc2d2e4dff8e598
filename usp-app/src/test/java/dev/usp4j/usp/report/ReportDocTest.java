package dev.usp4j.usp.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same document as Markdown (linked images) and as self-contained HTML (embedded images, escaped text). */
class ReportDocTest {
    @TempDir
    Path dir;

    private ReportDoc doc() throws Exception {
        new LineChart("c", "x", "y").add(new Series("s", new double[] {0, 1}, new double[] {0, 1}))
                .writePng(dir.resolve("plots/c.png"), 300, 200);
        return new ReportDoc("Run <tiny> & co")
                .paragraph("FID \"classifier features\" < 1 & it's fine")
                .heading(2, "Table")
                .table(List.of("model", "FID"), List.of(List.of("a|b", "1.5"), List.of("<script>", "2")))
                .bullets(List.of("first & only"))
                .image("chart", "plots/c.png")
                .image("gone", "missing.png");
    }

    @Test
    void htmlIsSelfContainedAndEscaped() throws Exception {
        Path f = doc().writeHtml(dir.resolve("report.html"));
        assertFalse(Files.exists(dir.resolve("report.html.tmp")));
        String html = Files.readString(f);
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<style>"), html);
        assertTrue(html.contains("<title>Run &lt;tiny&gt; &amp; co</title>"), html);
        assertTrue(html.contains("FID &quot;classifier features&quot; &lt; 1 &amp; it&#39;s fine"), html);
        assertTrue(html.contains("<td>&lt;script&gt;</td>") && !html.contains("<script>"), html);
        assertTrue(html.contains("<th>model</th><th>FID</th>") && html.contains("<td class=\"num\">1.5</td>"), html);
        assertTrue(html.contains("<li>first &amp; only</li>"), html);
        assertTrue(html.contains("(image missing: missing.png)"), html);
        assertFalse(html.contains("src=\"plots/"), "no linked files");
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        assertTrue(m.find(), html);
        assertArrayEquals(Files.readAllBytes(dir.resolve("plots/c.png")), Base64.getDecoder().decode(m.group(1)));
    }

    @Test
    void markdownLinksImagesAndEscapesPipesInCells() throws Exception {
        String md = Files.readString(doc().writeMarkdown(dir.resolve("report.md")));
        assertTrue(md.startsWith("# Run <tiny> & co\n"), md);
        assertTrue(md.contains("| model | FID |\n|---|---|\n| a\\|b | 1.5 |\n"), md);
        assertTrue(md.contains("![chart](plots/c.png)"), md);
        assertTrue(md.contains("- first & only\n"), md);
    }

    @Test
    void raggedTablesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ReportDoc("t")
                .table(List.of("a", "b"), List.of(List.of("1"))));
        assertTrue(e.getMessage().contains("1 cells") && e.getMessage().contains("header has 2"), e.getMessage());
        assertEquals("&lt;&amp;&gt;", ReportDoc.escape("<&>"));
    }
}
