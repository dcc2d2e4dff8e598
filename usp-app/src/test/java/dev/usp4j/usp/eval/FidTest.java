package dev.usp4j.usp.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.FloatImages;
import dev.usp4j.data.Image;
import dev.usp4j.diffusion.eval.FeatureStats;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fid with an untrained FeatureClassifier (the distance does not need a good network to behave): a set against
 * itself is ~0, against a brightness-shifted copy clearly larger, the float and 8-bit paths agree, RGB inputs are
 * turned grey, and too-small sets and wrong sizes are refused.
 */
class FidTest {
    private static final FeatureClassifier NET = new FeatureClassifier(10, new Generator(5));

    private static NDArray blobs(long seed, int n) {
        // smooth-ish random images in [−1, 1]
        return NDArray.randn(new Generator(seed), n, 1, 32, 32).mul(0.5).tanh();
    }

    @Test
    void selfDistanceIsZeroAndAShiftIsFar() {
        Fid fid = new Fid(NET);
        List<Image> a = FloatImages.fromSymmetric(blobs(1, 200));
        List<Image> b = FloatImages.fromSymmetric(blobs(2, 200));
        List<Image> shifted = FloatImages.fromSymmetric(blobs(1, 200).mul(0.3).add(0.6));
        double self = fid.fid(a, a);
        double same = fid.fid(a, b);
        double far = fid.fid(a, shifted);
        assertEquals(0.0, self, 1e-9 * Math.max(1, far));
        assertTrue(far > 10 * same && far > 0, "shifted " + far + ", other draw " + same);
        FeatureStats f = fid.stats(blobs(1, 200));
        FeatureStats i = fid.stats(a);
        // 8-bit rounding moves features only a little
        assertTrue(Fid.of(f, i) < 0.05 * far, "float vs 8-bit " + Fid.of(f, i));
    }

    @Test
    void rgbIsGreyAndSizesAreChecked() {
        NDArray grey = blobs(3, 4);
        NDArray rgb = NDArray.cat(List.of(grey, grey, grey), 1);
        NDArray a = FeatureClassifier.input(grey);
        NDArray b = FeatureClassifier.input(rgb);
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        for (int k = 0; k < x.length; k++) {
            assertEquals(x[k], y[k], 1e-5);
        }
        NDArray small = NDArray.zeros(2, 1, 28, 28);
        NDArray padded = FeatureClassifier.input(small);
        assertEquals(-1f, padded.toFloatArray()[0]);
        assertEquals(0f, padded.toFloatArray()[2 * 32 + 2]);
        String m = assertThrows(IllegalArgumentException.class,
                () -> FeatureClassifier.input(NDArray.zeros(2, 1, 16, 16))).getMessage();
        assertTrue(m.contains("16×16"), m);
        Fid fid = new Fid(NET);
        m = assertThrows(IllegalArgumentException.class, () -> fid.fid(FloatImages.fromSymmetric(blobs(1, 1)),
                FloatImages.fromSymmetric(blobs(1, 5)))).getMessage();
        assertTrue(m.contains("at least 2"), m);
    }
}
