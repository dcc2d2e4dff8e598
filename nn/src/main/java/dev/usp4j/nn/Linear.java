package dev.usp4j.nn;

import dev.usp4j.autograd.Functional;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;

/**
 * y = x·Wᵀ + b (nn.Linear), with W of shape [out, in] as in PyTorch's state dicts. Any number of leading dims:
 * [batch, tokens, in] multiplies as one [batch·tokens, in] GEMM. Initialised like PyTorch (U(±1/√in) for both).
 */
public final class Linear extends UnaryModule {
    public final Tensor weight;
    public final Tensor bias;
    private final int in;
    private final int out;

    public Linear(int in, int out) {
        this(in, out, true);
    }

    public Linear(int in, int out, boolean bias) {
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", NDArray.zeros(out, in));
        this.bias = bias ? registerParameter("bias", NDArray.zeros(out)) : null;
        Init.pytorchDefault(weight, this.bias, Generator.defaultGenerator());
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException("Linear(" + in + ", " + out + "): input's last dim must be " + in
                    + ", got shape " + java.util.Arrays.toString(x.shape()));
        }
        return Functional.linear(x, weight, bias);
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + (bias != null ? "True" : "False");
    }
}
