package dev.usp4j.tensor.cuda;

import dev.usp4j.tensor.Backend;
import dev.usp4j.tensor.BackendProvider;
import dev.usp4j.tensor.Device;

/**
 * Opens {@link CudaBackend} for {@code cuda:N} when an array is first put there (found by {@link
 * java.util.ServiceLoader}); without a driver or GPU its message says what is missing.
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public Device.Type type() {
        return Device.Type.CUDA;
    }

    @Override
    public Backend open(Device device) {
        return new CudaBackend(device);
    }
}
