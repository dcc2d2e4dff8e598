package dev.usp4j.autograd;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;

/**
 * Convolutions with their gradients. conv2d's input gradient is the transposed convolution of the output gradient
 * with the same weight and geometry (output padding chosen so that it has the input's extent, rows no window read
 * getting 0); conv_transpose2d's is the convolution of the output gradient. The weight gradients are one backend
 * kernel (im2col of what the taps read times the gradient, summed over images), and the bias gradient sums the
 * output gradient over batch and space. Gradients nobody needs (a frozen weight) are never computed.
 */
final class ConvOps {
    private ConvOps() {
    }

    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, Conv2dSpec spec) {
        NDArray x = input.data();
        NDArray w = weight.data();
        DType bt = bias == null ? null : bias.dtype();
        NDArray out = Functional.conv2d(x, w, bias == null ? null : bias.data(), spec);
        return Graph.record("conv2d", out, new Tensor[] {input, weight, bias}, c -> new NDArray[] {
            c.needs(0) ? like(Functional.conv2dInputGrad(c.g(), w, x.shape(), spec), x.dtype()) : null,
            c.needs(1) ? like(Functional.conv2dWeightGrad(x, c.g(), w.shape(), spec), w.dtype()) : null,
            c.needs(2) ? like(biasGrad(c.g()), bt) : null}, x, w);
    }

    static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, Conv2dSpec spec) {
        NDArray x = input.data();
        NDArray w = weight.data();
        DType bt = bias == null ? null : bias.dtype();
        NDArray out = Functional.convTranspose2d(x, w, bias == null ? null : bias.data(), spec);
        return Graph.record("conv_transpose2d", out, new Tensor[] {input, weight, bias}, c -> new NDArray[] {
            c.needs(0) ? like(Functional.convTranspose2dInputGrad(c.g(), w, x.shape(), spec), x.dtype()) : null,
            c.needs(1) ? like(Functional.convTranspose2dWeightGrad(x, c.g(), w.shape(), spec), w.dtype()) : null,
            c.needs(2) ? like(biasGrad(c.g()), bt) : null}, x, w);
    }

    /** Σ of [N, C, H, W] (or unbatched [C, H, W]) over everything but C. */
    private static NDArray biasGrad(NDArray g) {
        return g.rank() == 3 ? g.sum(1, 2) : g.sum(0, 2, 3);
    }

    /** The gradient in its input's dtype (kernels compute in F32; a BF16 weight gets a BF16 gradient). */
    static NDArray like(NDArray grad, DType dtype) {
        return grad.to(dtype);
    }
}
