package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * rand, randn, randint, randperm and bernoulli: PyTorch's generator cannot be matched, so these check what users
 * rely on instead: a seed gives the same numbers whatever the thread count, a generator's state resumes its stream
 * exactly, and the moments and ranges are right within statistical bounds (six standard errors, so a correct
 * implementation fails with negligible probability; the seeds are fixed anyway).
 */
class RandomTest {
    /** Large enough that every random kernel is split across two threads. */
    private static final int N = 200_003;

    private static long[] bits(NDArray a) {
        if (a.dtype() == DType.F32) {
            float[] f = a.toFloatArray();
            long[] out = new long[f.length];
            for (int i = 0; i < f.length; i++) {
                out[i] = Float.floatToRawIntBits(f[i]);
            }
            return out;
        }
        return a.dtype() == DType.BOOL ? a.to(DType.I64).toLongArray() : a.toLongArray();
    }

    private static void checkDeterministic(String name, Function<Generator, NDArray> draw) {
        long[] first = bits(draw.apply(new Generator(42)));
        assertArrayEquals(first, bits(draw.apply(new Generator(42))), name + ": same seed, same numbers");
        assertFalse(Arrays.equals(first, bits(draw.apply(new Generator(43)))), name + ": another seed differs");
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                assertArrayEquals(first, bits(draw.apply(new Generator(42))), name + ": " + threads + " threads");
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void sameSeedSameNumbersWhateverTheThreads() {
        checkDeterministic("rand", g -> NDArray.rand(g, N));
        checkDeterministic("randn", g -> NDArray.randn(g, 7, N / 7));
        checkDeterministic("randint", g -> NDArray.randint(g, -5, 1000, N));
        checkDeterministic("randperm", g -> NDArray.randperm(g, 5000));
        checkDeterministic("bernoulli", g -> NDArray.bernoulli(g, 0.3, N));
    }

    @Test
    void stateResumesTheStreamExactly() {
        Generator g = new Generator(7);
        NDArray.rand(g, 13);
        long saved = g.state();
        NDArray a = NDArray.randn(g, 100);
        NDArray b = NDArray.randint(g, 0, 10, 50);
        NDArray p = NDArray.randperm(g, 30);
        g.setState(saved);
        assertArrayEquals(bits(a), bits(NDArray.randn(g, 100)));
        assertArrayEquals(bits(b), bits(NDArray.randint(g, 0, 10, 50)));
        assertArrayEquals(bits(p), bits(NDArray.randperm(g, 30)));
        Generator h = new Generator(7);
        h.setState(saved);
        assertArrayEquals(bits(a), bits(NDArray.randn(h, 100)), "a fresh generator at the saved state");
        assertEquals(saved + 25 + 13 + 8, g.state(), "each draw reserves ceil(n/4) blocks");
    }

    @Test
    void consecutiveDrawsDiffer() {
        Generator g = new Generator(1);
        assertFalse(Arrays.equals(NDArray.rand(g, 64).toFloatArray(), NDArray.rand(g, 64).toFloatArray()));
    }

    private static double[] meanVar(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        double mean = s / v.length;
        double ss = 0;
        for (float x : v) {
            ss += (x - mean) * (x - mean);
        }
        return new double[] {mean, ss / (v.length - 1)};
    }

    private static void within(double got, double want, double sigma, String what) {
        assertTrue(Math.abs(got - want) <= 6 * sigma, what + ": " + got + " vs " + want + " (6σ = " + 6 * sigma + ")");
    }

    @Test
    void uniformMomentsAndRange() {
        float[] u = NDArray.rand(new Generator(11), N).toFloatArray();
        for (float x : u) {
            assertTrue(x >= 0 && x < 1, "rand value " + x + " outside [0, 1)");
        }
        double[] mv = meanVar(u);
        within(mv[0], 0.5, Math.sqrt(1 / 12.0 / N), "rand mean");
        within(mv[1], 1 / 12.0, Math.sqrt((1 / 80.0 - 1 / 144.0) / N), "rand variance");
    }

    @Test
    void normalMoments() {
        float[] z = NDArray.randn(new Generator(12), N).toFloatArray();
        double[] mv = meanVar(z);
        within(mv[0], 0, Math.sqrt(1.0 / N), "randn mean");
        within(mv[1], 1, Math.sqrt(2.0 / N), "randn variance");
        int beyond3 = 0;
        for (float x : z) {
            assertTrue(Float.isFinite(x));
            beyond3 += Math.abs(x) > 3 ? 1 : 0;
        }
        double p = 0.0026998;  // P(|Z| > 3)
        within(beyond3, p * N, Math.sqrt(p * (1 - p) * N), "randn tail count");
    }

    @Test
    void randintRangeAndMoments() {
        long lo = -5;
        long hi = 1000;
        long[] v = NDArray.randint(new Generator(13), lo, hi, N).toLongArray();
        long[] counts = new long[(int) (hi - lo)];
        double s = 0;
        for (long x : v) {
            assertTrue(x >= lo && x < hi, "randint value " + x + " outside [" + lo + ", " + hi + ")");
            counts[(int) (x - lo)]++;
            s += x;
        }
        double range = hi - lo;
        within(s / N, (lo + hi - 1) / 2.0, Math.sqrt((range * range - 1) / 12 / N), "randint mean");
        assertTrue(counts[0] > 0 && counts[counts.length - 1] > 0, "both ends are drawn");
        long[] small = NDArray.randint(new Generator(14), 3, 4, 100).toLongArray();
        assertTrue(Arrays.stream(small).allMatch(x -> x == 3), "a range of one value");
    }

    @Test
    void bernoulliFrequency() {
        for (double p : new double[] {0.0, 0.3, 1.0}) {
            boolean[] b = NDArray.bernoulli(new Generator(15), p, N).toBooleanArray();
            int ones = 0;
            for (boolean x : b) {
                ones += x ? 1 : 0;
            }
            within(ones, p * N, Math.sqrt(p * (1 - p) * N), "bernoulli(" + p + ") count");
        }
    }

    @Test
    void randpermIsAPermutation() {
        Generator g = new Generator(16);
        for (int n : new int[] {0, 1, 2, 17, 10_000}) {
            NDArray p = NDArray.randperm(g, n);
            assertEquals(DType.I64, p.dtype());
            assertArrayEquals(new int[] {n}, p.shape());
            long[] v = p.toLongArray();
            long[] sorted = v.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < n; i++) {
                assertEquals(i, sorted[i], "randperm(" + n + ") is a permutation");
            }
        }
        long[] v = NDArray.randperm(g, 10_000).toLongArray();
        int fixed = 0;
        double pos = 0;
        for (int i = 0; i < v.length; i++) {
            fixed += v[i] == i ? 1 : 0;
            pos += i < 5000 ? v[i] : 0;
        }
        assertTrue(fixed < 10, "a shuffled permutation has about one fixed point, got " + fixed);
        // Mean of the values in the first half: (n-1)/2, sd sqrt((n²-1)/12 · (n-k)/((n-1)k)) for k draws.
        within(pos / 5000, 4999.5, Math.sqrt((1e8 - 1) / 12 * 5000 / (9999.0 * 5000)), "randperm first half mean");
    }

    @Test
    void shapesAndDtypes() {
        Generator g = new Generator(17);
        assertArrayEquals(new int[] {2, 0, 3}, NDArray.rand(g, 2, 0, 3).shape());
        assertArrayEquals(new int[0], NDArray.randn(g).shape());
        assertEquals(DType.F32, NDArray.randn(g, 3).dtype());
        assertEquals(DType.I64, NDArray.randint(g, 0, 2, 3).dtype());
        assertEquals(DType.BOOL, NDArray.bernoulli(g, 0.5, 3).dtype());
    }
}
