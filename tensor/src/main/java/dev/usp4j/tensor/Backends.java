package dev.usp4j.tensor;

import dev.usp4j.tensor.cpu.CpuBackend;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the {@link Backend} of a device. The CPU backend is always present; other devices' backends register
 * themselves (the CUDA backend does so when its native libraries load), and asking for an unavailable device gives
 * one clear error saying why.
 */
public final class Backends {
    private static final Backend CPU = OpProfiler.ENABLED ? OpProfiler.wrap(new CpuBackend()) : new CpuBackend();
    private static final Map<Device, Backend> REGISTERED = new ConcurrentHashMap<>();

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
        if (b == null) {
            throw new IllegalStateException("no backend for " + device + ": the CUDA backend is not available in"
                    + " this build or found no GPU; run on Device.CPU");
        }
        return b;
    }

    /** True when {@code device} can be used now. */
    public static boolean isAvailable(Device device) {
        return device.type() == Device.Type.CPU || REGISTERED.containsKey(device);
    }

    /** Makes {@code backend} the one for its device (used by device backends when they initialise). */
    public static void register(Backend backend) {
        REGISTERED.put(backend.device(), backend);
    }
}
