package dev.usp4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks (GradCheck) of every reduction, scan and softmax, on transposed and broadcast inputs.
 * Inputs are free of ties (distinct values a step apart) and of zeros, except in the cases about zeros: products
 * are multilinear, so their differences stay exact there.
 */
class ReductionGradCheckTest {
    private final Generator gen = new Generator(31);

    private NDArray randn(int... shape) {
        return NDArray.randn(gen, shape);
    }

    /** Distinct values 0.25 apart (shuffled): no ties within a finite-difference step. */
    private NDArray distinct(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return NDArray.randperm(gen, n).to(DType.F32).mul(0.25).sub(n * 0.125).reshape(shape);
    }

    /** Magnitudes in [0.6, 1.6) with random signs: no zeros, moderate products. */
    private NDArray factors(int... shape) {
        NDArray sign = NDArray.rand(gen, shape).gt(0.5).to(DType.F32).mul(2).sub(1);
        return NDArray.rand(gen, shape).add(0.6).mul(sign);
    }

    private static void check(String name, Function<Tensor[], Tensor> f, NDArray... in) {
        GradCheck.check(name, f, in);
    }

    private static int[] dims(int... d) {
        return d;
    }

    @Test
    void sumAndMean() {
        NDArray x = randn(3, 4, 5);
        for (boolean k : new boolean[] {false, true}) {
            check("sum_02_" + k, t -> t[0].sum(dims(0, 2), k), x);
            check("mean_m1_" + k, t -> t[0].mean(dims(-1), k), x);
            check("mean_all_" + k, t -> t[0].mean(null, k), x);
        }
        check("sum_all", t -> t[0].sum(), x);
        check("mean_transposed", t -> t[0].transpose(0, 2).mean(0, 1), x);
        check("sum_expanded", t -> t[0].narrow(1, 0, 1).expand(3, 6, 5).sum(dims(1, 2), false).exp(), x);
    }

    @Test
    void prod() {
        NDArray x = factors(3, 4, 5);
        for (boolean k : new boolean[] {false, true}) {
            check("prod_1_" + k, t -> t[0].prod(dims(1), k), x);
            check("prod_02_" + k, t -> t[0].prod(dims(0, 2), k), x);
        }
        check("prod_all", t -> t[0].prod(null, false), factors(2, 5));
        check("prod_transposed", t -> t[0].transpose(0, 2).prod(dims(-1), false), x);
        check("prod_expanded", t -> t[0].narrow(1, 0, 1).expand(3, 3, 5).prod(dims(1), false), x);
    }

    @Test
    void prodWithZeros() {
        NDArray z = factors(4, 6);
        z.set(0, 0, 2);             // one zero
        z.set(0, 1, 0);             // two zeros in row 1
        z.set(0, 1, 4);
        z.set(0, 3, 5);             // one zero at the end
        check("prod_zeros_rows", t -> t[0].prod(dims(1), false), z);
        check("prod_zeros_cols", t -> t[0].prod(dims(0), true), z);
        NDArray one = factors(3, 4);
        one.set(0, 1, 2);
        check("prod_all_one_zero", t -> t[0].prod(null, false), one);
        one.set(0, 2, 0);
        check("prod_all_two_zeros", t -> t[0].prod(null, false), one);
    }

    @Test
    void extremes() {
        NDArray x = distinct(4, 5, 6);
        for (boolean k : new boolean[] {false, true}) {
            check("amax_1_" + k, t -> t[0].amax(dims(1), k), x);
            check("amin_02_" + k, t -> t[0].amin(dims(0, 2), k), x);
            check("max_dim_" + k, t -> t[0].max(-1, k).values(), x);
            check("min_dim_" + k, t -> t[0].min(0, k).values(), x);
        }
        check("max", t -> t[0].max(), x);
        check("min", t -> t[0].min(), x);
        check("amax_transposed", t -> t[0].transpose(0, 2).amax(dims(0), false), x);
        check("max_dim_expanded", t -> t[0].narrow(1, 0, 1).expand(4, 3, 6).max(2, false).values().mul(t[0]
                .narrow(1, 0, 1).expand(4, 3, 6).min(2, false).values()), x);
    }

    @Test
    void logsumexp() {
        NDArray x = randn(3, 4, 5);
        for (boolean k : new boolean[] {false, true}) {
            check("logsumexp_02_" + k, t -> t[0].logsumexp(dims(0, 2), k), x);
            check("logsumexp_m1_" + k, t -> t[0].logsumexp(dims(-1), k), x);
        }
        check("logsumexp_all", t -> t[0].logsumexp(null, false), x);
        NDArray mask = randn(4, 5).gt(0.8);
        check("logsumexp_masked", t -> t[0].transpose(1, 2).maskedFill(mask.transpose(0, 1),
                Double.NEGATIVE_INFINITY).logsumexp(dims(1), false), x);
    }

