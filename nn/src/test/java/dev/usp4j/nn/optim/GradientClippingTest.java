package dev.usp4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import java.util.List;
import org.junit.jupiter.api.Test;

/** clip_grad_norm_: the total norm, the scaling only above max_norm, the inf norm, and the edge cases. */
class GradientClippingTest {

    private static Tensor withGrad(float... g) {
        Tensor p = Tensor.parameter(NDArray.zeros(g.length));
        p.setGrad(NDArray.of(g));
        return p;
    }

    @Test
    void scalesAllGradientsByMaxOverTotal() {
        Tensor a = withGrad(3, 0);
        Tensor b = withGrad(0, 4);
        Tensor none = Tensor.parameter(NDArray.zeros(2));
        double total = GradientClipping.clipGradNorm(List.of(a, b, none), 1.0);
        assertEquals(5.0, total, 0);
        float coef = (1f / (5f + 1e-6f)) * 1f;
        assertArrayEquals(new float[] {3 * coef, 0}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {0, 4 * coef}, b.grad().toFloatArray());
        assertEquals(null, none.grad());
    }

    @Test
    void leavesGradientsBelowTheLimitAlone() {
        Tensor a = withGrad(0.3f, -0.4f);
        assertEquals(0.5, GradientClipping.clipGradNorm(List.of(a), 0.5 + 1e-6), 1e-7);
        assertArrayEquals(new float[] {0.3f, -0.4f}, a.grad().toFloatArray());
    }

    @Test
    void infinityNormIsTheLargestMagnitude() {
        Tensor a = withGrad(1, -6);
        Tensor b = withGrad(2);
        assertEquals(6.0, GradientClipping.clipGradNorm(List.of(a, b), 3.0, Double.POSITIVE_INFINITY, false), 0);
        assertEquals(-3.0, a.grad().toFloatArray()[1], 1e-6);
    }

    @Test
    void edgeCases() {
        assertEquals(0.0, GradientClipping.clipGradNorm(List.of(Tensor.parameter(NDArray.zeros(3))), 1.0));
        Tensor nan = withGrad(Float.NaN, 1);
        assertTrue(assertThrows(IllegalStateException.class,
                () -> GradientClipping.clipGradNorm(List.of(nan), 1.0, 2.0, true)).getMessage()
                .contains("non-finite (NaN)"));
        assertEquals(1f, nan.grad().toFloatArray()[1], "nothing scaled when refusing");
        assertTrue(Double.isNaN(GradientClipping.clipGradNorm(List.of(nan), 1.0)));
        assertTrue(Float.isNaN(nan.grad().toFloatArray()[1]), "scaled by NaN as torch");
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> GradientClipping.clipGradNorm(List.of(withGrad(1)), 1.0, 1.0, false)).getMessage()
                .contains("norm_type must be 2 or infinity, got 1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> GradientClipping.clipGradNorm(List.of(withGrad(1)), -1.0)).getMessage()
                .contains("max_norm must be >= 0"));
    }
}
