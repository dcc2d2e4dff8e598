package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.cpu.CpuStorage;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;

/**
 * The step arena hands a scope's op outputs back to the pool at close (the next output of that size reuses the
 * array), leaves alone what was kept, what was allocated before it opened and what the engine already recycled
 * (never pooled twice), and refuses to nest. The suites run with usp4j.poisonOutputs=true, under which a released
 * array is NaN-filled at once: that is what the NaN checks below see.
 */
class StepArenaTest {
    private static final int N = 1 << 17; // above the pool's threshold with and without poisoning
    private final Generator gen = new Generator(5);

    private static float[] array(NDArray x) {
        return ((CpuStorage) x.storage()).floats();
    }

    private static boolean allNaN(float[] a) {
        for (float v : a) {
            if (!Float.isNaN(v)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void releasesOutputsAndKeepsTheRest() {
        NDArray before = NDArray.randn(gen, N);
        float[] beforeValues = before.toFloatArray();
        NDArray released;
        NDArray kept;
        try (StepArena step = StepArena.open()) {
            released = before.mul(2);
            kept = before.add(1);
            step.keep(kept);
            assertTrue(step.recorded() >= 2);
        }
        assertTrue(allNaN(array(released)) || !Boolean.getBoolean("usp4j.poisonOutputs"));
        assertEquals(beforeValues[7] + 1, kept.toFloatArray()[7], 1e-6);
        assertEquals(beforeValues[7], before.toFloatArray()[7]);
        // The next output of that length takes the released array.
        NDArray next = before.mul(3);
        assertSame(array(released), array(next));
        assertEquals(3 * beforeValues[7], next.toFloatArray()[7], 1e-6);
    }

    @Test
    void anArrayTheEngineRecycledIsNotPooledTwice() {
        NDArray x = NDArray.randn(gen, N);
        try (StepArena step = StepArena.open()) {
            NDArray spent = x.mul(2);
            spent.recycleStorage();
        }
        // Pooled once: two outputs alive at the same time must not share it.
        NDArray a = x.mul(4);
        NDArray b = x.mul(5);
        assertNotSame(array(a), array(b));
        assertEquals(4 * x.toFloatArray()[3], a.toFloatArray()[3], 1e-5);
        assertEquals(5 * x.toFloatArray()[3], b.toFloatArray()[3], 1e-5);
    }

    @Test
    void scopesDoNotNestAndCloseOnce() {
        try (StepArena step = StepArena.open()) {
            String m = assertThrows(IllegalStateException.class, StepArena::open).getMessage();
            assertTrue(m.contains("already open"), m);
            step.close();
        }
        // Closed: a new scope opens, and outputs made outside any scope are not recorded.
        NDArray outside = NDArray.randn(gen, N).mul(2);
        float v = outside.toFloatArray()[1];
        try (StepArena step = StepArena.open()) {
            assertEquals(0, step.recorded());
        }
        assertEquals(v, outside.toFloatArray()[1]);
    }
}
