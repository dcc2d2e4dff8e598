package dev.usp4j.tensor.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;

/**
 * Comparison of a computed array with PyTorch's. Floats pass when {@code |a − e| ≤ rtol·max(|e|, 1)} for every
 * element (relative error, with values below 1 judged on an absolute scale of rtol, as torch.allclose with
 * atol = rtol), NaN matching NaN and infinities matching exactly. Integers and booleans must be equal.
 */
public final class Compare {
    private Compare() {
    }

    public static void assertClose(NDArray actual, NDArray expected, double rtol, String label) {
        assertArrayEquals(expected.shape(), actual.shape(), label + ": shape");
        if (!expected.dtype().isFloating()) {
            if (expected.dtype() == DType.BOOL) {
                assertArrayEquals(expected.toBooleanArray(), actual.toBooleanArray(), label + ": values");
            } else {
                assertArrayEquals(expected.toLongArray(), actual.toLongArray(), label + ": values");
            }
            return;
        }
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) || Float.isInfinite(e[i])) {
                if (Float.compare(e[i], a[i]) != 0) {
                    throw new AssertionError(label + ": element " + i + " expected " + e[i] + ", got " + a[i]);
                }
                continue;
            }
            double err = Math.abs((double) a[i] - e[i]) / Math.max(Math.abs(e[i]), 1.0);
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                worstAt = i;
            }
        }
        if (worst > rtol) {
            throw new AssertionError(label + ": relative error " + worst + " > " + rtol + " at flat index " + worstAt
                    + " (expected " + e[worstAt] + ", got " + a[worstAt] + ")");
        }
    }

    /** Asserts equality of a computed float and an expected one to the same rule. */
    public static void assertClose(double actual, double expected, double rtol, String label) {
        double err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1.0);
        assertEquals(true, err <= rtol, label + ": expected " + expected + ", got " + actual);
    }
}
