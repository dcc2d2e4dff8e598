package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.NDArray;
import org.junit.jupiter.api.Test;

class UninitializedArraysTest {

    @Test
    void theTestJvmPoisonsOutputsAndTheExportIsPresent() {
        // The surefire argLine sets both; without them the suites would not check what they claim to.
        assertTrue(UninitializedArrays.POISON, "tests must run with -Dusp4j.poisonOutputs=true");
        assertTrue(UninitializedArrays.available(),
                "jdk.internal.misc.Unsafe.allocateUninitializedArray not reachable: is"
                        + " --add-exports java.base/jdk.internal.misc=ALL-UNNAMED missing from the JVM flags?");
    }

    @Test
    void poisonedOutputsAreNaNWhateverTheirSize() {
        for (int n : new int[] {1, 17, UninitializedArrays.MIN_ELEMENTS + 3}) {
            float[] a = UninitializedArrays.floats(n);
            assertEquals(n, a.length);
            for (float v : a) {
                assertTrue(Float.isNaN(v));
            }
        }
    }

    @Test
    void unfilledArraysHaveTheirLengthAndHoldWhatIsWritten() {
        int n = (1 << 20) + 5;
        float[] a = UninitializedArrays.unfilled(n);
        assertEquals(n, a.length);
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        assertEquals(n - 1, a[n - 1]);
    }

    @Test
    void opsWriteEveryElementOfTheirOutputs() {
        // A broadcast add and a matmul land on poisoned outputs: any element left unwritten would stay NaN.
        NDArray x = NDArray.arange(0.0, 300 * 400, 1.0).reshape(300, 400);
        NDArray y = NDArray.arange(0.0, 400, 1.0);
        float[] sum = x.add(y).toFloatArray();
        float[] prod = x.matmul(x.transpose(0, 1)).toFloatArray();
        for (float v : sum) {
            assertTrue(Float.isFinite(v));
        }
        for (float v : prod) {
            assertTrue(Float.isFinite(v));
        }
    }
}
