package dev.usp4j.data.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The random transforms: seeded reproducibility, fixed generator consumption, flip probability, and the bounds and
 * statistics of RandomResizedCrop's parameters (whose pixels, given the parameters, TransformsGoldenTest checks
 * against PIL). Also torchvision's size arithmetic for Resize and the ADM crop on a larger image.
 */
class RandomTransformsTest {

    private static Image gradient(int w, int h, int c) {
        byte[] px = new byte[w * h * c];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 7 + i / (w * c) * 13);
        }
        return new Image(w, h, c, px);
    }

    @Test
    void drawsAreNdArrayRand() {
        float[] mine = RandomDraws.uniforms(new Generator(11), 6);
        float[] theirs = NDArray.rand(new Generator(11), 6).toFloatArray();
        assertArrayEquals(theirs, mine);
    }

    @Test
    void flipIsSeededAndTakesOneBlockPerCall() {
        Image img = gradient(9, 5, 3);
        RandomHorizontalFlip flip = RandomHorizontalFlip.half();
        Generator a = new Generator(42);
        Generator b = new Generator(42);
        for (int i = 0; i < 50; i++) {
            assertEquals(flip.apply(img, a), flip.apply(img, b));
            assertEquals(i + 1, a.state());
        }
        Image flipped = Images.flipHorizontal(img);
        assertEquals(img.get(0, 2, 1), flipped.get(8, 2, 1));
        assertEquals(img, Images.flipHorizontal(flipped));
    }

    @Test
    void flipProbability() {
        Image img = gradient(4, 3, 1);
        Image flipped = Images.flipHorizontal(img);
        Generator gen = new Generator(7);
        int n = 4000;
        for (double p : new double[] {0.0, 0.3, 0.5, 1.0}) {
            RandomHorizontalFlip flip = new RandomHorizontalFlip(p);
            int count = 0;
            for (int i = 0; i < n; i++) {
                Image out = flip.apply(img, gen);
                if (out.equals(flipped)) {
                    count++;
                } else {
                    assertSame(img, out);
                }
            }
            double sigma = Math.sqrt(n * p * (1 - p));
            assertTrue(Math.abs(count - n * p) <= 4 * sigma + 1e-9, "p=" + p + ": flipped " + count + " of " + n);
        }
    }

    @Test
    void resizedCropParamsStayInBoundsAndFollowScaleAndRatio() {
        RandomResizedCrop rrc = RandomResizedCrop.mae(16);
        Generator gen = new Generator(2024);
        int[][] sizes = {{37, 23}, {500, 375}, {224, 224}, {7, 300}, {1, 1}};
        for (int[] s : sizes) {
            int w = s[0];
            int h = s[1];
            double sumFraction = 0;
            int n = 2000;
            double sumRelTop = 0;
            double maxRelTop = 0;
            double minRelLeft = 1;
            int slack = 0;
            for (int i = 0; i < n; i++) {
                RandomResizedCrop.Params p = rrc.sample(w, h, gen);
                String where = w + "×" + h + ": " + p;
                assertTrue(p.top() >= 0 && p.left() >= 0 && p.height() > 0 && p.width() > 0, where);
                assertTrue(p.top() + p.height() <= h && p.left() + p.width() <= w, where);
                if (p.height() < h && p.width() < w) {
                    // Offsets are uniform over the valid range: relative position top / (H − h) is uniform on [0, 1].
                    double relTop = (double) p.top() / (h - p.height());
                    sumRelTop += relTop;
                    maxRelTop = Math.max(maxRelTop, relTop);
                    minRelLeft = Math.min(minRelLeft, (double) p.left() / (w - p.width()));
                    slack++;
                }
                sumFraction += (double) p.width() * p.height() / ((double) w * h);
            }
            double mean = sumFraction / n;
            assertTrue(mean > 0 && mean <= 1.0, w + "×" + h + ": mean area fraction " + mean);
            if (w == 7) {
                // No sampled crop can be 7 wide: always the fallback, 7 × round(7 / (3/4)) = 7 × 9 at the centre.
                assertEquals(new RandomResizedCrop.Params(145, 0, 9, 7), rrc.sample(w, h, gen));
            }
            if (w == 500) {
                // Large image: rounding is negligible, so every crop's area and ratio must respect the ranges.
                for (int i = 0; i < 500; i++) {
                    RandomResizedCrop.Params p = rrc.sample(w, h, gen);
                    double frac = (double) p.width() * p.height() / (w * h);
                    double ratio = (double) p.width() / p.height();
                    assertTrue(frac > 0.2 - 0.01 && frac <= 1.0 + 0.01, "area fraction " + frac);
                    assertTrue(ratio > 0.75 - 0.01 && ratio < 4.0 / 3 + 0.01, "ratio " + ratio);
                }
                // Uniform scale on (0.2, 1) but rejecting crops that do not fit: mean a little below 0.6.
                assertTrue(mean > 0.45 && mean < 0.62, "mean area fraction " + mean);
                assertTrue(slack > n / 2, "most crops leave room to move: " + slack);
                assertTrue(Math.abs(sumRelTop / slack - 0.5) < 0.05, "mean relative top " + sumRelTop / slack);
                assertTrue(maxRelTop > 0.97 && minRelLeft < 0.03, "offsets span the range: " + maxRelTop + ", "
                        + minRelLeft);
            }
        }
    }

    @Test
    void resizedCropFallsBackToTheCentralCropWithClampedRatio() {
        RandomResizedCrop rrc = RandomResizedCrop.mae(8);
        Generator gen = new Generator(3);
        // So elongated that no sampled crop fits: torchvision's fallback, ratio clamped to 4/3 or 3/4.
        assertEquals(new RandomResizedCrop.Params(0, 466, 50, 67), rrc.sample(1000, 50, gen));
        assertEquals(new RandomResizedCrop.Params(466, 0, 67, 50), rrc.sample(50, 1000, gen));
        assertEquals(20, gen.state(), "each call reserves 10 blocks");
    }

    @Test
    void resizedCropIsSeededAndComposes() {
        Image img = gradient(37, 23, 3);
        Transform pipeline = RandomResizedCrop.mae(16).then(RandomHorizontalFlip.half());
        List<Image> first = new ArrayList<>();
        Generator g1 = new Generator(99);
        for (int i = 0; i < 20; i++) {
            first.add(pipeline.apply(img, g1));
        }
        Generator g2 = new Generator(99);
        for (int i = 0; i < 20; i++) {
            Image out = pipeline.apply(img, g2);
            assertEquals(first.get(i), out);
            assertEquals(16, out.width());
            assertEquals(16, out.height());
        }
        assertEquals(20 * 11, g2.state(), "10 blocks for the crop and 1 for the flip per image");
        assertNotEquals(first.get(0), first.get(1));
        // apply = sample then cropAndResize, from the same draws.
        RandomResizedCrop rrc = RandomResizedCrop.mae(16);
        RandomResizedCrop.Params p = rrc.sample(37, 23, new Generator(5));
        assertEquals(rrc.cropAndResize(img, p), rrc.apply(img, new Generator(5)));
    }

    @Test
    void torchvisionShorterSideSizes() {
        Resize r = Resize.shorterSide(256, Filter.BILINEAR);
        assertArrayEquals(new int[] {341, 256}, r.outputSize(500, 375));
        assertArrayEquals(new int[] {256, 341}, r.outputSize(375, 500));
        assertArrayEquals(new int[] {256, 256}, r.outputSize(300, 300));
        // 224·333/221 = 337.52…: truncated, not rounded.
        assertArrayEquals(new int[] {337, 224}, Resize.shorterSide(224, Filter.BICUBIC).outputSize(333, 221));
    }

    @Test
    void admCenterCropOfALargeImage() {
        Image img = gradient(613, 409, 3);
        Image out = new AdmCenterCrop(64).apply(img, new Generator(0));
        assertEquals(64, out.width());
        assertEquals(64, out.height());
        // 613×409 → 306×204 → 153×102 (102 < 128) → bicubic to round(153·64/102) = 96 × 64 → crop at x 16.
        Image manual = Resampler.resize(Resampler.resize(Resampler.resize(img, 306, 204, Filter.BOX), 153, 102,
                Filter.BOX), 96, 64, Filter.BICUBIC);
        assertEquals(Images.crop(manual, 0, 16, 64, 64), out);
    }

    @Test
    void sameSizeResizeIsACopy() {
        Image img = gradient(5, 4, 1);
        Image out = Resampler.resize(img, 5, 4, Filter.BICUBIC);
        assertEquals(img, out);
        byte before = img.pixels()[0];
        out.pixels()[0] = (byte) (before + 1);
        assertEquals(before, img.pixels()[0], "the copy must not share pixels with the input");
    }
}
