package dev.usp4j.usp.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Charts decode as PNGs of the asked size, draw each series in its colour, skip gaps and say when there is no data. */
class LineChartTest {
    @TempDir
    Path dir;

    private static int count(BufferedImage img, Color c) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void writesADecodablePngWithEachSeriesColour() throws Exception {
        double[] x = {0, 100, 200, 300, 400};
        LineChart c = new LineChart("loss", "step", "loss").logY(true)
                .add(new Series("dit-scratch", x, new double[] {1.0, 0.6, 0.4, 0.3, 0.25}))
                .add(new Series("dit-usp", x, new double[] {0.8, 0.5, Double.NaN, 0.2, 0.15}));
        Path f = dir.resolve("plots/loss.png");
        c.writePng(f);
        assertFalse(Files.exists(dir.resolve("plots/loss.png.tmp")));
        BufferedImage img = ImageIO.read(f.toFile());
        assertEquals(LineChart.WIDTH, img.getWidth());
        assertEquals(LineChart.HEIGHT, img.getHeight());
        // far more pixels than the legend swatch (18×6) alone: the lines are drawn
        assertTrue(count(img, LineChart.colour(0)) > 300, "series 0 colour: " + count(img, LineChart.colour(0)));
        assertTrue(count(img, LineChart.colour(1)) > 200, "series 1 colour: " + count(img, LineChart.colour(1)));
        assertEquals(0, count(img, LineChart.colour(2)), "no third series");
        BufferedImage small = c.render(320, 200);
        assertEquals(320, small.getWidth());
    }

    @Test
    void seriesWithoutDataAreLeftOutAndAnEmptyChartSaysSo() {
        LineChart c = new LineChart("FID", "step", "FID")
                .add(new Series("all-nan", new double[] {1, 2}, new double[] {Double.NaN, Double.NaN}))
                .add(new Series("ok", new double[] {1, 2}, new double[] {3, 4}));
        assertTrue(c.hasData());
        BufferedImage img = c.render(LineChart.WIDTH, LineChart.HEIGHT);
        assertEquals(0, count(img, LineChart.colour(0)), "the NaN series draws nothing, not even a legend entry");
        assertTrue(count(img, LineChart.colour(1)) > 0);

        LineChart empty = new LineChart("nothing yet", "step", "loss").logY(true)
                .add(new Series("empty", new double[0], new double[0]))
                .add(new Series("negative on log", new double[] {1}, new double[] {-1}));
        assertFalse(empty.hasData());
        BufferedImage e = empty.render(LineChart.WIDTH, LineChart.HEIGHT);
        assertEquals(0, count(e, LineChart.colour(0)) + count(e, LineChart.colour(1)));
        assertTrue(count(e, Color.WHITE) < LineChart.WIDTH * LineChart.HEIGHT, "frame and 'no data' drawn");
    }

    @Test
    void aSinglePointStillShows() {
        BufferedImage img = new LineChart("one", "step", "v")
                .add(new Series("p", new double[] {5}, new double[] {2})).render(400, 300);
        assertTrue(count(img, LineChart.colour(0)) > 18 * 6, "legend swatch plus a marker");
    }

    @Test
    void ticksAreRound() {
        assertArrayEquals(new double[] {0, 100, 200, 300, 400}, Ticks.linear(0, 400, 5));
        assertArrayEquals(new double[] {0.2, 0.3, 0.4, 0.5, 0.6, 0.7}, Ticks.linear(0.23, 0.68, 6), 1e-12);
        assertArrayEquals(new double[] {0.1, 0.2, 0.5, 1, 2, 5, 10}, Ticks.log(0.15, 7), 1e-12);
        assertArrayEquals(new double[] {1, 10, 100, 1000, 10000}, Ticks.log(3, 5000), 1e-9);
        assertArrayEquals(new double[] {0.1, 0.2, 0.5, 1, 2}, Ticks.log(0.14, 1.2), 1e-12);
        assertArrayEquals(new double[] {0.2, 0.5}, Ticks.log(0.2, 0.3), 1e-12);
        assertArrayEquals(new double[] {1, 2}, Ticks.log(1, 1), 1e-12);
        assertArrayEquals(new double[] {1, 2}, Ticks.linear(1, 2, 8, true));
        assertEquals(0.2, Ticks.linear(1, 2, 8)[1] - 1, 1e-12);
        double[] flat = Ticks.linear(2, 2, 5);
        assertTrue(flat[0] < 2 && flat[flat.length - 1] > 2);
        assertEquals("0.25", Ticks.label(0.25));
        assertEquals("400", Ticks.label(400));
        assertEquals("1e+07", Ticks.label(1e7));
        assertEquals("0", Ticks.label(0));
    }

    @Test
    void emaIsDebiasedAndKeepsGaps() {
        Series s = new Series("l", new double[] {1, 2, 3, 4}, new double[] {2, 2, Double.NaN, 2}).ema(0.9);
        assertArrayEquals(new double[] {2, 2, Double.NaN, 2}, s.y(), 1e-12);
        Series t = new Series("l", new double[] {1, 2}, new double[] {0, 1}).ema(0.5);
        assertEquals(2.0 / 3.0, t.y()[1], 1e-12); // (0.5·0.5·0 + 0.5·1) / (0.5·0.5 + 0.5)
    }

    @Test
    void badInputsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Series("s", new double[2], new double[3]));
        assertTrue(e.getMessage().contains("'s'") && e.getMessage().contains("2") && e.getMessage().contains("3"));
        assertThrows(IllegalArgumentException.class, () -> new LineChart("t", "x", "y").render(10, 10));
        assertThrows(IllegalArgumentException.class, () -> Ticks.log(0, 1));
    }
}
