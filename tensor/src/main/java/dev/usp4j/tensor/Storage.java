package dev.usp4j.tensor;

/**
 * A flat block of elements of one dtype on one device; {@link NDArray}s are views (shape, strides, offset) over it.
 *
 * <p>Each backend has its own implementation ({@code CpuStorage} holds a Java array). Storage knows nothing of
 * shapes. Its version counts in-place writes, so that autograd can detect a saved tensor changed under it.
 */
public interface Storage {
    /** Element type. */
    DType dtype();

    /** Where the elements live. */
    Device device();

    /** Number of elements. */
    int size();

    /** Incremented by every in-place write through an NDArray op. */
    int version();

    /** Records one in-place write. */
    void bumpVersion();
}
