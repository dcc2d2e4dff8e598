package dev.usp4j.autograd;

import static dev.usp4j.autograd.Graph.sumTo;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;

/**
 * Elementwise ops with their gradients, each forward beside its backward rule. Broadcast operands get their
 * gradient reduced back to their own shape ({@link Graph#sumTo}); ties and kinks follow PyTorch (maximum splits a
 * tie's gradient in half, relu and clamp pass the gradient where the input is inside the closed range, abs has
 * gradient 0 at 0).
 */
final class PointwiseOps {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private PointwiseOps() {
    }

    private static Tensor[] in(Tensor... t) {
        return t;
    }

    static Tensor add(Tensor a, Tensor b) {
        int[] as = a.shape();
        int[] bs = b.shape();
        return Graph.record("add", a.data().add(b.data()), in(a, b),
                c -> new NDArray[] {c.needs(0) ? sumTo(c.g(), as) : null, c.needs(1) ? sumTo(c.g(), bs) : null});
    }

    static Tensor add(Tensor a, double v) {
        return Graph.record("add", a.data().add(v), a, c -> new NDArray[] {c.g()});
    }

    static Tensor sub(Tensor a, Tensor b) {
        int[] as = a.shape();
        int[] bs = b.shape();
        return Graph.record("sub", a.data().sub(b.data()), in(a, b),
                c -> new NDArray[] {c.needs(0) ? sumTo(c.g(), as) : null,
                    c.needs(1) ? sumTo(c.g().neg(), bs) : null});
    }

    static Tensor mul(Tensor a, Tensor b) {
        NDArray x = a.data();
        NDArray y = b.data();
        return Graph.record("mul", x.mul(y), in(a, b),
                c -> new NDArray[] {c.needs(0) ? sumTo(c.g().mul(y), x.shape()) : null,
                    c.needs(1) ? sumTo(c.g().mul(x), y.shape()) : null}, x, y);
    }

    static Tensor mul(Tensor a, double v) {
        return Graph.record("mul", a.data().mul(v), a, c -> new NDArray[] {c.g().mul(v)});
    }

    static Tensor div(Tensor a, Tensor b) {
        NDArray x = a.data();
        NDArray y = b.data();
        return Graph.record("div", x.div(y), in(a, b),
                c -> new NDArray[] {c.needs(0) ? sumTo(c.g().div(y), x.shape()) : null,
                    c.needs(1) ? sumTo(c.g().mul(x).div(y.square()).neg(), y.shape()) : null}, x, y);
    }

    /** d/da a^b = b·a^(b−1); d/db a^b = a^b·log a, taken as 0 where a = 0 and b ≥ 0 (PyTorch's convention). */
    static Tensor pow(Tensor a, Tensor b) {
        NDArray x = a.data();
        NDArray y = b.data();
        NDArray out = x.pow(y);
        return Graph.record("pow", out, in(a, b), c -> new NDArray[] {
            c.needs(0) ? sumTo(c.g().mul(y).mul(x.pow(y.sub(1))), x.shape()) : null,
            c.needs(1) ? sumTo(c.g().mul(out).mul(x.log()).maskedFill(x.eq(0).logicalAnd(y.ge(0)), 0), y.shape())
                : null}, x, y, out);
    }

    static Tensor pow(Tensor a, double p) {
        NDArray x = a.data();
        return Graph.record("pow", x.pow(p), a,
                c -> new NDArray[] {p == 0 ? c.g().zerosLike() : c.g().mul(x.pow(p - 1)).mul(p)}, x);
    }

    /** A tie sends half the gradient to each side, as torch.maximum's backward does. */
    static Tensor maximum(Tensor a, Tensor b) {
        return extremum("maximum", a, b, true);
    }

    static Tensor minimum(Tensor a, Tensor b) {
        return extremum("minimum", a, b, false);
    }

    private static Tensor extremum(String op, Tensor a, Tensor b, boolean max) {
        NDArray x = a.data();
        NDArray y = b.data();
        NDArray out = max ? x.maximum(y) : x.minimum(y);
        return Graph.record(op, out, in(a, b), c -> {
            NDArray tie = x.eq(y);
            NDArray half = c.g().mul(0.5);
            NDArray ga = null;
            NDArray gb = null;
            if (c.needs(0)) {
                NDArray wins = max ? x.gt(y) : x.lt(y);
                ga = sumTo(NDArray.where(tie, half, c.g().maskedFill(wins.logicalNot(), 0)), x.shape());
            }
            if (c.needs(1)) {
                NDArray wins = max ? y.gt(x) : y.lt(x);
                gb = sumTo(NDArray.where(tie, half, c.g().maskedFill(wins.logicalNot(), 0)), y.shape());
            }
            return new NDArray[] {ga, gb};
        }, x, y);
    }

    static Tensor neg(Tensor a) {
        return Graph.record("neg", a.data().neg(), a, c -> new NDArray[] {c.g().neg()});
    }

    static Tensor abs(Tensor a) {
        NDArray x = a.data();
        return Graph.record("abs", x.abs(), a, c -> new NDArray[] {c.g().mul(x.sign())}, x);
    }

    static Tensor exp(Tensor a) {
        NDArray out = a.data().exp();
        return Graph.record("exp", out, a, c -> new NDArray[] {c.g().mul(out)}, out);
    }

