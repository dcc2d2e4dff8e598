package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Index range checks on a device wait for the thread's next read from a device instead of reading each index's
 * bounds back at once: a loop of device ops makes no host round trip, a bad index still throws the op's message
 * (at the next read), all pending checks are settled in one transfer, and {@code -Dusp4j.eagerIndexChecks=true}
 * restores the check at the op. On the CPU nothing changes.
 */
class DeferredChecksTest {
    private final Device dev = EmulatedDevice.register();

    @AfterEach
    void settleLeftovers() {
        System.clearProperty("usp4j.eagerIndexChecks");
        try {
            DeferredChecks.settle();
        } catch (IndexOutOfBoundsException ignored) {
            // a test that left a bad check pending on purpose
        }
    }

    @Test
    void deviceIndexOpsMakeNoRoundTripUntilARead() {
        NDArray table = NDArray.arange(0, 12, 1).reshape(4, 3).to(dev);
        NDArray idx = NDArray.of(new long[] {3, 0, 2}, 3).to(dev);
        int reads = EmulatedDevice.hostReads();
        NDArray acc = table.indexSelect(0, idx);
        for (int i = 0; i < 20; i++) {
            acc = acc.add(table.indexSelect(0, idx)).add(table.gather(1, idx.reshape(3, 1).remainder(3)));
        }
        assertEquals(reads, EmulatedDevice.hostReads(), "host reads during 41 device index ops");
        assertEquals(41, DeferredChecks.pending());
        float[] got = acc.toFloatArray();
        assertEquals(reads + 2, EmulatedDevice.hostReads(), "one read settles every check, one reads the result");
        assertEquals(0, DeferredChecks.pending());
        assertEquals(21 * 9, got[0], 0f);  // row 3's first element, plus table[0][0] = 0 from each gather
    }

    @Test
    void aBadIndexThrowsTheOpsMessageAtTheNextRead() {
        NDArray table = NDArray.zeros(3, 2).to(dev);
        NDArray bad = NDArray.of(new long[] {1, 5, 0}, 3).to(dev);
        NDArray out = table.indexSelect(0, bad);  // no throw yet: the bound is still on the device
        NDArray unrelated = NDArray.ones(2).to(dev);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, unrelated::toFloatArray);
        assertTrue(e.getMessage().startsWith("index_select: index 5 is out of bounds for dim 0 of extent 3"),
                e.getMessage());
        assertTrue(e.getMessage().contains("usp4j.eagerIndexChecks"), e.getMessage());
        assertEquals(3, out.size(0));
        NDArray negative = NDArray.of(new int[] {0, -2}, 2).to(dev);
        negative.checkRange(0, 10, v -> "label " + v + " outside [0, 10)");
        e = assertThrows(IndexOutOfBoundsException.class, unrelated::toFloatArray);
        assertTrue(e.getMessage().startsWith("label -2 outside [0, 10)"), e.getMessage());
        assertEquals(2, unrelated.toFloatArray().length, "a failed check is reported once");
    }

    @Test
    void eagerChecksThrowAtTheOp() {
        System.setProperty("usp4j.eagerIndexChecks", "true");
        NDArray table = NDArray.zeros(3, 2).to(dev);
        NDArray bad = NDArray.of(new long[] {-1}, 1).to(dev);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> table.indexSelect(0, bad));
        assertTrue(e.getMessage().startsWith("index_select: index -1 is out of bounds"), e.getMessage());
        assertEquals(0, DeferredChecks.pending());
    }

    @Test
    void aThreadThatNeverReadsSettlesWhenManyArePending() {
        NDArray table = NDArray.zeros(3, 2).to(dev);
        NDArray idx = NDArray.of(new long[] {2}, 1).to(dev);
        int reads = EmulatedDevice.hostReads();
        for (int i = 0; i < DeferredChecks.MAX_PENDING + 10; i++) {
            table.indexSelect(0, idx);
        }
        assertEquals(reads + 1, EmulatedDevice.hostReads());
        assertEquals(10, DeferredChecks.pending());
    }

    @Test
    void onTheCpuChecksStayImmediate() {
        NDArray bad = NDArray.of(new long[] {4}, 1);
        assertThrows(IndexOutOfBoundsException.class, () -> NDArray.zeros(3).indexSelect(0, bad));
        assertThrows(IndexOutOfBoundsException.class, () -> bad.checkRange(0, 4, v -> "v " + v));
        assertThrows(IllegalArgumentException.class, () -> NDArray.zeros(2).checkRange(0, 4, v -> "floats"));
        assertEquals(0, DeferredChecks.pending());
    }
}
