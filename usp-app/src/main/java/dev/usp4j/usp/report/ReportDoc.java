package dev.usp4j.usp.report;

import dev.usp4j.usp.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A small report document (headings, paragraphs, bullet lists, tables, images) written two ways from the same
 * content: Markdown that links its images by relative path, and a self-contained HTML page with inline CSS whose
 * images are embedded as {@code data:image/png;base64} URIs, so the page can be mailed or archived alone. All text
 * is escaped for the target format ({@code <}, {@code &} and quotes in HTML; {@code |} in Markdown table cells).
 */
public final class ReportDoc {
    private sealed interface Block permits Heading, Paragraph, Bullets, Table, Image {
    }

    private record Heading(int level, String text) implements Block {
    }

    private record Paragraph(String text) implements Block {
    }

    private record Bullets(List<String> items) implements Block {
    }

    private record Table(List<String> header, List<List<String>> rows) implements Block {
    }

    private record Image(String caption, String path) implements Block {
    }

    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1000px;margin:2em auto;\
            padding:0 1em;color:#222;line-height:1.45}
            h1{border-bottom:2px solid #ddd;padding-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #eee}
            table{border-collapse:collapse;margin:1em 0;font-size:.92em}
            th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left;vertical-align:top}
            th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}
            img{max-width:100%;border:1px solid #eee}.missing{color:#a00}
            """;

    private final String title;
    private final List<Block> blocks = new ArrayList<>();

    public ReportDoc(String title) {
        this.title = title;
    }

    /** A section heading ({@code level} 2 or 3; the title is level 1). */
    public ReportDoc heading(int level, String text) {
        if (level < 2 || level > 4) {
            throw new IllegalArgumentException("ReportDoc.heading: level must be 2..4, got " + level);
        }
        blocks.add(new Heading(level, text));
        return this;
    }

    public ReportDoc paragraph(String text) {
        blocks.add(new Paragraph(text));
        return this;
    }

    public ReportDoc bullets(List<String> items) {
        if (!items.isEmpty()) {
            blocks.add(new Bullets(List.copyOf(items)));
        }
        return this;
    }

    /** A table; every row must have as many cells as the header. */
    public ReportDoc table(List<String> header, List<List<String>> rows) {
        for (List<String> r : rows) {
            if (r.size() != header.size()) {
                throw new IllegalArgumentException("ReportDoc.table: a row has " + r.size() + " cells " + r
                        + " but the header has " + header.size() + " " + header);
            }
        }
        blocks.add(new Table(List.copyOf(header), rows.stream().map(List::copyOf).toList()));
        return this;
    }

    /** A PNG image at {@code path}, relative to the folder the report is written to, under a caption. */
    public ReportDoc image(String caption, String path) {
        blocks.add(new Image(caption, path));
        return this;
    }

    /** The document as Markdown; images are linked by their relative paths. */
    public String markdown() {
        StringBuilder b = new StringBuilder("# ").append(title).append("\n\n");
        for (Block block : blocks) {
            switch (block) {
                case Heading h -> b.append("#".repeat(h.level())).append(' ').append(h.text()).append("\n\n");
                case Paragraph p -> b.append(p.text()).append("\n\n");
                case Bullets l -> {
                    l.items().forEach(i -> b.append("- ").append(i).append('\n'));
                    b.append('\n');
                }
                case Table t -> {
                    mdRow(b, t.header());
                    b.append("|---".repeat(t.header().size())).append("|\n");
                    t.rows().forEach(r -> mdRow(b, r));
                    b.append('\n');
                }
                case Image i -> b.append("**").append(i.caption()).append("**\n\n![").append(i.caption())
                        .append("](").append(i.path()).append(")\n\n");
            }
        }
        return b.toString();
    }

    private static void mdRow(StringBuilder b, List<String> cells) {
        for (String c : cells) {
            b.append("| ").append(c.replace("|", "\\|").replace("\n", " ")).append(' ');
        }
        b.append("|\n");
    }

    /** The document as one self-contained HTML page; images are read from {@code base} and embedded. */
    public String html(Path base) throws IOException {
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        b.append("<title>").append(escape(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n");
        b.append("</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n");
        for (Block block : blocks) {
            switch (block) {
                case Heading h -> b.append("<h").append(h.level()).append('>').append(escape(h.text())).append("</h")
                        .append(h.level()).append(">\n");
                case Paragraph p -> b.append("<p>").append(escape(p.text())).append("</p>\n");
                case Bullets l -> {
                    b.append("<ul>\n");
                    l.items().forEach(i -> b.append("<li>").append(escape(i)).append("</li>\n"));
                    b.append("</ul>\n");
                }
                case Table t -> htmlTable(b, t);
                case Image i -> {
                    b.append("<figure>\n<figcaption>").append(escape(i.caption())).append("</figcaption>\n");
                    Path f = base.resolve(i.path());
                    if (Files.isRegularFile(f)) {
                        b.append("<img alt=\"").append(escape(i.caption())).append("\" src=\"data:image/png;base64,")
                                .append(Base64.getEncoder().encodeToString(Files.readAllBytes(f))).append("\">\n");
                    } else {
                        b.append("<p class=\"missing\">(image missing: ").append(escape(i.path())).append(")</p>\n");
                    }
                    b.append("</figure>\n");
                }
            }
        }
        return b.append("</body>\n</html>\n").toString();
    }

    private static void htmlTable(StringBuilder b, Table t) {
        b.append("<table>\n<thead><tr>");
        t.header().forEach(h -> b.append("<th>").append(escape(h)).append("</th>"));
        b.append("</tr></thead>\n<tbody>\n");
        for (List<String> r : t.rows()) {
            b.append("<tr>");
            for (String c : r) {
                b.append(isNumber(c) ? "<td class=\"num\">" : "<td>").append(escape(c)).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody>\n</table>\n");
    }

    private static boolean isNumber(String s) {
        return s.matches("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?%?");
    }

    /** {@code text} with the five HTML-special characters replaced by entities. */
    public static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** Writes {@link #markdown()} to {@code file} (temp file, then rename). */
    public Path writeMarkdown(Path file) throws IOException {
        return AtomicFiles.writeString(file, markdown());
    }

    /** Writes {@link #html} to {@code file}, embedding images relative to its folder (temp file, then rename). */
    public Path writeHtml(Path file) throws IOException {
        return AtomicFiles.writeString(file, html(file.toAbsolutePath().getParent()));
    }
}
