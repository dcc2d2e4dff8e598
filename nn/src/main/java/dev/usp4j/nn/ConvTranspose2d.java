package dev.usp4j.nn;

import dev.usp4j.autograd.Functional;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;

/**
 * 2-D transposed convolution (nn.ConvTranspose2d): weight [Cin, Cout/groups, kH, kW] and optional bias [Cout] as in
 * PyTorch's state dicts, PyTorch's default init (its fan-in is taken from the weight's dim 1, Cout/groups·kH·kW, as
 * PyTorch does). Output height (H−1)·stride − padTop − padBottom + dilation·(kH−1) + outputPadding + 1; padding
 * crops the full output (see {@link Conv2dSpec}).
 */
public final class ConvTranspose2d extends UnaryModule {
    public final Tensor weight;
    public final Tensor bias;
    private final int in;
    private final int out;
    private final int kh;
    private final int kw;
    private final Conv2dSpec spec;

    /** A square kernel, stride 1, no padding, with bias. */
    public ConvTranspose2d(int in, int out, int kernel) {
        this(in, out, kernel, 1, 0);
    }

    /** A square kernel with symmetric stride and padding, with bias. */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, 0, 1, true, 1);
    }

    /** nn.ConvTranspose2d's argument list (and order) for square geometry. */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, int outputPadding, int groups,
                           boolean bias, int dilation) {
        this(in, out, kernel, kernel, Conv2dSpec.of(stride, padding).withOutputPadding(outputPadding, outputPadding)
                .withGroups(groups).withDilation(dilation, dilation), bias);
    }

    /** Any geometry: a kH×kW kernel and the spec's strides, padding, output padding, dilation and groups. */
    public ConvTranspose2d(int in, int out, int kernelH, int kernelW, Conv2dSpec spec, boolean bias) {
        Conv2d.checkChannels("ConvTranspose2d", in, out, kernelH, kernelW, spec);
        if (spec.outputPaddingH() >= Math.max(spec.strideH(), spec.dilationH())
                || spec.outputPaddingW() >= Math.max(spec.strideW(), spec.dilationW())) {
            throw new IllegalArgumentException("ConvTranspose2d: output padding must be smaller than either stride"
                    + " or dilation, got " + spec);
        }
        this.in = in;
        this.out = out;
        this.kh = kernelH;
        this.kw = kernelW;
        this.spec = spec;
        this.weight = registerParameter("weight", NDArray.zeros(in, out / spec.groups(), kernelH, kernelW));
        this.bias = bias ? registerParameter("bias", NDArray.zeros(out)) : null;
        Init.pytorchDefault(weight, this.bias, Generator.defaultGenerator());
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    public Conv2dSpec spec() {
        return spec;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.convTranspose2d(x, weight, bias, spec);
    }

    @Override
    protected String extraRepr() {
        return Conv2d.repr(in, out, kh, kw, spec, bias != null);
    }
}
