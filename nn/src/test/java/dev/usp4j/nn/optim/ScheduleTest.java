package dev.usp4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Values of the schedules at their boundaries, MAE's fractional epochs, and how a schedule sets param groups. */
class ScheduleTest {

    @Test
    void warmupIsLinearFromZeroToThePeak() {
        WarmupCosine s = new WarmupCosine(2.4e-3, 0, 40, 800);
        assertEquals(0.0, s.lr(0));
        assertEquals(2.4e-3 * 10 / 40, s.lr(10), 0);
        assertEquals(2.4e-3 * 39.5 / 40, s.lr(39.5), 0);
        // At the end of warmup the cosine starts at its top: exactly the peak.
        assertEquals(2.4e-3, s.lr(40), 0);
    }

    @Test
    void cosineFallsToMinLrAtTheEnd() {
        WarmupCosine s = new WarmupCosine(1e-3, 1e-6, 5, 50);
        assertEquals(1e-6 + (1e-3 - 1e-6) * 0.5, s.lr(27.5), 1e-18);
        assertEquals(1e-6, s.lr(50), 1e-21);
        assertEquals(1e-6, s.lr(60), 0);
        double before = s.lr(49.99);
        assertTrue(before > 1e-6 && before < 1e-6 + 1e-9, "just before the end: " + before);
        // Monotone after warmup.
        double prev = s.lr(5);
        for (double t = 5.25; t <= 50; t += 0.25) {
            double v = s.lr(t);
            assertTrue(v <= prev, "not decreasing at " + t);
            prev = v;
        }
    }

    @Test
    void matchesMaeFormulaAtFractionalEpochs() {
        WarmupCosine s = new WarmupCosine(2.4e-3, 0, 40, 1600);
        int iters = 312;
        for (int[] ei : new int[][] {{0, 0}, {0, 1}, {39, 311}, {40, 0}, {41, 17}, {900, 5}, {1599, 311}}) {
            double e = (double) ei[1] / iters + ei[0];
            double expected = e < 40 ? 2.4e-3 * e / 40
                    : 2.4e-3 * 0.5 * (1 + Math.cos(Math.PI * (e - 40) / (1600 - 40)));
            assertEquals(e, WarmupCosine.epochPosition(ei[0], ei[1], iters), 0);
            assertEquals(expected, s.lr(WarmupCosine.epochPosition(ei[0], ei[1], iters)), 0, "epoch " + e);
        }
    }

    @Test
    void stepVariantCountsSteps() {
        WarmupCosine s = WarmupCosine.steps(1.0, 0.1, 10, 110);
        assertEquals(0.0, s.lr(0));
        assertEquals(0.5, s.lr(5), 0);
        assertEquals(1.0, s.lr(10), 0);
        assertEquals(0.55, s.lr(60), 1e-15);
        assertEquals(0.1, s.lr(110), 1e-16);
        assertEquals(0.1, s.lr(1000), 0);
    }

    @Test
    void noWarmupAndAllWarmup() {
        assertEquals(3.0, new WarmupCosine(3.0, 0, 0, 10).lr(0), 0);
        WarmupCosine onlyWarmup = new WarmupCosine(3.0, 0.5, 10, 10);
        assertEquals(1.5, onlyWarmup.lr(5), 0);
        assertEquals(0.5, onlyWarmup.lr(10), 0);
    }

    @Test
    void applySetsEveryGroupAndGroupsScaleIt() {
        Tensor a = Tensor.parameter(NDArray.zeros(3));
        Tensor b = Tensor.parameter(NDArray.zeros(2, 2));
        ParamGroup g0 = new ParamGroup("g0", List.of(a), 9.0, 0.0, 1.0);
        ParamGroup g1 = new ParamGroup("g1", List.of(b), 9.0, 0.05, 0.75 * 0.75);
        AdamW opt = new AdamW(List.of(g0, g1));
        double lr = new WarmupCosine(1e-3, 0, 1, 4).apply(opt, 0, 2, 4);
        assertEquals(0.5e-3, lr, 0);
        assertEquals(0.5e-3, g0.lr(), 0);
        assertEquals(0.5e-3, g1.lr(), 0);
        assertEquals(0.5e-3 * 0.5625, g1.effectiveLr(), 0);
        assertEquals(1e-4, new ConstantLr(1e-4).apply(opt, 12345), 0);
        assertEquals(1e-4, g1.lr(), 0);
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new WarmupCosine(1, 0, 20, 10)).getMessage()
                .contains("warmup 20.0, total 10.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new WarmupCosine(-1, 0, 0, 10)).getMessage()
                .contains("lr and min_lr"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WarmupCosine.epochPosition(0, 5, 5))
                .getMessage().contains("iteration 5, itersPerEpoch 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new WarmupCosine(1, 0, 0, 10).lr(-1))
                .getMessage().contains("position"));
        assertThrows(IllegalArgumentException.class, () -> new ConstantLr(Double.NaN));
        ParamGroup g = new ParamGroup(List.of(Tensor.parameter(NDArray.zeros(1))), 0.1, 0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.setLr(-0.5)).getMessage()
                .contains("lr must be finite and >= 0, got -0.5"));
    }
}
