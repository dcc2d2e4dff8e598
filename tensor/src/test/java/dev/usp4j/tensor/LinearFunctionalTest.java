package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/** Functional.linear (bias folded into the GEMM) against matmul followed by a broadcast add. */
class LinearFunctionalTest {
    private final Generator gen = new Generator(11);

    @Test
    void matchesMatmulPlusBiasAcrossKBlocks() {
        // in = 1100 spans three K blocks of the packed GEMM, so the bias is carried through accumulating passes.
        for (int in : new int[] {5, 64, 1100}) {
            NDArray x = NDArray.randn(gen, 3, 7, in);
            NDArray w = NDArray.randn(gen, 33, in);
            NDArray b = NDArray.randn(gen, 33);
            float[] got = Functional.linear(x, w, b).toFloatArray();
            float[] want = x.matmul(w.mT()).add(b).toFloatArray();
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-4f * (1 + Math.abs(want[i])), "in=" + in + " element " + i);
            }
            assertArrayEquals(new int[] {3, 7, 33}, Functional.linear(x, w, b).shape());
            assertArrayEquals(x.matmul(w.mT()).toFloatArray(), Functional.linear(x, w, null).toFloatArray());
        }
    }

    @Test
    void vectorInputAndEmptyBatch() {
        NDArray w = NDArray.randn(gen, 4, 6);
        NDArray b = NDArray.randn(gen, 4);
        NDArray v = NDArray.randn(gen, 6);
        assertArrayEquals(new int[] {4}, Functional.linear(v, w, b).shape());
        assertArrayEquals(v.matmul(w.mT()).add(b).toFloatArray(), Functional.linear(v, w, b).toFloatArray(), 1e-5f);
        assertArrayEquals(new int[] {0, 4}, Functional.linear(NDArray.zeros(0, 6), w, b).shape());
    }

    @Test
    void mismatchedShapesNameBoth() {
        NDArray w = NDArray.randn(gen, 4, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.linear(NDArray.randn(gen, 2, 5), w, null));
        assertTrue(e.getMessage().contains("[2, 5]") && e.getMessage().contains("[4, 6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Functional.linear(NDArray.randn(gen, 2, 6), w, NDArray.randn(gen, 5)));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[5]"), e.getMessage());
    }
}
