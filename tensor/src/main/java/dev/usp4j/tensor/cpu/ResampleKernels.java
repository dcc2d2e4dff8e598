package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.*;

/** Interpolation, average pooling and padding. */
final class ResampleKernels {
    private ResampleKernels() {
    }

    static void interpolate(NDArray x, InterpolationMode mode, boolean alignCorners, double scaleH, double scaleW, NDArray out) {
        throw new UnsupportedOperationException("ResampleKernels: not implemented yet");
    }

    static void avgPool2d(NDArray x, Pool2dSpec spec, NDArray out) {
        throw new UnsupportedOperationException("ResampleKernels: not implemented yet");
    }

    static void pad(NDArray x, int[] pads, PadMode mode, double value, NDArray out) {
        throw new UnsupportedOperationException("ResampleKernels: not implemented yet");
    }
}
