package dev.usp4j.nn.testing;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.nn.Module;
import dev.usp4j.tensor.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Deterministic weights for full-size golden tests without storing them (BRIEF-MODELS): with the state-dict keys
 * sorted by name, the k-th key's element at flat row-major index i is s·sin(1.7·i + 0.3·k), computed in double and
 * rounded to float once, where s = 1/√fan_in for tensors of rank ≥ 2 (fan_in = product of the dims after the
 * first) and s = 0.1 for rank ≤ 1; normalisation weights (rank ≤ 1, named "weight" in a module whose name contains
 * "norm", any case) get 1 + 0.1·sin(...). Integer buffers keep their values but still take their place in the key
 * order. The Python generators compute the same values ({@code formula_fill} in gen_vae.py, gen_mae.py, gen_dit.py).
 */
public final class FormulaWeights {
    private FormulaWeights() {
    }

    /** Overwrites every floating parameter and persistent buffer of {@code m} with the formula values. */
    public static <M extends Module> M fill(M m) {
        Map<String, NDArray> state = m.stateDict();
        List<String> keys = new ArrayList<>(state.keySet());
        Collections.sort(keys);
        try (GradMode.Scope scope = GradMode.noGrad()) {
            for (int k = 0; k < keys.size(); k++) {
                NDArray t = state.get(keys.get(k));
                if (t.dtype().isFloating()) {
                    t.copyFrom(NDArray.of(values(keys.get(k), t.shape(), k), t.shape()));
                }
            }
        }
        return m;
    }

    /** The formula values of the k-th (sorted) key with the given shape. */
    public static float[] values(String key, int[] shape, int k) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        boolean norm = isNormWeight(key, shape);
        double s = shape.length >= 2 && shape[0] > 0 ? 1 / Math.sqrt((double) (n / shape[0])) : 0.1;
        // Each element is its own formula, so a parallel fill is deterministic (a full-size DiT-XL block holds 24M
        // weights). Math.sin is within an ulp of the true sine, as NumPy's and PyTorch's are; rounded to float such a
        // difference almost never shows, and a stray one-ulp float is far below every test's tolerance.
        int chunk = 1 << 16;
        IntStream.range(0, (v.length + chunk - 1) / chunk).parallel().forEach(c -> {
            int end = Math.min(v.length, (c + 1) * chunk);
            for (int i = c * chunk; i < end; i++) {
                double wave = Math.sin(1.7 * i + 0.3 * k);
                v[i] = (float) (norm ? 1 + 0.1 * wave : s * wave);
            }
        });
        return v;
    }

    static boolean isNormWeight(String key, int[] shape) {
        String[] parts = key.split("\\.");
        return shape.length <= 1 && parts.length >= 2 && parts[parts.length - 1].equals("weight")
                && parts[parts.length - 2].toLowerCase(java.util.Locale.ROOT).contains("norm");
    }
}