    @Test
    void varAndStd() {
        NDArray x = randn(3, 4, 5);
        for (double corr : new double[] {0, 1, 2}) {
            for (boolean k : new boolean[] {false, true}) {
                check("var_1_" + corr + k, t -> t[0].var(dims(1), corr, k), x);
                check("std_02_" + corr + k, t -> t[0].std(dims(0, 2), corr, k), x);
            }
            check("var_all_" + corr, t -> t[0].var(null, corr, false), x);
            check("std_all_" + corr, t -> t[0].std(null, corr, false), x);
        }
        check("std_transposed", t -> t[0].transpose(0, 2).std(dims(-1), 1, false), x);
        check("var_expanded", t -> t[0].narrow(1, 0, 1).expand(3, 4, 5).var(dims(1, 2), 1, false), x);
    }

    @Test
    void scans() {
        NDArray x = randn(3, 4, 5);
        NDArray f = factors(3, 4, 5);
        for (int d : new int[] {0, 1, -1}) {
            check("cumsum_" + d, t -> t[0].cumsum(d), x);
            check("cumprod_" + d, t -> t[0].cumprod(d), f);
        }
        check("cumsum_transposed", t -> t[0].transpose(0, 2).cumsum(1), x);
        check("cumprod_transposed", t -> t[0].transpose(0, 2).cumprod(0), f);
        check("cumprod_expanded", t -> t[0].narrow(1, 0, 1).expand(3, 4, 5).cumprod(1), f);
    }

    @Test
    void cumprodWithZeros() {
        NDArray z = factors(5, 7);
        z.set(0, 0, 3);             // one zero
        z.set(0, 1, 0);             // zero first
        z.set(0, 2, 6);             // zero last
        z.set(0, 3, 1);             // two zeros
        z.set(0, 3, 4);
        z.set(0, 4, 2);             // adjacent zeros
        z.set(0, 4, 3);
        check("cumprod_zeros_rows", t -> t[0].cumprod(1), z);
        check("cumprod_zeros_cols", t -> t[0].cumprod(0), z);
        check("cumprod_zeros_transposed", t -> t[0].t().cumprod(0), z);
    }

    @Test
    void softmaxOverEachDim() {
        NDArray x = randn(2, 3, 4, 5);
        for (int d = -1; d < 4; d++) {
            int dim = d;
            check("softmax_" + d, t -> t[0].softmax(dim), x);
            check("log_softmax_" + d, t -> t[0].logSoftmax(dim), x);
        }
        NDArray y = randn(5, 6);
        check("softmax_transposed", t -> t[0].t().softmax(1), y);
        check("log_softmax_expanded", t -> t[0].narrow(0, 0, 1).expand(4, 6).logSoftmax(0), y);
        NDArray mask = randn(5, 6).gt(0.7).logicalAnd(NDArray.arange(6).ne(2)); // column 2 never masked
        check("softmax_masked", t -> t[0].maskedFill(mask, Double.NEGATIVE_INFINITY).softmax(1), y);
        check("log_softmax_masked", t -> t[0].maskedFill(mask, Double.NEGATIVE_INFINITY).logSoftmax(1)
                .maskedFill(mask, 0), y);
    }

    @Test
    void indicesCarryNoGradient() {
        Tensor x = Tensor.parameter(distinct(3, 4));
        TensorValuesIndices r = x.max(1, false);
        assertTrue(r.values().requiresGrad());
        assertEquals(DType.I64, r.indices().dtype());
        r.values().sum().backward();
        float[] g = x.grad().toFloatArray();
        long[] idx = r.indices().toLongArray();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(j == idx[i] ? 1f : 0f, g[i * 4 + j], "row " + i + " col " + j);
            }
        }
    }

    @Test
    void savedInputsChangedInPlaceAreDetected() {
        for (String op : new String[] {"prod", "cumprod", "var", "logsumexp", "amax"}) {
            Tensor x = Tensor.parameter(factors(3, 4));
            Tensor y = switch (op) {
                case "prod" -> x.prod(dims(1), false);
                case "cumprod" -> x.cumprod(1);
                case "var" -> x.var(dims(1), 1, false);
                case "logsumexp" -> x.logsumexp(dims(1), false);
                default -> x.amax(dims(1), false);
            };
            x.data().addInPlace(NDArray.scalar(1)); // bypasses autograd, as tensor.data does in PyTorch
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward(), op);
            assertTrue(e.getMessage().contains("modified in place"), e.getMessage());
        }
    }

    @Test
    void badArgumentsNameTheOp() {
        Tensor x = Tensor.parameter(randn(3, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.softmax(2));
        assertTrue(e.getMessage().contains("softmax") && e.getMessage().contains("dim 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.sum(dims(1, -1), false));
        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.max(-3, false));
        assertTrue(e.getMessage().contains("max") && e.getMessage().contains("-3"), e.getMessage());
        Tensor empty = Tensor.parameter(NDArray.zeros(3, 0));
        e = assertThrows(IllegalArgumentException.class, () -> empty.amax(dims(1), false));
        assertTrue(e.getMessage().contains("extent 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> empty.min(1, true));
        assertTrue(e.getMessage().contains("extent 0"), e.getMessage());
        assertFalse(Tensor.of(randn(2, 2)).sum().requiresGrad());
    }
}
