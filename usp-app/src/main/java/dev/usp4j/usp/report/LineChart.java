package dev.usp4j.usp.report;

import dev.usp4j.data.FontSupport;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A line chart drawn with Java2D and written as PNG, for the pipeline's loss, FID and accuracy curves: title, axes
 * with round tick values and labels, a legend, one colour per series from {@link #PALETTE}, optionally a log y axis.
 * Gaps (NaN, and non-positive values on a log axis) break a line; series without any data are named under the plot
 * instead of in the legend, and a chart with no data at all says so. Rendering needs no display: the class turns on
 * AWT's headless mode before any AWT class loads unless the property was set explicitly.
 */
public final class LineChart {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** The series colours, in order (matplotlib's "tab10" hues, easy to tell apart). */
    public static final List<Color> PALETTE = List.of(new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f));
    public static final int WIDTH = 800;
    public static final int HEIGHT = 480;
    private static final int MARKERS_UP_TO = 30;
    private static final Color GRID = new Color(0xe6e6e6);
    private static final Color INK = new Color(0x333333);

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;

    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Uses a logarithmic y axis (for losses); returns this chart. */
    public LineChart logY(boolean on) {
        this.logY = on;
        return this;
    }

    /** Adds a series; it takes the next colour of {@link #PALETTE}. Returns this chart. */
    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    /** The colour series number {@code i} is drawn in. */
    public static Color colour(int i) {
        return PALETTE.get(i % PALETTE.size());
    }

    /** True when some series has a point to draw. */
    public boolean hasData() {
        return series.stream().anyMatch(s -> s.hasData(logY));
    }

    /** Writes the chart as a {@link #WIDTH}×{@link #HEIGHT} PNG (temp file, then rename). */
    public void writePng(Path file) throws IOException {
        writePng(file, WIDTH, HEIGHT);
    }

    public void writePng(Path file, int width, int height) throws IOException {
        BufferedImage img = render(width, height);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        if (!ImageIO.write(img, "png", tmp.toFile())) {
            throw new IOException("LineChart: no PNG writer in this JDK for " + file);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Draws the chart on a new RGB image of the given size. */
    public BufferedImage render(int width, int height) {
        if (width < 200 || height < 150) {
            throw new IllegalArgumentException("LineChart.render: size " + width + "x" + height
                    + " is too small; expected at least 200x150");
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            if (!FontSupport.availableFor("chart labels")) {
                // Lines and axes only: a chart without labels beats a run that fails at its report.
                Plot p = new Plot(78, 40, width - 78 - 24, height - 40 - 62);
                g.setColor(INK);
                g.drawRect(p.x, p.y, p.w, p.h);
                if (hasData()) {
                    axes(g, p, false);
                    for (int i = 0; i < series.size(); i++) {
                        line(g, p, series.get(i), colour(i));
                    }
                }
                return img;
            }
            Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            g.setFont(base.deriveFont(Font.BOLD, 15f));
            g.setColor(INK);
            centre(g, title, width / 2, 24);
            g.setFont(base);
            Plot p = new Plot(78, 40, width - 78 - 24, height - 40 - 62);
            g.setColor(INK);
            centre(g, xLabel, p.x + p.w / 2, height - 26);
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            centre(g, yLabel + (logY ? " (log scale)" : ""), -(p.y + p.h / 2), 18);
            g.setTransform(saved);
            List<String> empty = series.stream().filter(s -> !s.hasData(logY)).map(Series::name).toList();
            if (!empty.isEmpty()) {
                g.setColor(Color.GRAY);
                g.drawString("no data: " + String.join(", ", empty), 8, height - 8);
            }
            if (!hasData()) {
                g.setColor(INK);
                g.drawRect(p.x, p.y, p.w, p.h);
                g.setFont(base.deriveFont(Font.ITALIC, 16f));
                centre(g, "no data", p.x + p.w / 2, p.y + p.h / 2);
                return img;
            }
            axes(g, p, true);
            for (int i = 0; i < series.size(); i++) {
                line(g, p, series.get(i), colour(i));
            }
            legend(g, p);
            return img;
        } finally {
            g.dispose();
        }
    }

    /** The plot area in pixels and the data ranges it shows (y as log10 on a log axis). */
    private static final class Plot {
        final int x;
        final int y;
        final int w;
        final int h;
        double x0;
        double x1;
        double y0;
        double y1;

        Plot(int x, int y, int w, int h) {
            this.x = x;
            this.y = y;
            this.w = w;
            this.h = h;
        }

        double px(double v) {
            return x + (v - x0) / (x1 - x0) * w;
        }

        double py(double v) {
            return y + h - (v - y0) / (y1 - y0) * h;
        }
    }

    private double yv(double v) {
        return logY ? Math.log10(v) : v;
    }

    /** Grid, ticks and frame; tick labels only when {@code labels} (fonts available). */
    private void axes(Graphics2D g, Plot p, boolean labels) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.size(); i++) {
                if (s.usable(i, logY)) {
                    xMin = Math.min(xMin, s.xAt(i));
                    xMax = Math.max(xMax, s.xAt(i));
                    yMin = Math.min(yMin, s.yAt(i));
                    yMax = Math.max(yMax, s.yAt(i));
                }
            }
        }
        double[] xt = Ticks.linear(xMin, xMax, 8, integerX());
        double[] yt = logY ? Ticks.log(yMin, yMax) : Ticks.linear(yMin, yMax, 6);
        p.x0 = xt[0];
        p.x1 = xt[xt.length - 1];
        p.y0 = yv(yt[0]);
        p.y1 = yv(yt[yt.length - 1]);
        FontMetrics fm = labels ? g.getFontMetrics() : null;
        for (double t : xt) {
            int px = (int) Math.round(p.px(t));
            g.setColor(GRID);
            g.drawLine(px, p.y, px, p.y + p.h);
            g.setColor(INK);
            g.drawLine(px, p.y + p.h, px, p.y + p.h + 4);
            if (labels) {
                centre(g, Ticks.label(t), px, p.y + p.h + 6 + fm.getAscent());
            }
        }
        for (double t : yt) {
            int py = (int) Math.round(p.py(yv(t)));
            g.setColor(GRID);
            g.drawLine(p.x, py, p.x + p.w, py);
            g.setColor(INK);
            g.drawLine(p.x - 4, py, p.x, py);
            if (labels) {
                String l = Ticks.label(t);
                g.drawString(l, p.x - 7 - fm.stringWidth(l), py + fm.getAscent() / 2 - 1);
            }
        }
        g.setColor(INK);
        g.drawRect(p.x, p.y, p.w, p.h);
    }

    private boolean integerX() {
        for (Series s : series) {
            for (int i = 0; i < s.size(); i++) {
                if (s.usable(i, logY) && s.xAt(i) != Math.rint(s.xAt(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private void line(Graphics2D g, Plot p, Series s, Color c) {
        g.setColor(c);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D.Double path = new Path2D.Double();
        boolean open = false;
        int usable = 0;
        for (int i = 0; i < s.size(); i++) {
            if (!s.usable(i, logY)) {
                open = false;
                continue;
            }
            usable++;
            double px = p.px(s.xAt(i));
            double py = p.py(yv(s.yAt(i)));
            if (open) {
                path.lineTo(px, py);
            } else {
                path.moveTo(px, py);
                open = true;
            }
        }
        g.draw(path);
        for (int i = 0; i < s.size(); i++) {
            boolean alone = s.usable(i, logY) && (i == 0 || !s.usable(i - 1, logY))
                    && (i == s.size() - 1 || !s.usable(i + 1, logY));
            if (s.usable(i, logY) && (usable <= MARKERS_UP_TO || alone)) {
                double px = p.px(s.xAt(i));
                double py = p.py(yv(s.yAt(i)));
                g.fill(new java.awt.geom.Ellipse2D.Double(px - 3.5, py - 3.5, 7, 7));
            }
        }
        g.setStroke(new BasicStroke(1f));
    }

    private void legend(Graphics2D g, Plot p) {
        FontMetrics fm = g.getFontMetrics();
        List<Integer> shown = new ArrayList<>();
        int textW = 0;
        for (int i = 0; i < series.size(); i++) {
            if (series.get(i).hasData(logY)) {
                shown.add(i);
                textW = Math.max(textW, fm.stringWidth(series.get(i).name()));
            }
        }
        int row = fm.getHeight() + 2;
        int w = textW + 40;
        int h = shown.size() * row + 8;
        int x = p.x + p.w - w - 8;
        int y = p.y + 8;
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRect(x, y, w, h);
        g.setColor(Color.LIGHT_GRAY);
        g.drawRect(x, y, w, h);
        for (int k = 0; k < shown.size(); k++) {
            int i = shown.get(k);
            int ry = y + 4 + k * row;
            g.setColor(colour(i));
            g.fillRect(x + 8, ry + row / 2 - 3, 18, 6);
            g.setColor(INK);
            g.drawString(series.get(i).name(), x + 32, ry + fm.getAscent());
        }
    }

    private static void centre(Graphics2D g, String text, int cx, int baseline) {
        g.drawString(text, cx - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }
}
