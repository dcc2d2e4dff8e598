package dev.usp4j.nn;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;

/**
 * Parameter initialisers with torch.nn.init's names and formulas, drawing from a {@link Generator} (the default
 * one unless given, so {@code Generator.manualSeed} makes model construction repeatable). Each fills the tensor in
 * place outside the graph and returns it. Fan-in and fan-out follow PyTorch: for a weight of shape
 * [out, in, k...] they are in·Πk and out·Πk, which is also how xavier_uniform treats a conv weight as a flattened
 * [out, in·kH·kW] matrix.
 */
public final class Init {
    private Init() {
    }

    /** [fanIn, fanOut] of a weight shape, as torch.nn.init._calculate_fan_in_and_fan_out. */
    public static int[] fans(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("init: fan in and fan out need at least 2 dims, got shape "
                    + java.util.Arrays.toString(shape));
        }
        int receptive = 1;
        for (int i = 2; i < shape.length; i++) {
            receptive *= shape[i];
        }
        return new int[] {shape[1] * receptive, shape[0] * receptive};
    }

    private static Tensor fill(Tensor t, NDArray values) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            t.data().copyFrom(values);
        }
        return t;
    }

    /** U(low, high). */
    public static Tensor uniform(Tensor t, double low, double high, Generator gen) {
        return fill(t, NDArray.rand(gen, t.data().device(), t.shape()).mul(high - low).add(low));
    }

    /** N(mean, std²). */
    public static Tensor normal(Tensor t, double mean, double std, Generator gen) {
        return fill(t, NDArray.randn(gen, t.data().device(), t.shape()).mul(std).add(mean));
    }

    /**
     * N(mean, std²) truncated to [a, b] by the inverse-CDF method of torch.nn.init.trunc_normal_ (timm's default
     * for ViT weights with std 0.02 and bounds ±2).
     */
    public static Tensor truncNormal(Tensor t, double mean, double std, double a, double b, Generator gen) {
        double lo = normCdf((a - mean) / std);
        double hi = normCdf((b - mean) / std);
        NDArray u = NDArray.rand(gen, t.data().device(), t.shape()).mul(2 * (hi - lo)).add(2 * lo - 1);
        // erfinv(u)·√2·std + mean, clamped to [a, b] against rounding.
        NDArray z = erfinv(u).mul(std * Math.sqrt(2)).add(mean).clamp(a, b);
        return fill(t, z);
    }

    /** Xavier/Glorot uniform: U(±gain·√(6/(fanIn+fanOut))). */
    public static Tensor xavierUniform(Tensor t, double gain, Generator gen) {
        int[] f = fans(t.shape());
        double bound = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform(t, -bound, bound, gen);
    }

    /** Kaiming uniform with negative slope a (leaky-ReLU gain), fan-in mode: U(±gain·√(3/fanIn)). */
    public static Tensor kaimingUniform(Tensor t, double a, Generator gen) {
        int fanIn = fans(t.shape())[0];
        double gain = Math.sqrt(2.0 / (1 + a * a));
        double bound = gain * Math.sqrt(3.0 / fanIn);
        return uniform(t, -bound, bound, gen);
    }

    /**
     * PyTorch's default init of Linear and Conv layers: kaiming_uniform(a=√5) on the weight, i.e. U(±1/√fanIn),
     * and U(±1/√fanIn) on the bias (which may be null).
     */
    public static void pytorchDefault(Tensor weight, Tensor bias, Generator gen) {
        kaimingUniform(weight, Math.sqrt(5), gen);
        if (bias != null) {
            double bound = 1 / Math.sqrt(fans(weight.shape())[0]);
            uniform(bias, -bound, bound, gen);
        }
    }

    public static Tensor zeros(Tensor t) {
        return constant(t, 0);
    }

    public static Tensor ones(Tensor t) {
        return constant(t, 1);
    }

    public static Tensor constant(Tensor t, double value) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            t.data().fill(value);
        }
        return t;
    }

    private static double normCdf(double x) {
        return 0.5 * (1 + erf(x / Math.sqrt(2)));
    }

    /**
     * erf in double for the two truncation bounds: its Taylor series below 3, and beyond the first terms of the
     * asymptotic erfc series (absolute error under 1e-6, far below the float draws it scales).
     */
    private static double erf(double x) {
        double t = Math.abs(x);
        double sum = 0;
        double term = t;
        for (int n = 0; n < 200 && t < 3; n++) {
            sum += term / (2 * n + 1);
            term *= -t * t / (n + 1);
        }
        double r = t < 3 ? 2 / Math.sqrt(Math.PI) * sum : 1 - StrictMath.exp(-t * t) / (t * Math.sqrt(Math.PI))
                * (1 - 1 / (2 * t * t));
        return x < 0 ? -r : r;
    }

    /** erfinv by Giles' single-precision approximation ("Approximating the erfinv function", GPU Gems 2012). */
    private static NDArray erfinv(NDArray x) {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            double w = -StrictMath.log((1.0 - v[i]) * (1.0 + v[i]));
            double p;
            if (w < 5.0) {
                w -= 2.5;
                p = 2.81022636e-08;
                p = 3.43273939e-07 + p * w;
                p = -3.5233877e-06 + p * w;
                p = -4.39150654e-06 + p * w;
                p = 0.00021858087 + p * w;
                p = -0.00125372503 + p * w;
                p = -0.00417768164 + p * w;
                p = 0.246640727 + p * w;
                p = 1.50140941 + p * w;
            } else {
                w = Math.sqrt(w) - 3.0;
                p = -0.000200214257;
                p = 0.000100950558 + p * w;
                p = 0.00134934322 + p * w;
                p = -0.00367342844 + p * w;
                p = 0.00573950773 + p * w;
                p = -0.0076224613 + p * w;
                p = 0.00943887047 + p * w;
                p = 1.00167406 + p * w;
                p = 2.83297682 + p * w;
            }
            v[i] = (float) (p * v[i]);
        }
        return NDArray.of(v, x.shape()).to(x.device());
    }
}
