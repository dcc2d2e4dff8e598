package dev.usp4j.tensor;

/**
 * Opens the backend of a non-CPU device: the hook through which a device module (usp4j-cuda) plugs into
 * {@link Backends} without the tensor module knowing it. Implementations are found with {@link java.util.ServiceLoader}
 * the first time an array is put on a device of their type; one that cannot open its device (no driver, no GPU)
 * throws an exception whose message says why, and {@link Backends} passes it on to the caller.
 */
public interface BackendProvider {
    /** The kind of device this provider opens. */
    Device.Type type();

    /** The backend of {@code device}, opened now; an exception saying why when it cannot be. */
    Backend open(Device device);
}
