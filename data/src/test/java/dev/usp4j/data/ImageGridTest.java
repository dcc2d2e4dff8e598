package dev.usp4j.data;

import dev.usp4j.data.datasets.SyntheticDataset;
import dev.usp4j.tensor.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Grid layout as torchvision's make_grid, captions, PNG round trips, float-to-byte conversion as DiT's. */
class ImageGridTest {
    @TempDir
    Path dir;

    /** An image filled with one value per channel. */
    static Image solid(int w, int h, int... values) {
        byte[] px = new byte[w * h * values.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) values[i % values.length];
        }
        return new Image(w, h, values.length, px);
    }

    @Test
    void layoutAsMakeGrid() {
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            images.add(solid(4, 3, 10 + i));
        }
        Image grid = new ImageGrid().nrow(2).render(images);
        // make_grid: min(nrow, n) columns, ceil(n / cols) rows, (size + padding) per cell plus one padding.
        assertEquals(2 * (4 + 2) + 2, grid.width());
        assertEquals(3 * (3 + 2) + 2, grid.height());
        assertEquals(1, grid.channels());
        for (int i = 0; i < 5; i++) {
            int x0 = (i % 2) * 6 + 2;
            int y0 = (i / 2) * 5 + 2;
            assertEquals(10 + i, grid.get(x0, y0, 0), "cell " + i + " corner");
            assertEquals(10 + i, grid.get(x0 + 3, y0 + 2, 0), "cell " + i + " far corner");
            assertEquals(0, grid.get(x0 - 1, y0, 0), "padding left of cell " + i);
        }
        assertEquals(0, grid.get(8 + 1, 12 + 1, 0), "empty sixth cell");
        Image one = new ImageGrid().padding(0).render(List.of(solid(4, 3, 7)));
        assertEquals(solid(4, 3, 7), one);
        Image wide = new ImageGrid().padValue(255).render(images);
        assertEquals(5 * 6 + 2, wide.width(), "default 8 per row: 5 images make one row");
        assertEquals(255, wide.get(0, 0, 0));
    }

    @Test
    void greyAndRgbMixIsRgb() {
        Image grid = new ImageGrid().padding(1).render(List.of(solid(2, 2, 50), solid(2, 2, 1, 2, 3)));
        assertEquals(3, grid.channels());
        assertEquals(50, grid.get(1, 1, 2));
        assertEquals(3, grid.get(4, 1, 2));
    }

    @Test
    void captionsAreDrawnInTheirStrip() {
        SyntheticDataset ds = new SyntheticDataset(6, 28, 28, 3, 3, 1);
        List<Image> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            images.add(ds.get(i).image());
            captions.add(i == 2 ? null : "a rather long caption " + ds.classes().get(ds.get(i).label()));
        }
        ImageGrid g = new ImageGrid().nrow(3);
        Image grid = g.render(images, captions);
        assertEquals(2 * (28 + g.captionHeight() + 2) + 2, grid.height());
        assertTrue(stripHasInk(grid, 0, 28, g), "caption 0 drawn");
        assertFalse(stripHasInk(grid, 2, 28, g), "null caption leaves the strip blank");
        // Images themselves are untouched by captions.
        assertEquals(images.get(4).get(10, 10, 1), grid.get(30 + 2 + 10, 28 + g.captionHeight() + 2 + 2 + 10, 1));
        assertThrows(IllegalArgumentException.class, () -> g.render(images, Collections.nCopies(5, "x")));
    }

    private static boolean stripHasInk(Image grid, int cell, int size, ImageGrid g) {
        int x0 = (cell % 3) * (size + 2) + 2;
        int y0 = (cell / 3) * (size + g.captionHeight() + 2) + 2 + size;
        for (int y = y0; y < y0 + g.captionHeight(); y++) {
            for (int x = x0; x < x0 + size; x++) {
                if (grid.get(x, y, 0) > 100) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void pngRoundTrip() throws Exception {
        SyntheticDataset rgb = new SyntheticDataset(3, 9, 7, 3, 3, 5);
        SyntheticDataset grey = new SyntheticDataset(3, 9, 7, 1, 3, 5);
        for (Image im : List.of(rgb.get(1).image(), grey.get(2).image())) {
            Path f = dir.resolve("sub/one-" + im.channels() + ".png");
            ImageFiles.writePng(im, f);
            assertEquals(im, ImageFiles.read(f, ColorMode.AUTO));
        }
        List<Image> images = List.of(rgb.get(0).image(), rgb.get(1).image(), rgb.get(2).image());
        Path f = dir.resolve("grid.png");
        new ImageGrid().nrow(2).writePng(images, List.of("0", "1", "2"), f);
        new ImageGrid().nrow(2).writePng(images, null, f); // replaces the file
        assertEquals(new ImageGrid().nrow(2).render(images), ImageFiles.read(f, ColorMode.RGB));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("grid.png", "sub"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary files left behind");
        }
    }

    @Test
    void floatConversionAsDit() {
        float[] x = {-1f, 1f, 0f, -2f, 2f, Float.NaN, 0.5f, -0.5f, 0.003f, -0.0039f, 0.996f, 0.99f};
        List<Image> images = FloatImages.fromSymmetric(NDArray.of(x, 2, 3, 1, 2));
        assertEquals(2, images.size());
        // Expected bytes: clamp(127.5 * x + 128, 0, 255) truncated, as torch's .to(uint8) after clamp does.
        int[] expected = {0, 255, 128, 0, 255, 0, 191, 64, 128, 127, 254, 254};
        int[] got = new int[12];
        for (int n = 0; n < 2; n++) {
            Image im = images.get(n);
            assertEquals(3, im.channels());
            assertEquals(2, im.width());
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 2; p++) {
                    got[n * 6 + c * 2 + p] = im.get(p, 0, c);
                }
            }
        }
        assertArrayEquals(expected, got);
        assertThrows(IllegalArgumentException.class, () -> FloatImages.fromSymmetric(NDArray.of(x, 3, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> FloatImages.fromSymmetric(NDArray.of(x, 1, 2, 3, 2)));
    }

    @Test
    void sizeMismatchIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageGrid().render(List.of(solid(2, 2, 0), solid(3, 2, 0))));
        assertTrue(e.getMessage().contains("image 1 is 3×2"), e.getMessage());
    }
}
