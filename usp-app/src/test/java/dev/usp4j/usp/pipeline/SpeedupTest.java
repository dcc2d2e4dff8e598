package dev.usp4j.usp.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** USP's speedup measure read off FID checkpoints: interpolation, lower bounds, runs that never get there. */
class SpeedupTest {
    private static final long[] STEPS = {100, 200, 300, 400};

    @Test
    void interpolatesTheUspCrossingBetweenCheckpoints() {
        // scratch ends at 40 (first reached at its last checkpoint); USP passes 40 halfway from 200 (50) to 300 (30)
        Speedup s = Speedup.of(STEPS, new double[] {90, 70, 55, 40}, STEPS, new double[] {80, 50, 30, 25});
        assertEquals(40, s.targetFid());
        assertEquals(400, s.scratchSteps());
        assertEquals(250, s.uspSteps(), 1e-12);
        assertEquals(1.6, s.factor(), 1e-12);
        assertFalse(s.lowerBound());
    }

    @Test
    void scratchCurveThatDipsEarlierIsCreditedItsFirstCrossing() {
        // scratch reaches its final 40 already between 200 (45) and 300 (35): 250 steps, not 400
        Speedup s = Speedup.of(STEPS, new double[] {60, 45, 35, 40}, STEPS, new double[] {50, 40, 30, 20});
        assertEquals(250, s.scratchSteps(), 1e-12);
        assertEquals(200, s.uspSteps(), 1e-12);
        assertEquals(1.25, s.factor(), 1e-12);
    }

    @Test
    void usp_atTheTargetFromItsFirstCheckpointGivesALowerBound() {
        Speedup s = Speedup.of(STEPS, new double[] {90, 70, 55, 40}, STEPS, new double[] {35, 30, 25, 20});
        assertEquals(100, s.uspSteps());
        assertEquals(4, s.factor(), 1e-12);
        assertTrue(s.lowerBound());
    }

    @Test
    void uspThatNeverReachesTheTargetHasNoFactor() {
        Speedup s = Speedup.of(STEPS, new double[] {90, 70, 55, 40}, STEPS, new double[] {95, 80, 60, 45});
        assertFalse(s.reached());
        assertTrue(Double.isNaN(s.factor()));
    }

    @Test
    void summaryAveragesThePairsThatReachedAndCountsAll() {
        Speedup a = Speedup.of(STEPS, new double[] {90, 70, 55, 40}, STEPS, new double[] {80, 50, 30, 25});
        Speedup b = Speedup.of(STEPS, new double[] {90, 70, 55, 40}, STEPS, new double[] {80, 40, 30, 25});
        Speedup never = Speedup.of(STEPS, new double[] {90, 70, 55, 40}, STEPS, new double[] {95, 80, 60, 45});
        Speedup.Summary sum = Speedup.Summary.of(List.of(a, b, never));
        assertEquals((1.6 + 2.0) / 2, sum.mean(), 1e-12);
        assertEquals(1.6, sum.min(), 1e-12);
        assertEquals(2.0, sum.max(), 1e-12);
        assertEquals(2, sum.reached());
        assertEquals(3, sum.pairs());
    }

    @Test
    void looserTargetsMeasureTheEarlyAdvantage() {
        // to FID 80 (2× scratch's final 40): scratch crosses at 150 (90→70), USP at 100 (already 80)
        Speedup s = Speedup.to(80, STEPS, new double[] {90, 70, 55, 40}, STEPS, new double[] {80, 50, 30, 25});
        assertEquals(150, s.scratchSteps(), 1e-12);
        assertEquals(100, s.uspSteps(), 1e-12);
        assertEquals(1.5, s.factor(), 1e-12);
        assertTrue(s.lowerBound());
        // a target scratch never reaches gives no factor, whatever USP did
        Speedup never = Speedup.to(30, STEPS, new double[] {90, 70, 55, 40}, STEPS, new double[] {80, 50, 30, 25});
        assertFalse(never.reached());
        assertTrue(Double.isNaN(never.factor()));
    }

    @Test
    void malformedCurvesAreRefusedWithWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Speedup.of(
                new long[] {100, 100}, new double[] {1, 2}, STEPS, new double[] {1, 2, 3, 4}));
        assertTrue(e.getMessage().contains("scratch") && e.getMessage().contains("ascending"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Speedup.of(STEPS, new double[] {1, 2, 3, 4},
                STEPS, new double[] {1, Double.NaN, 3, 4}));
        assertTrue(e.getMessage().contains("USP") && e.getMessage().contains("NaN"), e.getMessage());
    }
}
