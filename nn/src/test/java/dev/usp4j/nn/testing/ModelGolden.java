package dev.usp4j.nn.testing;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.golden.GoldenCase;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model golden tests' common ground (BRIEF-MODELS): a case's state dict is its inputs under {@code sd/}, and what
 * Java computed must match every expected entry, outputs at relative error {@link #OUT_TOL} and gradients (entries
 * under {@code grad/}) at {@link #GRAD_TOL}, against the float64 PyTorch reference.
 */
public final class ModelGolden {
    /** Relative error allowed on model outputs. */
    public static final double OUT_TOL = 1e-4;
    /** Relative error allowed on input and parameter gradients. */
    public static final double GRAD_TOL = 1e-3;

    private ModelGolden() {
    }

    /** The case's weights: its inputs named {@code sd/<key>}, under {@code <key>}. */
    public static Map<String, NDArray> state(GoldenCase c) {
        Map<String, NDArray> sd = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : c.inputs().entrySet()) {
            if (e.getKey().startsWith("sd/")) {
                sd.put(e.getKey().substring(3), e.getValue());
            }
        }
        return sd;
    }

    /** Every expected entry of {@code c} against {@code got}; a missing one is an error naming it. */
    public static void assertMatches(GoldenCase c, Map<String, NDArray> got) {
        for (Map.Entry<String, NDArray> e : c.expected().entrySet()) {
            NDArray actual = got.get(e.getKey());
            if (actual == null) {
                throw new AssertionError(c.name() + ": Java produced no '" + e.getKey() + "'");
            }
            double tol = e.getKey().startsWith("grad/") ? GRAD_TOL : OUT_TOL;
            Compare.assertClose(actual, e.getValue(), tol, c.name() + "/" + e.getKey());
        }
    }
}
