package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The op profiler: a wrapped backend still computes, and each call lands in the table under its op and shapes. */
class OpProfilerTest {
    @Test
    void wrappedBackendComputesAndCountsEachOpWithItsShapes() {
        OpProfiler.reset();
        Backend b = OpProfiler.wrap(Backends.cpu());
        NDArray x = NDArray.of(new float[] {1, 2, 3}, 3);
        NDArray y = NDArray.of(new float[] {10, 20, 30}, 3);
        NDArray out = NDArray.zeros(3);
        b.binary(BinaryOp.ADD, x, y, out);
        b.binary(BinaryOp.ADD, x, y, out);
        b.matmul(NDArray.ones(1, 2, 4), NDArray.ones(1, 4, 3), NDArray.zeros(1, 2, 3));
        assertArrayEquals(new float[] {11, 22, 33}, out.toFloatArray());
        String table = OpProfiler.table(10);
        assertTrue(table.matches("(?s).*\\s2\\s+[0-9.]+\\s+binary ADD \\[3],\\[3],\\[3]\\n.*"), table);
        assertTrue(table.contains("matmul [1, 2, 4],[1, 4, 3],[1, 2, 3]"), table);
        OpProfiler.reset();
    }

    @Test
    void errorsOfTheWrappedBackendPassThroughUnchanged() {
        Backend b = OpProfiler.wrap(Backends.cpu());
        assertThrows(IllegalArgumentException.class, () -> b.allocate(DType.F32, -1));
        OpProfiler.reset();
    }
}
