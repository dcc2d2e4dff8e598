package dev.usp4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/**
 * Dropout's random masks cannot match PyTorch's stream, so they are checked statistically: the dropped fraction is
 * within 5 standard deviations of p, every survivor is exactly x/(1 − p), the gradient is the same mask times the
 * upstream gradient, masks repeat under the same seed and differ between calls; eval mode and p = 0 are the
 * identity and p = 1 gives zeros. Attention with attn_drop takes its unfused path only in training.
 */
class DropoutTest {
    private static final int N = 200_000;

    @Test
    void maskRateAndScaling() {
        for (double p : new double[] {0.1, 0.3, 0.75}) {
            Generator.manualSeed(11);
            NDArray xa = NDArray.rand(new Generator(3), N).add(0.5);
            Tensor x = Tensor.of(xa, true);
            Dropout d = new Dropout(p);
            Tensor y = d.forward(x);
            y.backward(NDArray.ones(N));
            float[] xs = xa.toFloatArray();
            float[] ys = y.data().toFloatArray();
            float[] gs = x.grad().toFloatArray();
            float scale = (float) (1 / (1 - p));
            int dropped = 0;
            for (int i = 0; i < N; i++) {
                if (ys[i] == 0) {
                    dropped++;
                    assertEquals(0f, gs[i], "gradient of a dropped element");
                } else {
                    assertEquals(xs[i] * scale, ys[i], Math.ulp(ys[i]), "survivor " + i);
                    assertEquals(scale, gs[i], Math.ulp(scale), "gradient of survivor " + i);
                }
            }
            double sigma = Math.sqrt(p * (1 - p) / N);
            double rate = (double) dropped / N;
            assertTrue(Math.abs(rate - p) < 5 * sigma, "p=" + p + ": dropped fraction " + rate);
        }
    }

    @Test
    void seededMasksRepeatAndCallsDiffer() {
        Tensor x = Tensor.of(NDArray.ones(1000));
        Dropout d = new Dropout(0.5);
        Generator.manualSeed(42);
        float[] a = d.forward(x).data().toFloatArray();
        float[] b = d.forward(x).data().toFloatArray();
        Generator.manualSeed(42);
        float[] a2 = d.forward(x).data().toFloatArray();
        assertArrayEquals(a, a2);
        assertTrue(!java.util.Arrays.equals(a, b), "consecutive calls draw new masks");
    }

    @Test
    void identityCasesAndErrors() {
        Tensor x = Tensor.of(NDArray.randn(new Generator(1), 7, 5), true);
        Dropout d = new Dropout(0.5);
        d.eval();
        assertSame(x, d.forward(x));
        assertSame(x, new Dropout(0).forward(x));
        Tensor zero = new Dropout(1).forward(x);
        assertArrayEquals(new float[35], zero.data().toFloatArray(), 0f);
        zero.sum().backward();
        assertArrayEquals(new float[35], x.grad().toFloatArray());
        String m = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5)).getMessage();
        assertTrue(m.contains("between 0 and 1") && m.contains("1.5"), m);
        assertEquals("Dropout(p=0.5, inplace=False)", d.toString());
    }

    @Test
    void attentionProbabilityDropoutOnlyInTraining() {
        Attention plain = new Attention(8, 2, true);
        Attention dropping = new Attention(8, 2, true, 0.5, 0);
        dropping.loadStateDict(plain.stateDict(), true);
        Tensor x = Tensor.of(NDArray.randn(new Generator(9), 2, 5, 8), true);
        dropping.eval();
        assertArrayEquals(plain.forward(x).data().toFloatArray(), dropping.forward(x).data().toFloatArray());
        dropping.train(true);
        Generator.manualSeed(3);
        Tensor y = dropping.forward(x);
        y.sum().backward();
        float[] ys = y.data().toFloatArray();
        assertTrue(!java.util.Arrays.equals(plain.forward(x).data().toFloatArray(), ys), "probabilities dropped");
        for (float v : x.grad().toFloatArray()) {
            assertTrue(Float.isFinite(v));
        }
    }
}
