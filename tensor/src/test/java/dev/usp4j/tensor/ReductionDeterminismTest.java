package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.random.Generator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reductions, softmax and norms give bit-identical results with one and with two threads, on inputs large enough
 * to be split (full reductions into one value split into chunks, few outputs with many chunks, many outputs), and
 * a 10^6-element float sum stays within 1e-5 of the double-precision answer.
 */
class ReductionDeterminismTest {
    private static NDArray big;      // 10^6 elements, positive: a naive float sum would drift
    private static NDArray wide;     // [6, 200000]: few outputs, many chunks each
    private static NDArray tall;     // [3000, 300]: column plan, many rows
    private static NDArray rows;     // [512, 768]: many rows (LayerNorm / softmax shape)
    private static NDArray image;    // [4, 64, 24, 24]: GroupNorm with 32 groups
    private static int savedThreads;

    @BeforeAll
    static void inputs() {
        savedThreads = Parallel.threads();
        Generator g = new Generator(1234);
        big = NDArray.rand(g, 1_000_000);
        wide = NDArray.randn(g, 6, 200_000).add(0.25);
        tall = NDArray.randn(g, 3000, 300);
        rows = NDArray.randn(g, 512, 768).mul(3.0);
        image = NDArray.randn(g, 4, 64, 24, 24);
    }

    @AfterAll
    static void restore() {
        Parallel.setThreads(savedThreads);
    }

    private static Map<String, Supplier<NDArray>> ops() {
        Map<String, Supplier<NDArray>> m = new LinkedHashMap<>();
        m.put("sum_all", () -> big.sum());
        m.put("mean_all", () -> big.mean());
        m.put("var_all", () -> big.var());
        m.put("logsumexp_all", () -> big.logsumexp(null, false));
        m.put("max_all", () -> big.max());
        m.put("sum_wide_rows", () -> wide.sum(new int[] {1}, false));
        m.put("var_wide_rows", () -> wide.var(new int[] {1}, 1, false));
        m.put("prod_wide_rows", () -> wide.mul(0.0).add(1.0).add(wide.mul(1e-6)).prod(new int[] {1}, false));
        m.put("sum_wide_cols", () -> wide.sum(new int[] {0}, false));
        m.put("sum_tall_cols", () -> tall.sum(new int[] {0}, false));
        m.put("std_tall_cols", () -> tall.std(new int[] {0}, 1, false));
        m.put("logsumexp_tall_cols", () -> tall.logsumexp(new int[] {0}, false));
        m.put("sum_tall_transposed", () -> tall.transpose(0, 1).sum(new int[] {1}, false));
        m.put("mean_rows", () -> rows.mean(new int[] {1}, true));
        m.put("softmax_last", () -> rows.softmax(1));
        m.put("softmax_first", () -> rows.logSoftmax(0));
        m.put("layer_norm", () -> Functional.layerNorm(rows, new int[] {768}, null, null, 1e-6));
        m.put("group_norm", () -> Functional.groupNorm(image, 32, null, null, 1e-6));
        m.put("cumsum", () -> tall.cumsum(0));
        m.put("argmax", () -> tall.argmax(0, false));
        return m;
    }

    @Test
    void bitIdenticalWithOneAndTwoThreads() {
        Map<String, Supplier<NDArray>> ops = ops();
        for (int round = 0; round < 2; round++) {
            for (Map.Entry<String, Supplier<NDArray>> e : ops.entrySet()) {
                List<Object> results = new java.util.ArrayList<>();
                for (int threads : new int[] {2, 1, 2}) {
                    Parallel.setThreads(threads);
                    NDArray r = e.getValue().get();
                    results.add(r.dtype() == DType.I64 ? r.toLongArray() : r.toFloatArray());
                }
                Parallel.setThreads(savedThreads);
                for (int k = 1; k < results.size(); k++) {
                    if (results.get(0) instanceof float[] f) {
                        int[] a = bits(f);
                        int[] b = bits((float[]) results.get(k));
                        assertArrayEquals(a, b, e.getKey() + ": results differ between thread counts");
                    } else {
                        assertArrayEquals((long[]) results.get(0), (long[]) results.get(k), e.getKey());
                    }
                }
            }
        }
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    @Test
    void millionElementSumIsAccurate() {
        float[] v = big.toFloatArray();
        double exact = 0;
        for (float f : v) {
            exact += f;
        }
        double got = big.sum().toFloatArray()[0];
        assertTrue(Math.abs(got - exact) / exact <= 1e-6, "sum " + got + " vs " + exact);
        double mean = big.mean().toFloatArray()[0];
        assertTrue(Math.abs(mean - exact / v.length) / (exact / v.length) <= 1e-6, "mean " + mean);
    }
}