    static Tensor log(Tensor a) {
        NDArray x = a.data();
        return Graph.record("log", x.log(), a, c -> new NDArray[] {c.g().div(x)}, x);
    }

    static Tensor sqrt(Tensor a) {
        NDArray out = a.data().sqrt();
        return Graph.record("sqrt", out, a, c -> new NDArray[] {c.g().div(out.mul(2))}, out);
    }

    /** d/dx x^(−1/2) = −x^(−3/2)/2 = −out³/2. */
    static Tensor rsqrt(Tensor a) {
        NDArray out = a.data().rsqrt();
        return Graph.record("rsqrt", out, a, c -> new NDArray[] {c.g().mul(out.pow(3)).mul(-0.5)}, out);
    }

    static Tensor sin(Tensor a) {
        NDArray x = a.data();
        return Graph.record("sin", x.sin(), a, c -> new NDArray[] {c.g().mul(x.cos())}, x);
    }

    static Tensor cos(Tensor a) {
        NDArray x = a.data();
        return Graph.record("cos", x.cos(), a, c -> new NDArray[] {c.g().mul(x.sin()).neg()}, x);
    }

    static Tensor tanh(Tensor a) {
        NDArray out = a.data().tanh();
        return Graph.record("tanh", out, a, c -> new NDArray[] {Functional.tanhBackward(c.g(), out)}, out);
    }

    static Tensor erf(Tensor a) {
        NDArray x = a.data();
        return Graph.record("erf", x.erf(), a,
                c -> new NDArray[] {c.g().mul(x.square().neg().exp()).mul(TWO_OVER_SQRT_PI)}, x);
    }

    static Tensor sigmoid(Tensor a) {
        NDArray out = a.data().sigmoid();
        return Graph.record("sigmoid", out, a, c -> new NDArray[] {Functional.sigmoidBackward(c.g(), out)}, out);
    }

    /** d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x))), one fused pass (aten::silu_backward). */
    static Tensor silu(Tensor a) {
        NDArray x = a.data();
        return Graph.record("silu", x.silu(), a, c -> new NDArray[] {Functional.siluBackward(c.g(), x)}, x);
    }

    /**
     * Exact: d/dx x·Φ(x) = Φ(x) + x·φ(x). Tanh form with u = √(2/π)(x + 0.044715x³), t = tanh u:
     * 0.5(1 + t) + 0.5x(1 − t²)·√(2/π)(1 + 3·0.044715x²). Each is one fused pass (aten::gelu_backward).
     */
    static Tensor gelu(Tensor a, boolean tanhApproximation) {
        NDArray x = a.data();
        return Graph.record(tanhApproximation ? "gelu_tanh" : "gelu", x.gelu(tanhApproximation), a,
                c -> new NDArray[] {Functional.geluBackward(c.g(), x, tanhApproximation)}, x);
    }

    static Tensor relu(Tensor a) {
        NDArray out = a.data().relu();
        return Graph.record("relu", out, a, c -> new NDArray[] {c.g().maskedFill(out.le(0), 0)}, out);
    }

    static Tensor square(Tensor a) {
        NDArray x = a.data();
        return Graph.record("square", x.square(), a, c -> new NDArray[] {c.g().mul(x).mul(2)}, x);
    }

    static Tensor reciprocal(Tensor a) {
        NDArray out = a.data().reciprocal();
        return Graph.record("reciprocal", out, a, c -> new NDArray[] {c.g().mul(out.square()).neg()}, out);
    }

    static Tensor log1p(Tensor a) {
        NDArray x = a.data();
        return Graph.record("log1p", x.log1p(), a, c -> new NDArray[] {c.g().div(x.add(1))}, x);
    }

    static Tensor expm1(Tensor a) {
        NDArray out = a.data().expm1();
        return Graph.record("expm1", out, a, c -> new NDArray[] {c.g().mul(out.add(1))}, out);
    }

    /** The gradient passes where min ≤ x ≤ max (closed, as in PyTorch). */
    static Tensor clamp(Tensor a, double min, double max) {
        NDArray x = a.data();
        return Graph.record("clamp", x.clamp(min, max), a,
                c -> new NDArray[] {c.g().maskedFill(x.lt(min).logicalOr(x.gt(max)), 0)}, x);
    }

    /** Ops whose output is piecewise constant in the input: recorded with a zero gradient. */
    static Tensor constantGradient(String op, Tensor a, NDArray out) {
        return Graph.record(op, out.dtype() == DType.F32 ? out : out.to(DType.F32), a,
                c -> new NDArray[] {c.g().zerosLike()});
    }

    static Tensor where(NDArray cond, Tensor a, Tensor b) {
        int[] as = a.shape();
        int[] bs = b.shape();
        NDArray mask = cond.dtype() == DType.BOOL ? cond : cond.ne(0);
        return Graph.record("where", NDArray.where(mask, a.data(), b.data()), in(a, b), c -> new NDArray[] {
            c.needs(0) ? sumTo(c.g().maskedFill(mask.logicalNot().broadcastTo(c.g().shape()), 0), as) : null,
            c.needs(1) ? sumTo(c.g().maskedFill(mask.broadcastTo(c.g().shape()), 0), bs) : null}, mask);
    }

    static Tensor maskedFill(Tensor a, NDArray mask, double value) {
        return Graph.record("masked_fill", a.data().maskedFill(mask, value), a,
                c -> new NDArray[] {c.g().maskedFill(mask, 0)}, mask);
    }
}
