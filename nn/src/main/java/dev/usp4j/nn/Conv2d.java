package dev.usp4j.nn;

import dev.usp4j.autograd.Functional;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;

/**
 * 2-D convolution (nn.Conv2d) of [N, Cin, H, W] (or unbatched [Cin, H, W]) inputs: weight [Cout, Cin/groups, kH, kW]
 * and optional bias [Cout] as in PyTorch's state dicts, initialised like PyTorch (U(±1/√fanIn) for both, fanIn =
 * Cin/groups·kH·kW). Stride, dilation, groups and zero padding come from a {@link Conv2dSpec}, which also allows the
 * asymmetric padding (0, 1, 0, 1) of the SD-VAE's downsampling convolutions that nn.Conv2d cannot express.
 */
public final class Conv2d extends UnaryModule {
    public final Tensor weight;
    public final Tensor bias;
    private final int in;
    private final int out;
    private final int kh;
    private final int kw;
    private final Conv2dSpec spec;

    /** A square kernel, stride 1, no padding, with bias. */
    public Conv2d(int in, int out, int kernel) {
        this(in, out, kernel, 1, 0);
    }

    /** A square kernel with symmetric stride and padding, with bias. */
    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, 1, 1, true);
    }

    /** nn.Conv2d's argument list for square geometry. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias) {
        this(in, out, kernel, kernel, Conv2dSpec.of(stride, padding).withDilation(dilation, dilation)
                .withGroups(groups), bias);
    }

    /** Any geometry: a kH×kW kernel and the spec's strides, padding (per side), dilation and groups. */
    public Conv2d(int in, int out, int kernelH, int kernelW, Conv2dSpec spec, boolean bias) {
        checkChannels("Conv2d", in, out, kernelH, kernelW, spec);
        if (spec.outputPaddingH() != 0 || spec.outputPaddingW() != 0) {
            throw new IllegalArgumentException("Conv2d: output padding only applies to ConvTranspose2d, got " + spec);
        }
        this.in = in;
        this.out = out;
        this.kh = kernelH;
        this.kw = kernelW;
        this.spec = spec;
        this.weight = registerParameter("weight", NDArray.zeros(out, in / spec.groups(), kernelH, kernelW));
        this.bias = bias ? registerParameter("bias", NDArray.zeros(out)) : null;
        Init.pytorchDefault(weight, this.bias, Generator.defaultGenerator());
    }

    static void checkChannels(String layer, int in, int out, int kh, int kw, Conv2dSpec spec) {
        if (in <= 0 || out <= 0 || kh <= 0 || kw <= 0) {
            throw new IllegalArgumentException(layer + ": channels and kernel sizes must be positive, got in=" + in
                    + ", out=" + out + ", kernel=" + kh + "x" + kw);
        }
        if (in % spec.groups() != 0 || out % spec.groups() != 0) {
            throw new IllegalArgumentException(layer + ": in_channels (" + in + ") and out_channels (" + out
                    + ") must both be divisible by groups (" + spec.groups() + ")");
        }
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
        return Functional.conv2d(x, weight, bias, spec);
    }

    @Override
    protected String extraRepr() {
        return repr(in, out, kh, kw, spec, bias != null);
    }

    /** _ConvNd.extra_repr: the non-default arguments; asymmetric padding as (top, bottom, left, right). */
    static String repr(int in, int out, int kh, int kw, Conv2dSpec s, boolean bias) {
        StringBuilder sb = new StringBuilder().append(in).append(", ").append(out).append(", kernel_size=")
                .append(PyRepr.tuple(kh, kw)).append(", stride=").append(PyRepr.tuple(s.strideH(), s.strideW()));
        if (s.padTop() != 0 || s.padBottom() != 0 || s.padLeft() != 0 || s.padRight() != 0) {
            boolean symmetric = s.padTop() == s.padBottom() && s.padLeft() == s.padRight();
            sb.append(", padding=").append(symmetric ? PyRepr.tuple(s.padTop(), s.padLeft())
                    : PyRepr.tuple(s.padTop(), s.padBottom(), s.padLeft(), s.padRight()));
        }
        if (s.dilationH() != 1 || s.dilationW() != 1) {
            sb.append(", dilation=").append(PyRepr.tuple(s.dilationH(), s.dilationW()));
        }
        if (s.outputPaddingH() != 0 || s.outputPaddingW() != 0) {
            sb.append(", output_padding=").append(PyRepr.tuple(s.outputPaddingH(), s.outputPaddingW()));
        }
        if (s.groups() != 1) {
            sb.append(", groups=").append(s.groups());
        }
        if (!bias) {
            sb.append(", bias=False");
        }
        return sb.toString();
    }
}
