package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.NDArray;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The parallel loop: coverage of the range, nesting, failures, and thread-count independence of results. */
class ParallelTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    @Test
    void coversTheRangeExactlyOnceInContiguousBlocks() {
        Parallel.setThreads(2);
        int n = 100_003;
        AtomicInteger[] hits = new AtomicInteger[n];
        for (int i = 0; i < n; i++) {
            hits[i] = new AtomicInteger();
        }
        ConcurrentHashMap<Integer, Integer> blocks = new ConcurrentHashMap<>();
        Parallel.forRange(n, 1000, (s, e) -> {
            blocks.put(s, e);
            for (int i = s; i < e; i++) {
                hits[i].incrementAndGet();
            }
        });
        for (AtomicInteger h : hits) {
            assertEquals(1, h.get());
        }
        // Two threads take 8 pieces in turn (2 blocks where the pool runs the loop: one processor); the bounds
        // depend on n and the grain alone, so they are the same in every run.
        int pieces = blocks.size();
        assertTrue(pieces == 8 || pieces == 2 && Runtime.getRuntime().availableProcessors() < 2, "pieces " + pieces);
        for (int p = 0; p < pieces; p++) {
            assertEquals((int) ((long) n * (p + 1) / pieces), blocks.get((int) ((long) n * p / pieces)));
        }
        // Never pieces smaller than the grain: 5 grains' worth of iterations make 5 pieces.
        blocks.clear();
        Parallel.forRange(5000, 1000, (s, e) -> blocks.put(s, e));
        assertTrue(blocks.size() <= 5, "pieces " + blocks.size());
    }

    @Test
    void nestedLoopsRunSeriallyInsideABlock() {
        Parallel.setThreads(2);
        AtomicInteger outerBlocks = new AtomicInteger();
        AtomicInteger nestedBlocks = new AtomicInteger();
        Parallel.forRange(4, 1, (s, e) -> {
            assertTrue(Parallel.inParallelRegion());
            outerBlocks.incrementAndGet();
            Parallel.forRange(1_000_000, 1, (s2, e2) -> nestedBlocks.incrementAndGet());
        });
        assertTrue(outerBlocks.get() >= 2, "outer blocks " + outerBlocks.get());
        assertEquals(outerBlocks.get(), nestedBlocks.get(), "each outer block runs its inner loop as one serial block");
        assertFalse(Parallel.inParallelRegion());
    }

    @Test
    void failuresInAnyBlockReachTheCaller() {
        Parallel.setThreads(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(10, 1, (s, end) -> {
            if (s > 0) {
                throw new IllegalStateException("block " + s);
            }
        }));
        assertTrue(e.getMessage().startsWith("block"));
        assertFalse(Parallel.inParallelRegion());
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }

    /**
     * The spinning helper that takes the second block of two-block loops: a checked exception thrown sneakily
     * there still reaches the caller (wrapped), the helper survives it, and loops from two threads at once (one
     * of them then going to the pool) both cover their ranges exactly.
     */
    @Test
    void theSecondBlockHelperSurvivesFailuresAndConcurrentCallers() throws Exception {
        Parallel.setThreads(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(10, 1, (s, end) -> {
            if (s > 0) {
                sneakyThrow(new java.io.IOException("checked, block " + s));
            }
        }));
        assertTrue(e.getCause() instanceof java.io.IOException, String.valueOf(e.getCause()));
        int n = 200_000;
        long[] sums = new long[2];
        Thread other = new Thread(() -> {
            for (int rep = 0; rep < 200; rep++) {
                AtomicInteger count = new AtomicInteger();
                Parallel.forRange(n, 1000, (s, end) -> count.addAndGet(end - s));
                sums[1] += count.get();
            }
        });
        other.start();
        for (int rep = 0; rep < 200; rep++) {
            AtomicInteger count = new AtomicInteger();
            Parallel.forRange(n, 1000, (s, end) -> count.addAndGet(end - s));
            sums[0] += count.get();
        }
        other.join();
        assertEquals(200L * n, sums[0]);
        assertEquals(200L * n, sums[1]);
        assertTrue(Parallel.quiesce(1000));
    }

    @Test
    void elementwiseResultsDoNotDependOnThreadCount() {
        NDArray x = NDArray.randn(new dev.usp4j.tensor.random.Generator(5), 300, 1001);
        Parallel.setThreads(1);
        float[] one = x.gelu().add(x.transpose(0, 1).transpose(0, 1).exp()).toFloatArray();
        float[] rand1 = NDArray.randn(new dev.usp4j.tensor.random.Generator(9), 123_457).toFloatArray();
        Parallel.setThreads(2);
        float[] two = x.gelu().add(x.exp()).toFloatArray();
        float[] rand2 = NDArray.randn(new dev.usp4j.tensor.random.Generator(9), 123_457).toFloatArray();
        assertTrue(java.util.Arrays.equals(one, two));
        assertTrue(java.util.Arrays.equals(rand1, rand2));
    }

    @Test
    void rejectsNonPositiveThreadCounts() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }
}
