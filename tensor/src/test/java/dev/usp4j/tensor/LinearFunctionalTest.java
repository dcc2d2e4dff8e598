package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/**
 * Functional.linear (bias folded into the GEMM) against matmul followed by a broadcast add, and with bfloat16
 * weights (read as they are by the CPU kernel, widened by the {@link Backend} default) against the same product on
 * the weights widened to float.
 */
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

    @Test
    void bf16WeightsGiveTheProductOfTheWidenedWeights() {
        Backend widening = BackendDefaults.cpuWithDefaultsFor("linearBf16");
        for (int rows : new int[] {1, 3, 16, 70}) {
            NDArray x = NDArray.randn(gen, rows, 200);
            NDArray w = NDArray.randn(gen, 50, 200).to(DType.BF16);
            NDArray b = NDArray.randn(gen, 50);
            NDArray want = Functional.linear(x, w.to(DType.F32), b);
            NDArray got = Functional.linear(x, w, b);
            assertEquals(DType.F32, got.dtype());
            float[] e = want.toFloatArray();
            float[] g = got.toFloatArray();
            NDArray viaDefault = NDArray.zeros(rows, 50);
            widening.linearBf16(x, w, b, viaDefault);
            float[] d = viaDefault.toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], g[i], 1e-5f * (1 + Math.abs(e[i])), rows + " rows, element " + i);
                assertEquals(e[i], d[i], 1e-5f * (1 + Math.abs(e[i])), rows + " rows, default, element " + i);
            }
            assertArrayEquals(Functional.linear(x, w.to(DType.F32), null).toFloatArray(),
                    Functional.linear(x, w, null).toFloatArray(), 1e-4f);
        }
        // A batched input with BF16 weights and a BF16 bias keeps the leading dims.
        NDArray x = NDArray.randn(gen, 2, 3, 8);
        NDArray w = NDArray.randn(gen, 5, 8).to(DType.BF16);
        assertArrayEquals(new int[] {2, 3, 5}, Functional.linear(x, w, NDArray.randn(gen, 5).to(DType.BF16)).shape());
    }
}
