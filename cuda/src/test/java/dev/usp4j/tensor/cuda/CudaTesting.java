package dev.usp4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.usp4j.tensor.Backends;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import org.junit.jupiter.api.Assumptions;

/** Shared pieces of the CUDA tests: the device (or a skip with the reason) and CPU-vs-device comparisons. */
final class CudaTesting {
    static final Device CUDA = Device.cuda(0);

    private CudaTesting() {
    }

    /** Skips the calling test (reported as skipped, with the reason) when no CUDA device answers. */
    static CudaBackend backendOrSkip() {
        String why = Backends.unavailableReason(CUDA);
        Assumptions.assumeTrue(why == null, () -> "no GPU here: " + why);
        return (CudaBackend) Backends.of(CUDA);
    }

    /**
     * Asserts {@code actual} (any device) equals the CPU result {@code expected}: same shape and dtype, NaN and
     * infinities at the same places, and max |a − e| ≤ tol · max(|e|) over the rest (exact for non-floats).
     */
    static void assertClose(String what, NDArray expected, NDArray actual, double tol) {
        assertClose(what, expected, actual, tol, 0);
    }

    /** As {@link #assertClose(String, NDArray, NDArray, double)}, with an absolute floor {@code atol} added. */
    static void assertClose(String what, NDArray expected, NDArray actual, double tol, double atol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        NDArray a = actual.to(Device.CPU);
        switch (expected.dtype()) {
            case BOOL -> assertArrayEquals(expected.toBooleanArray(), a.toBooleanArray(), what);
            case I32 -> assertArrayEquals(expected.toIntArray(), a.toIntArray(), what);
            case I64 -> assertArrayEquals(expected.toLongArray(), a.toLongArray(), what);
            default -> {
                float[] e = expected.to(DType.F32).toFloatArray();
                float[] g = a.to(DType.F32).toFloatArray();
                double scale = 0;
                for (float v : e) {
                    if (Float.isFinite(v)) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                }
                double worst = 0;
                int at = -1;
                for (int i = 0; i < e.length; i++) {
                    if (!Float.isFinite(e[i]) || !Float.isFinite(g[i])) {
                        if (Float.compare(e[i], g[i]) != 0 && !(Float.isNaN(e[i]) && Float.isNaN(g[i]))) {
                            fail(what + ": element " + i + " is " + g[i] + ", expected " + e[i]);
                        }
                        continue;
                    }
                    double d = Math.abs(e[i] - g[i]);
                    if (d > worst) {
                        worst = d;
                        at = i;
                    }
                }
                if (worst > tol * Math.max(scale, 1e-30) + atol) {
                    fail(String.format("%s: max |difference| %.3g at element %d (%s vs expected %s) exceeds %.1g of"
                            + " max |expected| %.3g", what, worst, at, g[at], e[at], tol, scale));
                }
            }
        }
    }
}
