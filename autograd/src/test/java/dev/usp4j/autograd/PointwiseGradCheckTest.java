package dev.usp4j.autograd;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks (GradCheck) of every elementwise op and view, on non-contiguous and broadcast inputs.
 * Inputs are small and kept away from kinks.
 */
class PointwiseGradCheckTest {
    private final Generator gen = new Generator(7);

    private NDArray randn(int... shape) {
        return NDArray.randn(gen, shape);
    }

    /** Normal samples pushed at least 0.1 away from 0 (for relu, abs). */
    private NDArray awayFromZero(int... shape) {
        NDArray x = randn(shape);
        return x.add(x.sign().mul(0.1)).add(x.eq(0).to(dev.usp4j.tensor.DType.F32).mul(0.2));
    }

    private NDArray positive(int... shape) {
        return NDArray.rand(gen, shape).mul(2).add(0.3);
    }

    private static void check(String name, Function<Tensor[], Tensor> f, NDArray... in) {
        GradCheck.check(name, f, in);
    }

    @Test
    void unaryOpsOnTransposedInputs() {
        NDArray any = randn(5, 4);
        NDArray pos = positive(5, 4);
        check("neg", t -> t[0].t().neg(), any);
        check("abs", t -> t[0].t().abs(), awayFromZero(5, 4));
        check("exp", t -> t[0].t().exp(), any);
        check("log", t -> t[0].t().log(), pos);
        check("sqrt", t -> t[0].t().sqrt(), pos);
        check("rsqrt", t -> t[0].t().rsqrt(), pos);
        check("sin", t -> t[0].t().sin(), any);
        check("cos", t -> t[0].t().cos(), any);
        check("tanh", t -> t[0].t().tanh(), any);
        check("erf", t -> t[0].t().erf(), any);
        check("sigmoid", t -> t[0].t().sigmoid(), any);
        check("silu", t -> t[0].t().silu(), any);
        check("gelu", t -> t[0].t().gelu(), any);
        check("gelu_tanh", t -> t[0].t().gelu(true), any);
        check("relu", t -> t[0].t().relu(), awayFromZero(5, 4));
        check("square", t -> t[0].t().square(), any);
        check("reciprocal", t -> t[0].t().reciprocal(), pos);
        check("log1p", t -> t[0].t().log1p(), pos);
        check("expm1", t -> t[0].t().expm1(), any);
        check("pow_scalar", t -> t[0].t().pow(2.5), pos);
        check("clamp", t -> t[0].t().clamp(-0.55, 0.45), awayFromZero(5, 4).mul(0.5).add(0.013));
        check("floor", t -> t[0].t().floor().add(t[0].t()), any.add(0.37));
    }

    @Test
    void binaryOpsWithBroadcasting() {
        NDArray a = randn(3, 1, 5);
        NDArray b = randn(4, 5);
        check("add", t -> t[0].add(t[1]), a, b);
        check("sub", t -> t[0].sub(t[1]), a, b);
        check("mul", t -> t[0].mul(t[1]), a, b);
        check("div", t -> t[0].div(t[1]), a, positive(4, 5));
        check("pow", t -> t[0].pow(t[1]), positive(3, 1, 5), b);
        check("maximum", t -> t[0].maximum(t[1]), a, b.add(0.01));
        check("minimum", t -> t[0].minimum(t[1]), a, b.add(0.01));
        check("scalars", t -> t[0].add(1.5).mul(-2).sub(0.5).div(3), a);
        NDArray cond = randn(4, 1).gt(0);
        check("where", t -> Tensor.where(cond, t[0], t[1]), a, b);
        check("masked_fill", t -> t[0].maskedFill(cond, 2.0), randn(3, 4, 5));
    }

    @Test
    void viewsPassGradientsBack() {
        NDArray x = randn(2, 3, 4);
        check("reshape", t -> t[0].reshape(4, 6).exp(), x);
        check("permute", t -> t[0].permute(2, 0, 1).sin(), x);
        check("narrow", t -> t[0].narrow(2, 1, 2).square(), x);
        check("slice", t -> t[0].slice(2, 0, 4, 3).square(), x);
        check("select", t -> t[0].select(1, 1).exp(), x);
        check("expand", t -> t[0].narrow(1, 0, 1).expand(2, 5, 4).sin(), x);
        check("unsqueeze_squeeze", t -> t[0].unsqueeze(1).squeeze(1).flatten(0, 1).cos(), x);
        check("mT_contiguous", t -> t[0].mT().contiguous().tanh(), x);
    }
}
