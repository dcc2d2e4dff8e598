package dev.usp4j.data;

import java.util.List;

/**
 * A finite, indexed collection of labelled images, as PyTorch's map-style {@code Dataset}: Fashion-MNIST, CIFAR,
 * an image folder, a synthetic set. {@link #get} must be safe to call from several loader threads at once and
 * return the same sample for the same index every time; randomness belongs to the transforms.
 */
public interface Dataset {
    /** The number of samples. */
    int size();

    /** Sample {@code index} (0 ≤ index < size()). */
    Sample get(int index);

    /** The class names, index = label (empty for an unlabelled dataset). */
    List<String> classes();

    /** A short name for logs and reports, e.g. "fashion-mnist/train". */
    String name();

    /**
     * A fingerprint of the exact contents (e.g. a SHA-256 over the source files), so that a cache built from this
     * dataset can tell it is stale when the data change.
     */
    String fingerprint();
}
