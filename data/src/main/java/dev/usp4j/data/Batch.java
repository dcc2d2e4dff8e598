package dev.usp4j.data;

import dev.usp4j.tensor.NDArray;

/**
 * One batch from a {@link DataLoader}: images [B, C, H, W] float32, labels [B] int64, the dataset indices they came
 * from, and where the batch sits (epoch, position in the epoch).
 */
public record Batch(NDArray images, NDArray labels, int[] indices, int epoch, int position) {
    /** The number of samples. */
    public int size() {
        return indices.length;
    }
}
