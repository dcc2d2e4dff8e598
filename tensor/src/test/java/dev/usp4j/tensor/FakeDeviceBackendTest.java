package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.cpu.CpuStorage;
import dev.usp4j.tensor.random.Generator;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backend seam: a second device registered through {@link Backends#register} receives every op of arrays on
 * it, data moves only through fromHost/toHost, and mixing devices fails with a clear message. The fake device
 * keeps its data in its own storage type and computes by delegating to the CPU kernels.
 */
class FakeDeviceBackendTest {
    static final Device FAKE = Device.cuda(7);
    static final AtomicInteger CALLS = new AtomicInteger();

    /** Storage of the fake device: a CPU storage it does not let CPU kernels see directly. */
    record FakeStorage(Storage inner) implements Storage {
        public DType dtype() {
            return inner.dtype();
        }

        public Device device() {
            return FAKE;
        }

        public int size() {
            return inner.size();
        }

        public int version() {
            return inner.version();
        }

        public void bumpVersion() {
            inner.bumpVersion();
        }
    }

    private static Storage copyOf(Storage s) {
        NDArray src = NDArray.of(s, s.size());
        NDArray dst = NDArray.of(CpuStorage.allocate(s.dtype(), s.size()), s.size());
        Backends.cpu().copy(src, dst);
        return dst.storage();
    }

    private static Object unwrap(Object arg) {
        if (arg instanceof NDArray a) {
            if (!(a.storage() instanceof FakeStorage fs)) {
                throw new IllegalStateException("fake device received an array on " + a.device());
            }
            return NDArray.of(fs.inner(), a.shape(), a.strides(), a.offset());
        }
        return arg;
    }

    @BeforeAll
    static void register() {
        Backend cpu = Backends.cpu();
        Backend fake = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    CALLS.incrementAndGet();
                    switch (method.getName()) {
                        case "device":
                            return FAKE;
                        case "allocate":
                            return new FakeStorage(cpu.allocate((DType) args[0], (Integer) args[1]));
                        case "allocateForOutput":
                            return new FakeStorage(cpu.allocateForOutput((DType) args[0], (Integer) args[1]));
                        case "fromHost":
                            return new FakeStorage(copyOf((Storage) args[0]));
                        case "toHost":
                            return copyOf(((FakeStorage) args[0]).inner());
                        default:
                            Object[] mapped = new Object[args.length];
                            for (int i = 0; i < args.length; i++) {
                                mapped[i] = unwrap(args[i]);
                            }
                            try {
                                return method.invoke(cpu, mapped);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
        Backends.register(fake);
    }

    @Test
    void opsOnTheDeviceRunOnItsBackendAndMatchTheCpu() {
        NDArray a = NDArray.randn(new Generator(1), 5, 17);
        NDArray b = NDArray.randn(new Generator(2), 17);
        NDArray da = a.to(FAKE);
        NDArray db = b.to(FAKE);
        assertEquals(FAKE, da.device());
        assertTrue(Backends.isAvailable(FAKE));
        int before = CALLS.get();
        NDArray dr = da.add(db).mul(da.transpose(0, 1).transpose(0, 1)).exp().maximum(db.neg());
        NDArray cr = a.add(b).mul(a).exp().maximum(b.neg());
        assertTrue(CALLS.get() > before, "ops must reach the registered backend");
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
