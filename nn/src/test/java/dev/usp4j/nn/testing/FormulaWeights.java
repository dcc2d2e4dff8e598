package dev.usp4j.nn.testing;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.nn.Module;
import dev.usp4j.tensor.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Deterministic weights for full-size golden tests without storing them (BRIEF-MODELS): with the state-dict keys
 * sorted by name, the k-th key's element at flat row-major index i is s·sin(1.7·i + 0.3·k), computed in double and
 * rounded to float, where s = 1/√fan_in for tensors of rank ≥ 2 (fan_in = product of the dims after the first) and
 * s = 0.1 for rank ≤ 1; normalisation weights (rank ≤ 1, named "weight" in a module whose name contains "norm")
 * get 1 + 0.1·sin(...). The Python generators compute the same values (formula_fill in gen_vae.py).
 */
public final class FormulaWeights {
    private FormulaWeights() {
    }

    /** Overwrites every parameter and persistent buffer of {@code m} with the formula values. */
    public static void fill(Module m) {
        Map<String, NDArray> state = m.stateDict();
        List<String> keys = new ArrayList<>(state.keySet());
        Collections.sort(keys);
        try (GradMode.Scope scope = GradMode.noGrad()) {
            for (int k = 0; k < keys.size(); k++) {
                NDArray t = state.get(keys.get(k));
                t.copyFrom(NDArray.of(values(keys.get(k), t.shape(), k), t.shape()));
            }
        }
    }

    /** The formula values of the k-th (sorted) key with the given shape. */
    public static float[] values(String key, int[] shape, int k) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        boolean norm = isNormWeight(key, shape);
        double sqrtFanIn = shape.length >= 2 && shape[0] > 0 ? Math.sqrt((double) (n / shape[0])) : 0;
        for (int i = 0; i < v.length; i++) {
            double wave = StrictMath.sin(1.7 * i + 0.3 * k);
            // the same double operations as the Python side, so both round to the same float
            v[i] = (float) (norm ? 1 + 0.1 * wave : shape.length >= 2 ? wave / sqrtFanIn : 0.1 * wave);
        }
        return v;
    }

    static boolean isNormWeight(String key, int[] shape) {
        String[] parts = key.split("\\.");
        return shape.length <= 1 && parts.length >= 2 && parts[parts.length - 1].equals("weight")
                && parts[parts.length - 2].contains("norm");
    }
}
