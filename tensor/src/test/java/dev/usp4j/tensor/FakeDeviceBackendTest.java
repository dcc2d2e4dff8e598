package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backend seam: a second device registered through {@link Backends#register} receives every op of arrays on
 * it, data moves only through fromHost/toHost, and mixing devices fails with a clear message. The device is the
 * {@link EmulatedDevice}: its own storage type, the CPU kernels behind it.
 */
class FakeDeviceBackendTest {
    static final Device FAKE = EmulatedDevice.DEVICE;

    @BeforeAll
    static void register() {
        EmulatedDevice.register();
    }

    @Test
    void opsOnTheDeviceRunOnItsBackendAndMatchTheCpu() {
        NDArray a = NDArray.randn(new Generator(1), 5, 17);
        NDArray b = NDArray.randn(new Generator(2), 17);
        NDArray da = a.to(FAKE);
        NDArray db = b.to(FAKE);
        assertEquals(FAKE, da.device());
        assertTrue(Backends.isAvailable(FAKE));
        int before = EmulatedDevice.calls();
        NDArray dr = da.add(db).mul(da.transpose(0, 1).transpose(0, 1)).exp().maximum(db.neg());
        NDArray cr = a.add(b).mul(a).exp().maximum(b.neg());
        assertTrue(EmulatedDevice.calls() > before, "ops must reach the registered backend");
        assertEquals(FAKE, dr.device());
        assertArrayEquals(cr.toFloatArray(), dr.to(Device.CPU).toFloatArray());
        assertArrayEquals(a.gt(0).toBooleanArray(), da.gt(0).toBooleanArray());
        assertArrayEquals(a.to(DType.BF16).toFloatArray(), da.to(DType.BF16).toFloatArray());
        assertTrue(dr.toString().contains("device='cuda:7'"), dr.toString());
    }

    @Test
    void movingCopiesAndMixingDevicesFails() {
        NDArray a = NDArray.ones(3);
        NDArray d = a.to(FAKE);
        a.fill(5);
        assertArrayEquals(new float[] {1, 1, 1}, d.toFloatArray(), "the device copy must not alias host memory");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.add(a));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("cuda:7")
                && e.getMessage().contains("cpu"), e.getMessage());
        assertFalse(Backends.isAvailable(Device.cuda(3)));
        IllegalStateException e2 = assertThrows(IllegalStateException.class, () -> a.to(Device.cuda(3)));
        assertTrue(e2.getMessage().contains("cuda:3"), e2.getMessage());
    }
}
