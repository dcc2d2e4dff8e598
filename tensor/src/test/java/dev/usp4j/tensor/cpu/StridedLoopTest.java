package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.tensor.NDArray;
import org.junit.jupiter.api.Test;

/** Dimension coalescing: contiguous operands become one run, broadcasts and transposes keep their dims. */
class StridedLoopTest {

    @Test
    void contiguousOperandsCoalesceToOneRow() {
        NDArray a = NDArray.zeros(4, 5, 6);
        assertEquals(1, StridedLoop.of(a, NDArray.ones(4, 5, 6)).rank());
        assertEquals(1, StridedLoop.of(NDArray.zeros(1, 1)).rank());
        assertEquals(0, StridedLoop.of(NDArray.zeros(3, 0)).numel());
    }

    @Test
    void broadcastAndTransposeLimitCoalescing() {
        NDArray out = NDArray.zeros(4, 5, 6);
        NDArray row = NDArray.zeros(6).expand(4, 5, 6);
        assertEquals(2, StridedLoop.of(out, row).rank(), "[4*5 rows] x [6] with the row repeated");
        NDArray t = NDArray.zeros(6, 5, 4).permute(2, 1, 0);
        assertEquals(3, StridedLoop.of(out, t).rank());
        NDArray sliced = NDArray.zeros(4, 5, 12).slice(2, 0, 12, 2);
        assertEquals(1, StridedLoop.of(out, sliced).rank(), "every other element: one run of stride 2");
        NDArray narrowed = NDArray.zeros(4, 5, 12).narrow(2, 0, 6);
        assertEquals(2, StridedLoop.of(out, narrowed).rank(), "rows of 6 with gaps between them");
    }

    @Test
    void rowsVisitEveryElementOnceWithRightOffsets() {
        NDArray src = NDArray.arange(0.0, 120.0, 1.0).reshape(4, 5, 6).permute(1, 2, 0);
        float[] got = new float[120];
        float[] data = CpuStorage.of(src).floats();
        int[] count = new int[1];
        StridedLoop.of(src).runSerial((n, off, str) -> {
            for (int i = 0; i < n; i++) {
                got[count[0]++] = data[off[0] + i * str[0]];
            }
        });
        assertEquals(120, count[0]);
        org.junit.jupiter.api.Assertions.assertArrayEquals(src.contiguous().toFloatArray(), got);
    }
}
