package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.*;

/** 2-D convolution and transposed convolution. */
final class ConvKernels {
    private ConvKernels() {
    }

    static void conv2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out) {
        throw new UnsupportedOperationException("ConvKernels: not implemented yet");
    }

    static void convTranspose2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out) {
        throw new UnsupportedOperationException("ConvKernels: not implemented yet");
    }
}
