package dev.usp4j.tensor;

import dev.usp4j.tensor.cpu.CpuBackend;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the {@link Backend} of a device. The CPU backend is always present; other devices' backends register
 * themselves, or are opened on first use by a {@link BackendProvider} found on the class path (usp4j-cuda's), and
 * asking for an unavailable device gives one clear error saying why.
 */
public final class Backends {
    private static final Backend CPU = OpProfiler.ENABLED ? OpProfiler.wrap(new CpuBackend()) : new CpuBackend();
    private static final Map<Device, Backend> REGISTERED = new ConcurrentHashMap<>();
    private static final Map<Device, String> FAILED = new ConcurrentHashMap<>();

    private Backends() {
    }

    /** The CPU backend. */
    public static Backend cpu() {
        return CPU;
    }

    /** The backend of {@code device}, or an error saying that device is not available here. */
    public static Backend of(Device device) {
        if (device.type() == Device.Type.CPU) {
            return CPU;
        }
        Backend b = REGISTERED.get(device);
        return b != null ? b : open(device);
    }

    private static synchronized Backend open(Device device) {
        Backend b = REGISTERED.get(device);
        if (b != null) {
            return b;
        }
        String why = FAILED.get(device);
        if (why == null) {
            why = "the CUDA backend (module usp4j-cuda) is not on the class path";
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
                if (p.type() != device.type()) {
                    continue;
                }
                try {
                    b = p.open(device);
                    if (OpProfiler.ENABLED) {
                        b = OpProfiler.wrap(b);
                    }
                    REGISTERED.put(device, b);
                    return b;
                } catch (RuntimeException | LinkageError e) {
                    why = e.getMessage() != null ? e.getMessage() : e.toString();
                }
            }
            FAILED.put(device, why);  // asked once: the answer does not change within a process
        }
        throw new IllegalStateException("no backend for " + device + ": " + why + "; run on Device.CPU");
    }

    /** True when {@code device} can be used now (opening its backend if a provider can). */
    public static boolean isAvailable(Device device) {
        if (device.type() == Device.Type.CPU || REGISTERED.containsKey(device)) {
            return true;
        }
        try {
            open(device);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Why {@code device} is not available, or null when it is. */
    public static String unavailableReason(Device device) {
        try {
            of(device);
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /** Makes {@code backend} the one for its device (used by device backends when they initialise). */
    public static void register(Backend backend) {
        REGISTERED.put(backend.device(), backend);
    }
}
