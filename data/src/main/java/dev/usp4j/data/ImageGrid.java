package dev.usp4j.data;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.nio.file.Path;
import java.util.List;

/**
 * Tiles images of one size into a single picture, as torchvision's {@code make_grid} (and {@code save_image}) does
 * for sample sheets: {@code nrow} images per row (torchvision's name, though it counts columns), {@code padding}
 * pixels of {@code padValue} around and between cells, cells left empty after the last image. Defaults are
 * torchvision's: 8 per row, padding 2, pad value 0 (black). Unlike make_grid, grey images stay one channel (the PNG
 * looks the same and is a third the size); a mix of grey and RGB is drawn in RGB. Optional captions (e.g. class
 * names) are drawn with java.awt under each cell, in a strip of {@link #captionHeight} pixels, white on a dark pad
 * value and black on a light one, cut with "…" when wider than the cell. Configure with the fluent setters, then
 * {@link #render} or {@link #writePng}.
 */
public final class ImageGrid {
    private int nrow = 8;
    private int padding = 2;
    private int padValue = 0;
    private int fontSize = 10;

    /** Images per row (≥ 1); the number of rows follows. */
    public ImageGrid nrow(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("ImageGrid.nrow: expected >= 1, got " + n);
        }
        this.nrow = n;
        return this;
    }

    /** Pixels of border around and between cells (≥ 0). */
    public ImageGrid padding(int p) {
        if (p < 0) {
            throw new IllegalArgumentException("ImageGrid.padding: expected >= 0, got " + p);
        }
        this.padding = p;
        return this;
    }

    /** The grey level 0…255 of padding and caption strips. */
    public ImageGrid padValue(int v) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("ImageGrid.padValue: expected 0..255, got " + v);
        }
        this.padValue = v;
        return this;
    }

    /** Caption font size in pixels (≥ 6). */
    public ImageGrid fontSize(int px) {
        if (px < 6) {
            throw new IllegalArgumentException("ImageGrid.fontSize: expected >= 6, got " + px);
        }
        this.fontSize = px;
        return this;
    }

    /** Height of the caption strip under each cell: the font size plus room for descenders. */
    public int captionHeight() {
        return fontSize + fontSize / 2;
    }

    /** The grid of {@code images}, without captions. */
    public Image render(List<Image> images) {
        return render(images, null);
    }

    /**
     * The grid of {@code images}, with {@code captions.get(i)} under image i (null for none; otherwise one per image,
     * null entries left blank).
     */
    public Image render(List<Image> images, List<String> captions) {
        return fromBufferedImage(draw(images, captions));
    }

    /** Renders and writes the grid as a PNG (temporary file, then renamed into place). */
    public void writePng(List<Image> images, List<String> captions, Path file) {
        ImageFiles.writePng(draw(images, captions), file);
    }

    private BufferedImage draw(List<Image> images, List<String> captions) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("ImageGrid: no images to tile");
        }
        if (captions != null && captions.size() != images.size()) {
            throw new IllegalArgumentException("ImageGrid: " + captions.size() + " captions for " + images.size()
                    + " images");
        }
        Image first = images.getFirst();
        int w = first.width();
        int h = first.height();
        int channels = 1;
        for (int i = 0; i < images.size(); i++) {
            Image im = images.get(i);
            if (im.width() != w || im.height() != h) {
                throw new IllegalArgumentException("ImageGrid: image " + i + " is " + im.width() + "×" + im.height()
                        + ", expected " + w + "×" + h + " like image 0");
            }
            channels = Math.max(channels, im.channels());
        }
        int n = images.size();
        int cols = Math.min(nrow, n);
        int rows = (n + cols - 1) / cols;
        int strip = captions == null ? 0 : captionHeight();
        int cellW = w + padding;
        int cellH = h + strip + padding;
        int gridW = cols * cellW + padding;
        int gridH = rows * cellH + padding;
        BufferedImage grid = new BufferedImage(gridW, gridH,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = grid.getRaster();
        int[] fill = new int[gridW * channels];
        java.util.Arrays.fill(fill, padValue);
        for (int y = 0; y < gridH; y++) {
            raster.setPixels(0, y, gridW, 1, fill);
        }
        int[] row = new int[w * channels];
        for (int i = 0; i < n; i++) {
            Image im = images.get(i);
            int x0 = (i % cols) * cellW + padding;
            int y0 = (i / cols) * cellH + padding;
            byte[] px = im.pixels();
            int c = im.channels();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ch = 0; ch < channels; ch++) {
                        // A grey image in an RGB grid repeats its one channel.
                        row[x * channels + ch] = px[(y * w + x) * c + (c == 1 ? 0 : ch)] & 0xFF;
                    }
                }
                raster.setPixels(x0, y0 + y, w, 1, row);
            }
        }
        if (captions != null && FontSupport.availableFor("image grid captions")) {
            drawCaptions(grid, captions, cols, w, h, cellW, cellH);
        }
        return grid;
    }

    private void drawCaptions(BufferedImage grid, List<String> captions, int cols, int w, int h, int cellW,
                              int cellH) {
        Graphics2D g = grid.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, fontSize));
            g.setColor(padValue < 128 ? Color.WHITE : Color.BLACK);
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < captions.size(); i++) {
                String text = captions.get(i);
                if (text == null || text.isEmpty()) {
                    continue;
                }
                String fitted = fit(text, fm, w);
                int x0 = (i % cols) * cellW + padding;
                int y0 = (i / cols) * cellH + padding + h;
                int tx = x0 + Math.max(0, (w - fm.stringWidth(fitted)) / 2);
                // Clip to the strip so that a long caption never paints over its neighbour.
                g.setClip(x0, y0, w, captionHeight());
                g.drawString(fitted, tx, y0 + fontSize);
            }
        } finally {
            g.dispose();
        }
    }

    private static String fit(String text, FontMetrics fm, int width) {
        if (fm.stringWidth(text) <= width) {
            return text;
        }
        for (int end = text.length() - 1; end > 0; end--) {
            String cut = text.substring(0, end) + "…";
            if (fm.stringWidth(cut) <= width) {
                return cut;
            }
        }
        return text.substring(0, 1);
    }

    private static Image fromBufferedImage(BufferedImage bi) {
        int c = bi.getRaster().getNumBands();
        int w = bi.getWidth();
        int h = bi.getHeight();
        int[] samples = bi.getRaster().getPixels(0, 0, w, h, (int[]) null);
        byte[] px = new byte[samples.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) samples[i];
        }
        return new Image(w, h, c, px);
    }
}
