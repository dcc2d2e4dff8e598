package dev.usp4j.tensor;

import static dev.usp4j.tensor.ErrorMessages.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Bad dims, dtypes and shapes of reductions, scans, softmax and norms fail with messages that name the op and
 * what was wrong; plus a few PyTorch rules the fixtures do not reach (0-d keepdim, bool values, int logsumexp).
 */
class ReductionErrorTest {
    private static final NDArray X = NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Test
    void badDims() {
        assertFails(() -> X.sum(new int[] {2}, false), "sum", "dim 2", "out of range", "[-2, 1]");
        assertFails(() -> X.mean(new int[] {-3}, true), "mean", "dim -3");
        assertFails(() -> X.sum(new int[] {0, -2}, false), "sum", "appears twice");
        assertFails(() -> X.var(new int[] {5}, 1, false), "var", "dim 5");
        assertFails(() -> X.max(2, false), "max", "dim 2");
        assertFails(() -> X.argmin(-3, false), "min", "dim -3");
        assertFails(() -> X.cumsum(2), "cumsum", "dim 2");
        assertFails(() -> X.softmax(-3), "softmax", "dim -3");
        assertFails(() -> X.logsumexp(new int[] {3}, false), "logsumexp", "dim 3");
    }

    @Test
    void emptyExtremes() {
        NDArray e = NDArray.zeros(3, 0);
        assertFails(() -> e.amax(new int[] {1}, false), "max", "dim 1", "extent 0", "[3, 0]");
        assertFails(() -> e.min(), "min", "extent 0");
        assertFails(() -> e.max(1, true), "max", "dim 1", "extent 0");
        assertFails(() -> e.argmax(), "max", "extent 0");
        assertArrayEquals(new int[] {0}, e.amax(new int[] {0}, false).shape(), "max over a non-empty dim");
    }

    @Test
    void badDtypes() {
        NDArray i = NDArray.of(new long[] {1, 2, 3}, 3);
        assertFails(() -> i.mean(), "mean", "floating", "I64");
        assertFails(() -> i.var(), "var", "floating", "I64");
        assertFails(() -> i.softmax(0), "softmax", "floating", "I64");
        assertFails(() -> i.logSoftmax(0), "log_softmax", "floating");
    }

    @Test
    void badNormShapes() {
        assertFails(() -> Functional.layerNorm(X, new int[] {2}, null, null, 1e-5), "layer_norm", "[2]", "[2, 3]");
        assertFails(() -> Functional.layerNorm(X, new int[] {3}, NDArray.ones(4), null, 1e-5), "layer_norm", "[4]");
        assertFails(() -> Functional.groupNorm(NDArray.zeros(2, 6, 4), 4, null, null, 1e-5), "group_norm",
                "6", "4 groups");
        assertFails(() -> Functional.groupNorm(NDArray.zeros(6), 2, null, null, 1e-5), "group_norm", "(N, C, *)");
    }

    @Test
    void pytorchRules() {
        NDArray s = NDArray.scalar(2.5);
        ValuesIndices r = s.max(0, true);
        assertArrayEquals(new int[0], r.values().shape(), "0-d max(dim, keepdim) stays 0-d");
        assertArrayEquals(new int[0], r.indices().shape());
        NDArray b = NDArray.of(new boolean[] {false, true, true, false}, 2, 2);
        ValuesIndices bm = b.max(1, false);
        assertEquals(DType.BOOL, bm.values().dtype(), "max of bool gives bool values");
        assertArrayEquals(new boolean[] {true, true}, bm.values().toBooleanArray());
        assertArrayEquals(new long[] {1, 0}, bm.indices().toLongArray());
        NDArray lse = NDArray.of(new long[] {1, 2}, 2).logsumexp(new int[] {0}, false);
        assertEquals(DType.F32, lse.dtype(), "logsumexp promotes integers to float");
        assertEquals(Math.log(Math.exp(1) + Math.exp(2)), lse.toFloatArray()[0], 1e-6);
        assertEquals(DType.I64, NDArray.of(new int[] {1, 2}, 2).sum().dtype(), "int sums widen to I64");
        assertArrayEquals(new boolean[] {true, true}, b.amax(new int[] {0}, false).toBooleanArray(), "amax = any");
        assertArrayEquals(new boolean[] {false, false}, b.amin(new int[] {1}, false).toBooleanArray(), "amin = all");
    }
}
