package dev.usp4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/**
 * The initialisers' distributions: bounds and moments against their formulas (PyTorch's draws come from another
 * generator, so values cannot be compared), fan computation on conv weights, repeatability from a seed.
 */
class InitTest {
    private static double[] moments(Tensor t) {
        float[] v = t.data().toFloatArray();
        double mean = 0;
        for (float f : v) {
            mean += f;
        }
        mean /= v.length;
        double var = 0;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (float f : v) {
            var += (f - mean) * (f - mean);
            min = Math.min(min, f);
            max = Math.max(max, f);
        }
        return new double[] {mean, Math.sqrt(var / (v.length - 1)), min, max};
    }

    @Test
    void fansFollowPyTorchForConvWeights() {
        assertArrayEquals(new int[] {3 * 4 * 4, 64 * 4 * 4}, Init.fans(new int[] {64, 3, 4, 4}));
        assertArrayEquals(new int[] {10, 20}, Init.fans(new int[] {20, 10}));
    }

    @Test
    void xavierUniformOnAFlattenedConvWeight() {
        Tensor w = Tensor.parameter(NDArray.zeros(384, 4, 2, 2));
        Init.xavierUniform(w, 1.0, new Generator(1));
        double bound = Math.sqrt(6.0 / (4 * 4 + 384 * 4));
        double[] m = moments(w);
        assertTrue(m[2] >= -bound && m[3] <= bound, "inside ±bound");
        assertEquals(bound / Math.sqrt(3), m[1], 0.02 * bound, "std of U(±b) is b/√3");
        assertEquals(0, m[0], 0.02 * bound);
    }

    @Test
    void truncNormalStaysInsideAndHasTheTruncatedStd() {
        Tensor t = Tensor.parameter(NDArray.zeros(200_000));
        Init.truncNormal(t, 0, 0.02, -0.04, 0.04, new Generator(2));
        double[] m = moments(t);
        assertTrue(m[2] >= -0.04 && m[3] <= 0.04, "inside [a, b]: " + m[2] + " .. " + m[3]);
        // std of N(0, σ²) truncated at ±2σ is σ·0.8796.
        assertEquals(0.02 * 0.8796, m[1], 0.02 * 0.01);
        assertEquals(0, m[0], 1e-4);
    }

    @Test
    void pytorchDefaultBoundsAndSeedRepeatability() {
        Generator.manualSeed(5);
        Linear a = new Linear(64, 32);
        Generator.manualSeed(5);
        Linear b = new Linear(64, 32);
        assertArrayEquals(a.weight.data().toFloatArray(), b.weight.data().toFloatArray());
        double bound = 1 / Math.sqrt(64);
        double[] mw = moments(a.weight);
        double[] mb = moments(a.bias);
        assertTrue(mw[2] >= -bound && mw[3] <= bound && mb[2] >= -bound && mb[3] <= bound);
        assertEquals(bound / Math.sqrt(3), mw[1], 0.1 * bound);
    }
}
