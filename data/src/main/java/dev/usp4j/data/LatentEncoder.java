package dev.usp4j.data;

import dev.usp4j.tensor.NDArray;

/**
 * What a {@link LatentCache} needs from a VAE, without the data module depending on the models: the posterior
 * moments of a batch of images and a string that identifies the exact encoder (configuration and weights), so that a
 * cache built with another VAE is never reused.
 */
public interface LatentEncoder {
    /** Images [B, C, H, W] in [−1, 1] → posterior moments [B, 2·Cz, h, w]: the mean, then the log-variance. */
    NDArray encodeMoments(NDArray images);

    /** Identifies the encoder exactly, e.g. "VAE-f4-small sha256:3f2a…" (a hash of its weights). */
    String identity();
}
