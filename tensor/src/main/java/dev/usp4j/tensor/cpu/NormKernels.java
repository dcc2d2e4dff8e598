package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.*;

/** LayerNorm and GroupNorm forward, with the statistics backward needs. */
final class NormKernels {
    private NormKernels() {
    }

    static void layerNorm(NDArray x, int rows, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean, NDArray rstd) {
        throw new UnsupportedOperationException("NormKernels: not implemented yet");
    }

    static void groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean, NDArray rstd) {
        throw new UnsupportedOperationException("NormKernels: not implemented yet");
    }
}
