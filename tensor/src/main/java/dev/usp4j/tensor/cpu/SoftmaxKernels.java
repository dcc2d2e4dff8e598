package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.*;

/** Softmax and log-softmax along one dim. */
final class SoftmaxKernels {
    private SoftmaxKernels() {
    }

    static void softmax(NDArray x, int dim, boolean log, NDArray out) {
        throw new UnsupportedOperationException("SoftmaxKernels: not implemented yet");
    }
}
