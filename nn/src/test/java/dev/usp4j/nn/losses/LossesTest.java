package dev.usp4j.nn.losses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradCheck;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/** Losses: finite-difference gradients, the all-ignored and empty cases, and the error messages. */
class LossesTest {
    private static final Generator GEN = new Generator(42);

    @Test
    void finiteDifferences() {
        NDArray target = NDArray.of(new long[] {2, -100, 0, 4}, 4);
        GradCheck.check("cross_entropy", t -> Losses.crossEntropy(t[0], target, Reduction.MEAN, 0.1),
                NDArray.randn(GEN, 4, 5));
        GradCheck.check("cross_entropy_probs", t -> Losses.crossEntropyProbs(t[0], t[1].softmax(1), Reduction.SUM,
                0.2), NDArray.randn(GEN, 3, 4), NDArray.randn(GEN, 3, 4));
        NDArray mask = NDArray.of(new float[] {1, 0, 1, 1, 0, 0}, 2, 3);
        GradCheck.check("mse_masked", t -> Losses.mse(t[0], t[1], mask), NDArray.randn(GEN, 2, 3, 4),
                NDArray.randn(GEN, 2, 3, 4));
        GradCheck.check("mse_sum", t -> Losses.mse(t[0], t[1], Reduction.SUM), NDArray.randn(GEN, 7),
                NDArray.randn(GEN, 7));
        GradCheck.check("gaussian_kl", t -> Losses.gaussianKl(t[0], t[1]).sum(), NDArray.randn(GEN, 2, 3, 2),
                NDArray.randn(GEN, 2, 3, 2).mul(0.3));
        GradCheck.check("gaussian_kl_other", t -> Losses.gaussianKl(t[0], t[1], t[2], t[3]).sum(),
                NDArray.randn(GEN, 2, 5), NDArray.randn(GEN, 2, 5).mul(0.3), NDArray.randn(GEN, 2, 5),
                NDArray.randn(GEN, 2, 5).mul(0.3));
    }

    @Test
    void everyTargetIgnoredGivesNanAndZeroGradients() {
        Tensor logits = Tensor.parameter(NDArray.randn(GEN, 3, 4));
        NDArray target = NDArray.full(DType.I64, -100, 3);
        Tensor loss = Losses.crossEntropy(logits, target, Reduction.MEAN, 0.1);
        assertTrue(Double.isNaN(loss.item()));
        loss.backward();
        assertArrayEquals(new float[12], logits.grad().toFloatArray());
        assertEquals(0.0, Losses.crossEntropy(logits.detach(), target, Reduction.SUM, 0.1).item());
    }

    @Test
    void intTargetsWork() {
        NDArray logits = NDArray.randn(GEN, 5, 3);
        NDArray t64 = NDArray.of(new long[] {0, 1, 2, 1, 0}, 5);
        double a = Losses.crossEntropy(Tensor.of(logits), t64).item();
        double b = Losses.crossEntropy(Tensor.of(logits), t64.to(DType.I32)).item();
        assertEquals(a, b, 0);
    }

    @Test
    void errorsNameTheProblem() {
        Tensor logits = Tensor.of(NDArray.randn(GEN, 4, 3));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(logits, NDArray.of(new long[] {0, 1, 3, 2}, 4))).getMessage();
        assertTrue(msg.contains("targets must lie in [0, 3) or equal ignore_index -100, got values in [0, 3]"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(logits, NDArray.zeros(DType.I64, 3))).getMessage();
        assertTrue(msg.contains("logits [4, 3] need targets of shape [4], got [3]"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(logits, NDArray.zeros(4))).getMessage();
        assertTrue(msg.contains("class targets must be integers, got F32"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(Tensor.of(NDArray.zeros(3)),
                NDArray.zeros(DType.I64, 3))).getMessage();
        assertTrue(msg.contains("logits must be [N, C] or [N, C, d...], got [3]"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits,
                NDArray.zeros(DType.I64, 4), Reduction.MEAN, 1.5)).getMessage();
        assertTrue(msg.contains("label_smoothing must be in [0, 1], got 1.5"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> Losses.mse(logits, Tensor.of(NDArray.zeros(3, 4))))
                .getMessage();
        assertTrue(msg.contains("mse: pred [4, 3] and target [3, 4] must have the same shape"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> Losses.mse(logits, logits, NDArray.ones(3)))
                .getMessage();
        assertTrue(msg.contains("the mask's shape [3] must be a leading part of pred's shape [4, 3]"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> Losses.gaussianKl(logits, Tensor.of(
                NDArray.zeros(4, 2)))).getMessage();
        assertTrue(msg.contains("mean [4, 3] and logvar [4, 2] must have the same shape"), msg);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Reduction.parse("avg")).getMessage()
                .contains("got 'avg'"));
    }
}
