package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenTests;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * matmul against PyTorch (fixtures from gen_matmul.py): 1-D/2-D/batched operands, broadcast batch dims, the folded
 * 3-D·2-D path, transposed/sliced/expanded views, empty dims and K = 0; plus the error messages.
 */
class MatmulGoldenTest {

    @TestFactory
    Stream<DynamicTest> matmul() {
        return GoldenTests.of("matmul", 1e-4, (GoldenCase c) -> Map.of("out", c.in("a").matmul(c.in("b"))));
    }

    @Test
    void innerDimMismatchNamesBothShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> NDArray.zeros(2, 3, 4).matmul(NDArray.zeros(5, 6)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[2, 3, 4]")
                && e.getMessage().contains("[5, 6]"), e.getMessage());
        var v = assertThrows(IllegalArgumentException.class, () -> NDArray.zeros(3).matmul(NDArray.zeros(4)));
        assertTrue(v.getMessage().contains("[3]") && v.getMessage().contains("[4]"), v.getMessage());
    }

    @Test
    void batchMismatchNamesBothShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> NDArray.zeros(2, 3, 4).matmul(NDArray.zeros(3, 4, 5)));
        assertTrue(e.getMessage().contains("[2, 3, 4]") && e.getMessage().contains("[3, 4, 5]")
                && e.getMessage().contains("batch"), e.getMessage());
    }

    @Test
    void scalarsAndIntegersAreRejected() {
        var s = assertThrows(IllegalArgumentException.class, () -> NDArray.scalar(2).matmul(NDArray.zeros(3)));
        assertTrue(s.getMessage().contains("matmul") && s.getMessage().contains("at least 1 dim"), s.getMessage());
        var i = assertThrows(IllegalArgumentException.class,
                () -> NDArray.of(new int[] {1, 2}, 2).matmul(NDArray.zeros(2)));
        assertTrue(i.getMessage().contains("floating") && i.getMessage().contains("I32"), i.getMessage());
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        NDArray a = NDArray.randn(3, 130, 70);
        NDArray b = NDArray.randn(3, 70, 300);
        int saved = dev.usp4j.tensor.cpu.Parallel.threads();
        try {
            dev.usp4j.tensor.cpu.Parallel.setThreads(1);
            float[] one = a.matmul(b).toFloatArray();
            float[] folded1 = a.matmul(b.select(0, 1)).toFloatArray();
            dev.usp4j.tensor.cpu.Parallel.setThreads(2);
            assertArrayEquals(one, a.matmul(b).toFloatArray());
            assertArrayEquals(folded1, a.matmul(b.select(0, 1)).toFloatArray());
        } finally {
            dev.usp4j.tensor.cpu.Parallel.setThreads(saved);
        }
    }
}
