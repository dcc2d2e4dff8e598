package dev.usp4j.autograd;

import static dev.usp4j.autograd.ConvOps.like;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;

/**
 * Resampling, pooling and padding with their gradients, each the adjoint of its forward computed by a backend
 * kernel with the forward's own index and weight rules: interpolate scatters every output gradient into the taps it
 * read, avg_pool2d spreads it over its window divided by the same divisor, and pad sums the output gradient of every
 * position copied from an input element (a CONSTANT pad's gradient is the interior window). None of them reads the
 * forward's values, so nothing is saved.
 */
final class ResampleOps {
    private ResampleOps() {
    }

    static Tensor interpolate(Tensor input, int outH, int outW, InterpolationMode mode, boolean alignCorners) {
        NDArray x = input.data();
        int[] shape = x.shape();
        DType t = x.dtype();
        NDArray out = Functional.interpolate(x, outH, outW, mode, alignCorners);
        return Graph.record("interpolate", out, input, c -> new NDArray[] {
            like(Functional.interpolateBackward(c.g(), shape, mode, alignCorners), t)});
    }

    static Tensor interpolate(Tensor input, double scaleH, double scaleW, InterpolationMode mode,
                              boolean alignCorners) {
        NDArray x = input.data();
        int[] shape = x.shape();
        DType t = x.dtype();
        NDArray out = Functional.interpolate(x, scaleH, scaleW, mode, alignCorners);
        return Graph.record("interpolate", out, input, c -> new NDArray[] {
            like(Functional.interpolateBackward(c.g(), shape, scaleH, scaleW, mode, alignCorners), t)});
    }

    static Tensor avgPool2d(Tensor input, Pool2dSpec spec) {
        NDArray x = input.data();
        int[] shape = x.shape();
        DType t = x.dtype();
        NDArray out = Functional.avgPool2d(x, spec);
        return Graph.record("avg_pool2d", out, input, c -> new NDArray[] {
            like(Functional.avgPool2dBackward(c.g(), shape, spec), t)});
    }

    static Tensor pad(Tensor input, int[] pads, PadMode mode, double value) {
        NDArray x = input.data();
        int[] shape = x.shape();
        DType t = x.dtype();
        int[] p = pads.clone();
        NDArray out = Functional.pad(x, p, mode, value);
        return Graph.record("pad", out, input, c -> new NDArray[] {
            like(Functional.padBackward(c.g(), shape, p, mode), t)});
    }
}
