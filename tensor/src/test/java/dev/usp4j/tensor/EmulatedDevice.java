package dev.usp4j.tensor;

import dev.usp4j.tensor.cpu.CpuStorage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A second device that computes with the CPU kernels but keeps its data in its own storage type, so that any code
 * path mixing a device array with a CPU one (a constant made on the CPU inside a model, say) fails exactly as it
 * would on a GPU. It lets the backend seam and the device plumbing of the models and trainers be tested on machines
 * without one (shared through the tensor module's test jar).
 */
public final class EmulatedDevice {
    /** The device the emulation registers as. */
    public static final Device DEVICE = Device.cuda(7);
    private static final AtomicInteger CALLS = new AtomicInteger();
    private static final AtomicInteger HOST_READS = new AtomicInteger();
    private static final AtomicInteger UPLOADS = new AtomicInteger();
    private static boolean registered;

    private EmulatedDevice() {
    }

    /** Backend calls received so far. */
    public static int calls() {
        return CALLS.get();
    }

    /**
     * Copies from the device to the host so far: each is a synchronising round trip on a real GPU, which code meant
     * to run on the device keeps out of its per-step loops.
     */
    public static int hostReads() {
        return HOST_READS.get();
    }

    /**
     * Copies from the host to the device so far. From pageable memory each also waits for the queued kernels on a
     * real GPU (CUDA synchronises the stream before a pageable upload), so per-step loops keep them few too.
     */
    public static int uploads() {
        return UPLOADS.get();
    }

    /** Storage of the emulated device: a CPU storage the CPU kernels are not given directly. */
    record Stored(Storage inner) implements Storage {
        public DType dtype() {
            return inner.dtype();
        }

        public Device device() {
            return DEVICE;
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
        NDArray dst = NDArray.of(CpuStorage.allocate(s.dtype(), s.size()), s.size());
        Backends.cpu().copy(NDArray.of(s, s.size()), dst);
        return dst.storage();
    }

    private static Object unwrap(Object arg) {
        if (arg instanceof NDArray a) {
            if (!(a.storage() instanceof Stored st)) {
                throw new IllegalStateException("emulated device received an array on " + a.device());
            }
            return NDArray.of(st.inner(), a.shape(), a.strides(), a.offset());
        }
        return arg;
    }

    /** Registers the device (once) and returns it. */
    public static synchronized Device register() {
        if (registered) {
            return DEVICE;
        }
        Backend cpu = Backends.cpu();
        Backend emulated = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    CALLS.incrementAndGet();
                    switch (method.getName()) {
                        case "device":
                            return DEVICE;
                        case "allocate":
                        case "allocateForOutput":
                            return new Stored(cpu.allocate((DType) args[0], (Integer) args[1]));
                        case "recycle":
                            return null;
                        case "fromHost":
                            UPLOADS.incrementAndGet();
                            return new Stored(copyOf((Storage) args[0]));
                        case "toHost":
                            HOST_READS.incrementAndGet();
                            return copyOf(((Stored) args[0]).inner());
                        case "indexSelect":
                        case "gather":
                        case "scatterAdd":
                            // A device's index kernels skip indices outside the dim (the range check is
                            // reported at the next read, DeferredChecks); the CPU kernels trust them.
                            NDArray index = (NDArray) unwrap(args[2]);
                            NDArray target = (NDArray) unwrap(args[0]);
                            int extent = target.rank() == 0 ? 1 : target.size((Integer) args[1]);
                            if (index.numel() > 0 && (index.min().item() < 0 || index.max().item() >= extent)) {
                                return null;
                            }
                            return invoke(cpu, method, args);
                        default:
                            return invoke(cpu, method, args);
                    }
                });
        Backends.register(emulated);
        registered = true;
        return DEVICE;
    }

    private static Object invoke(Backend cpu, java.lang.reflect.Method method, Object[] args) throws Throwable {
        Object[] mapped = args == null ? null : new Object[args.length];
        for (int i = 0; mapped != null && i < args.length; i++) {
            mapped[i] = unwrap(args[i]);
        }
        try {
            return method.invoke(cpu, mapped);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
