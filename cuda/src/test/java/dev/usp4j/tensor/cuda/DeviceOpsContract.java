package dev.usp4j.tensor.cuda;

import static dev.usp4j.tensor.cuda.CudaTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.AttentionResult;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.NormResult;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ops of a device backend against the CPU backend on the same random inputs, forward and backward, including
 * strided, transposed and broadcast operands: relative error (of the max norm) within {@link #ELEMENTWISE} for
 * elementwise ops and reductions and {@link #HEAVY} for GEMM, convolution, norms and attention (the CUDA issue's
 * bounds). The same bodies run on CUDA ({@link CudaOpsTest}) and, everywhere, on the emulated device
 * ({@link EmulatedDeviceOpsTest}), which keeps the test bodies themselves honest on machines without a GPU.
 */
abstract class DeviceOpsContract {
    static final double ELEMENTWISE = 1e-5;
    static final double HEAVY = 1e-4;

    /** The device under test. */
    abstract Device device();

    static NDArray randn(long seed, int... shape) {
        return NDArray.randn(new Generator(seed), shape);
    }

    NDArray d(NDArray x) {
        return x == null ? null : x.to(device());
    }

    /** The same function on the CPU and on the device. */
    void same(String what, double tol, UnaryOperator<NDArray> f, NDArray x) {
        assertClose(what, f.apply(x), f.apply(d(x)), tol);
    }

    @Test
    void movesEveryDtypeBothWaysAndConverts() {
        NDArray x = randn(1, 3, 5).mul(40);
        for (DType t : DType.values()) {
            NDArray c = x.to(t);
            assertClose("round trip " + t, c, d(c), 0);
            for (DType u : DType.values()) {
                assertClose("convert " + t + " -> " + u, c.to(u), d(c).to(u), 0);
                assertClose("strided convert " + t + " -> " + u, c.t().to(u).contiguous(), d(c).t().to(u).contiguous(), 0);
            }
        }
        // Non-finite and out-of-range values have no defined integer conversion (C++ and so PyTorch leave it
        // undefined; the CPU wraps through long, the GPU saturates): only the float and bool targets are compared.
        NDArray special = NDArray.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f, 3.5f, -2.5f, 1e10f}, 6);
        for (DType u : new DType[] {DType.F32, DType.BF16, DType.F16, DType.BOOL}) {
            assertClose("specials -> " + u, special.to(u), d(special).to(u), 0);
        }
        NDArray halves = NDArray.of(new float[] {3.5f, -2.5f, -0.5f, 7.9f, -7.9f, 2e9f}, 6);
        for (DType u : new DType[] {DType.I32, DType.I64}) {
            assertClose("truncation -> " + u, halves.to(u), d(halves).to(u), 0);
        }
    }

    @Test
    void fillsArangeAndCopiesIntoViews() {
        for (DType t : DType.values()) {
            assertClose("full " + t, NDArray.full(t, 3, 4, 5), NDArray.full(t, 3, 4, 5).to(device()).fill(3), 0);
        }
        NDArray a = NDArray.zeros(6, 7);
        NDArray da = d(a);
        a.slice(1, 1, 7, 2).copyFrom(randn(2, 6, 3));
        da.slice(1, 1, 7, 2).copyFrom(d(randn(2, 6, 3)));
        assertClose("copy into a strided view", a, da, 0);
        for (DType t : new DType[] {DType.F32, DType.I32, DType.I64}) {
            NDArray ref = NDArray.zeros(t, Device.CPU, 9);
            ref.backend().arange(0.5, 0.75, ref);
            NDArray dev = NDArray.zeros(t, device(), 9);
            dev.backend().arange(0.5, 0.75, dev);
            assertClose("arange " + t, ref, dev, 0);
        }
    }

    @Test
    void unaryOpsMatchTheCpu() {
        NDArray x = randn(3, 7, 33).mul(3);
        NDArray pos = x.abs().add(0.1);
        List<UnaryOperator<NDArray>> ops = List.of(NDArray::neg, NDArray::abs, NDArray::exp, NDArray::sin, NDArray::cos,
                NDArray::tanh, NDArray::erf, NDArray::sigmoid, NDArray::silu, NDArray::gelu, v -> v.gelu(true),
                NDArray::relu, NDArray::square, NDArray::reciprocal, NDArray::floor, NDArray::ceil, NDArray::round,
                NDArray::sign, NDArray::expm1, v -> v.clamp(-1, 2), v -> v.pow(3), NDArray::logicalNot);
        for (int i = 0; i < ops.size(); i++) {
            same("unary #" + i, ELEMENTWISE, ops.get(i), x);
            UnaryOperator<NDArray> f = ops.get(i);
            same("unary #" + i + " transposed", ELEMENTWISE, v -> f.apply(v.t()), x);
        }
        for (UnaryOperator<NDArray> f : List.<UnaryOperator<NDArray>>of(NDArray::log, NDArray::sqrt, NDArray::rsqrt,
                NDArray::log1p, v -> v.pow(0.5))) {
            same("unary on positives", ELEMENTWISE, f, pos);
        }
        same("unary on an offset view", ELEMENTWISE, v -> v.narrow(1, 3, 20).exp(), x);
    }

    @Test
    void binaryOpsCompareAndWhereBroadcast() {
        NDArray a = randn(4, 5, 1, 6).mul(3);
        NDArray b = randn(5, 4, 6).mul(3);
        List<java.util.function.BinaryOperator<NDArray>> ops = List.of(NDArray::add, NDArray::sub, NDArray::mul,
                NDArray::div, NDArray::maximum, NDArray::minimum, NDArray::remainder, NDArray::floorDivide,
                NDArray::logicalAnd, NDArray::logicalOr, NDArray::logicalXor, NDArray::eq, NDArray::ne, NDArray::lt,
                NDArray::le, NDArray::gt, NDArray::ge, Functional::tanhBackward, Functional::sigmoidBackward,
                Functional::siluBackward, (g, v) -> Functional.geluBackward(g, v, false),
                (g, v) -> Functional.geluBackward(g, v, true));
        for (int i = 0; i < ops.size(); i++) {
            var f = ops.get(i);
            assertClose("binary #" + i, f.apply(a, b), f.apply(d(a), d(b)), ELEMENTWISE);
        }
        assertClose("pow", a.abs().pow(b), d(a).abs().pow(d(b)), ELEMENTWISE);
        NDArray c = a.gt(b);
        assertClose("where", NDArray.where(c, a, b), NDArray.where(d(c), d(a), d(b)), 0);
        NDArray e = b.lt(0);
        assertClose("mask or", c.logicalOr(e), d(c).logicalOr(d(e)), 0);
        assertClose("mask and", c.logicalAnd(e), d(c).logicalAnd(d(e)), 0);
        assertClose("mask xor", c.logicalXor(e), d(c).logicalXor(d(e)), 0);
        assertClose("mask not", c.mT().logicalNot(), d(c).mT().logicalNot(), 0);
        NDArray acc = a.copy();
        NDArray dacc = d(a).copy();
        acc.addInPlace(b.select(0, 1));
        dacc.addInPlace(d(b).select(0, 1));
        assertClose("in place with broadcast", acc, dacc, ELEMENTWISE);
    }

    @Test
    void reductionsOverAnyDims() {
        NDArray x = randn(5, 5, 6, 7, 8).mul(2);
        int[][] dimSets = {{0}, {1}, {3}, {0, 2}, {1, 3}, {0, 1, 2, 3}};
        for (int[] dims : dimSets) {
            String s = java.util.Arrays.toString(dims);
            same("sum " + s, ELEMENTWISE, v -> v.sum(dims, true), x);
            same("mean " + s, ELEMENTWISE, v -> v.mean(dims, false), x);
            same("amax " + s, 0, v -> v.amax(dims, true), x);
            same("amin " + s, 0, v -> v.amin(dims, false), x);
            same("logsumexp " + s, ELEMENTWISE, v -> v.logsumexp(dims, true), x);
            same("var " + s, ELEMENTWISE, v -> v.var(dims, 1, true), x);
            same("sum of a permuted view " + s, ELEMENTWISE, v -> v.permute(3, 1, 0, 2).sum(dims, false), x);
        }
        same("prod", ELEMENTWISE, v -> v.div(2).exp().prod(new int[] {1}, false), randn(6, 4, 9));
        same("bias-gradient column sums", ELEMENTWISE, v -> v.sum(0), randn(7, 1024, 384));
        same("adaLN-gradient column means", ELEMENTWISE, v -> v.mean(new int[] {0, 1}, true), randn(8, 64, 50, 96));
        same("column sums of a strided view", ELEMENTWISE, v -> v.narrow(1, 10, 70).sum(0), randn(9, 300, 96));
        for (int dim = 0; dim < 3; dim++) {
            int dd = dim;
            same("softmax dim " + dim, ELEMENTWISE, v -> v.softmax(dd), randn(8, 3, 5, 40));
            same("log softmax dim " + dim, ELEMENTWISE, v -> v.logSoftmax(dd), randn(8, 3, 5, 40));
        }
    }

    @Test
    void matmulAllLayouts() {
        matmulAllLayouts("");
    }

    void matmulAllLayouts(String via) {
        {
            {
                NDArray a = randn(5, 33, 70);
                NDArray b = randn(6, 70, 45);
                assertClose("a·b" + via, a.matmul(b), d(a).matmul(d(b)), HEAVY);
                assertClose("aᵀ·b" + via, a.t().matmul(a), d(a).t().matmul(d(a)), HEAVY);
                assertClose("a·bᵀ" + via, b.t().matmul(b), d(b).t().matmul(d(b)), HEAVY);
                NDArray ba = randn(7, 3, 4, 33, 70);
                NDArray bb = randn(8, 4, 70, 45);
                assertClose("broadcast batch" + via, ba.matmul(bb), d(ba).matmul(d(bb)), HEAVY);
                assertClose("permuted batch" + via, ba.transpose(2, 3).matmul(ba), d(ba).transpose(2, 3)
                        .matmul(d(ba)), HEAVY);
                NDArray w = randn(9, 48, 70);
                NDArray bias = randn(10, 48);
                assertClose("linear" + via, Functional.linear(a, w, bias), Functional.linear(d(a), d(w), d(bias)),
                        HEAVY);
                NDArray sliced = randn(11, 40, 100).narrow(1, 5, 70);
                assertClose("sliced operand" + via, sliced.matmul(b), d(sliced).matmul(d(b)), HEAVY);
                assertClose("vector · matrix" + via, a.select(0, 0).matmul(b), d(a).select(0, 0).matmul(d(b)), HEAVY);
                assertClose("matrix · vector" + via, a.matmul(b.select(1, 3)), d(a).matmul(d(b).select(1, 3)), HEAVY);
            }
        }
    }

    @Test
    void normsForwardAndBackward() {
        NDArray x = randn(12, 6, 10, 96).mul(2).add(1);
        NDArray w = randn(13, 96);
        NDArray b = randn(14, 96);
        NDArray g = randn(15, 6, 10, 96);
        NormResult cr = Functional.layerNormWithStats(x, new int[] {96}, w, b, 1e-6);
        NormResult gr = Functional.layerNormWithStats(d(x), new int[] {96}, d(w), d(b), 1e-6);
        assertClose("layer norm", cr.out(), gr.out(), HEAVY);
        assertClose("layer norm mean", cr.mean(), gr.mean(), HEAVY);
        assertClose("layer norm rstd", cr.rstd(), gr.rstd(), HEAVY);
        NDArray[] cb = Functional.layerNormBackward(g, x, new int[] {96}, cr.mean(), cr.rstd(), w, true, true, true);
        NDArray[] gb = Functional.layerNormBackward(d(g), d(x), new int[] {96}, gr.mean(), gr.rstd(), d(w), true, true, true);
        for (int i = 0; i < 3; i++) {
            assertClose("layer norm backward " + i, cb[i], gb[i], HEAVY);
        }
        NDArray[] nb = Functional.layerNormBackward(g, x, new int[] {96}, cr.mean(), cr.rstd(), null, true, false, false);
        NDArray[] ngb = Functional.layerNormBackward(d(g), d(x), new int[] {96}, gr.mean(), gr.rstd(), null, true,
                false, false);
        assertClose("layer norm backward without affine", nb[0], ngb[0], HEAVY);

        NDArray xi = randn(16, 3, 32, 9, 9).mul(3);
        NDArray gw = randn(17, 32);
        NDArray gbias = randn(18, 32);
        NDArray gg = randn(19, 3, 32, 9, 9);
        for (boolean silu : new boolean[] {false, true}) {
            String s = silu ? "group norm + silu" : "group norm";
            NormResult c = silu ? Functional.groupNormSiluWithStats(xi, 8, gw, gbias, 1e-6)
                    : Functional.groupNormWithStats(xi, 8, gw, gbias, 1e-6);
            NormResult dv = silu ? Functional.groupNormSiluWithStats(d(xi), 8, d(gw), d(gbias), 1e-6)
                    : Functional.groupNormWithStats(d(xi), 8, d(gw), d(gbias), 1e-6);
            assertClose(s, c.out(), dv.out(), HEAVY);
            assertClose(s + " rstd", c.rstd(), dv.rstd(), HEAVY);
            NDArray[] cg = silu ? Functional.groupNormSiluBackward(gg, xi, 8, c.mean(), c.rstd(), gw, gbias, 1e-6,
                    true, true, true) : Functional.groupNormBackward(gg, xi, 8, c.mean(), c.rstd(), gw, true, true, true);
            NDArray[] dg = silu ? Functional.groupNormSiluBackward(d(gg), d(xi), 8, dv.mean(), dv.rstd(), d(gw),
                    d(gbias), 1e-6, true, true, true)
                    : Functional.groupNormBackward(d(gg), d(xi), 8, dv.mean(), dv.rstd(), d(gw), true, true, true);
            for (int i = 0; i < 3; i++) {
                assertClose(s + " backward " + i, cg[i], dg[i], HEAVY);
            }
        }
    }

    @Test
    void adaLnModulationForwardAndBackward() {
        // DiT's fused ops: shift/scale/gate as chunks of one projection, LayerNorm with and without affine.
        NDArray x = randn(40, 3, 17, 48);
        NDArray proj = randn(41, 3, 3 * 48);
        NDArray shift = proj.narrow(1, 0, 48);
        NDArray scale = proj.narrow(1, 48, 48);
        NDArray gate = proj.narrow(1, 96, 48);
        NDArray g = randn(42, 3, 17, 48);
        NDArray br = randn(43, 3, 17, 48);
        for (boolean affine : new boolean[] {false, true}) {
            String s = affine ? "layer_norm_modulate affine" : "layer_norm_modulate";
            NDArray w = affine ? randn(44, 48) : null;
            NDArray b = affine ? randn(45, 48) : null;
            NormResult c = Functional.layerNormModulateWithStats(x, w, b, shift, scale, 1e-6);
            NormResult dv = Functional.layerNormModulateWithStats(d(x), d(w), d(b), d(shift), d(scale), 1e-6);
            assertClose(s, c.out(), dv.out(), HEAVY);
            NDArray[] cg = Functional.layerNormModulateBackward(g, x, c.mean(), c.rstd(), w, b, scale, 1e-6, true,
                    true, true, true, true);
            NDArray[] dg = Functional.layerNormModulateBackward(d(g), d(x), dv.mean(), dv.rstd(), d(w), d(b),
                    d(scale), 1e-6, true, true, true, true, true);
            for (int i = 0; i < 5; i++) {
                if (cg[i] != null) {
                    assertClose(s + " backward " + i, cg[i], dg[i], HEAVY);
                }
            }
        }
        assertClose("gated_add", Functional.gatedAdd(x, br, gate), Functional.gatedAdd(d(x), d(br), d(gate)),
                ELEMENTWISE);
        NDArray[] cg = Functional.gatedAddBackward(g, br, gate, true, true);
        NDArray[] dg = Functional.gatedAddBackward(d(g), d(br), d(gate), true, true);
        assertClose("gated_add backward branch", cg[0], dg[0], ELEMENTWISE);
        assertClose("gated_add backward gate", cg[1], dg[1], HEAVY);
    }

    @Test
    void softmaxCrossEntropyForwardAndBackward() {
        NDArray logits = randn(46, 9, 37).mul(8);
        NDArray target = NDArray.of(new long[] {3, 36, -100, 0, 7, 7, 21, 1, 30}, 9);
        NDArray g = randn(47, 9);
        for (double eps : new double[] {0, 0.1}) {
            NDArray[] c = Functional.softmaxCrossEntropy(logits, target, -100, eps);
            NDArray[] dv = Functional.softmaxCrossEntropy(d(logits), d(target), -100, eps);
            assertClose("softmax_cross_entropy " + eps, c[0], dv[0], HEAVY);
            assertClose("softmax_cross_entropy lse " + eps, c[1], dv[1], HEAVY);
            assertClose("softmax_cross_entropy backward " + eps,
                    Functional.softmaxCrossEntropyBackward(g, logits, target, c[1], -100, eps),
                    Functional.softmaxCrossEntropyBackward(d(g), d(logits), d(target), dv[1], -100, eps), HEAVY);
        }
    }

    @Test
    void convolutionsForwardAndBackward() {
        Conv2dSpec[] specs = {Conv2dSpec.of(1, 1), Conv2dSpec.of(2, 1), Conv2dSpec.of(2, 0),
            Conv2dSpec.of(1, 2).withDilation(2, 2), Conv2dSpec.of(1, 1).withGroups(2),
            Conv2dSpec.of(1, 0).withPadding(0, 1, 1, 0)};
        for (Conv2dSpec s : specs) {
            NDArray x = randn(20, 3, 8, 11, 10);
            NDArray w = randn(21, 12, 8 / s.groups(), 3, 3);
            NDArray bias = randn(22, 12);
            NDArray out = Functional.conv2d(x, w, bias, s);
            assertClose("conv2d " + s, out, Functional.conv2d(d(x), d(w), d(bias), s), HEAVY);
            NDArray g = randn(23, out.shape());
            assertClose("conv2d input grad " + s, Functional.conv2dInputGrad(g, w, x.shape(), s),
                    Functional.conv2dInputGrad(d(g), d(w), x.shape(), s), HEAVY);
            assertClose("conv2d weight grad " + s, Functional.conv2dWeightGrad(x, g, w.shape(), s),
                    Functional.conv2dWeightGrad(d(x), d(g), w.shape(), s), HEAVY);
            NDArray wt = randn(24, 8, 12 / s.groups(), 3, 3);
            NDArray bt = randn(25, 12);
            Conv2dSpec st = s.strideH() == 2 ? s.withOutputPadding(1, 1) : s;
            NDArray ot = Functional.convTranspose2d(x, wt, bt, st);
            assertClose("conv_transpose2d " + st, ot, Functional.convTranspose2d(d(x), d(wt), d(bt), st), HEAVY);
            NDArray gt = randn(26, ot.shape());
            assertClose("conv_transpose2d input grad " + st, Functional.convTranspose2dInputGrad(gt, wt, x.shape(), st),
                    Functional.convTranspose2dInputGrad(d(gt), d(wt), x.shape(), st), HEAVY);
            assertClose("conv_transpose2d weight grad " + st,
                    Functional.convTranspose2dWeightGrad(x, gt, wt.shape(), st),
                    Functional.convTranspose2dWeightGrad(d(x), d(gt), wt.shape(), st), HEAVY);
        }
    }

    @Test
    void attentionForwardAndBackwardOnPermutedViews() {
        for (int[] dims : new int[][] {{2, 3, 17, 17, 32}, {2, 2, 64, 40, 64}, {1, 4, 5, 9, 80}, {2, 3, 100, 100, 64},
            {1, 2, 33, 70, 32}}) {
            int b = dims[0];
            int h = dims[1];
            int nq = dims[2];
            int nk = dims[3];
            int dh = dims[4];
            NDArray qkv = randn(27, b, nq, 3, h, dh);
            NDArray q = qkv.select(2, 0).permute(0, 2, 1, 3);
            NDArray k = randn(28, b, h, nk, dh);
            NDArray v = randn(29, b, h, nk, dh);
            NDArray dq = d(qkv).select(2, 0).permute(0, 2, 1, 3);
            AttentionResult c = Functional.attentionWithStats(q, k, v, 1 / Math.sqrt(dh));
            AttentionResult g = Functional.attentionWithStats(dq, d(k), d(v), 1 / Math.sqrt(dh));
            String s = java.util.Arrays.toString(dims);
            assertClose("attention " + s, c.out(), g.out(), HEAVY);
            assertClose("attention lse " + s, c.logsumexp(), g.logsumexp(), HEAVY);
            NDArray go = randn(30, b, h, nq, dh);
            NDArray[] cg = Functional.attentionBackward(go, q, k, v, c.out(), c.logsumexp(), 1 / Math.sqrt(dh), true, true, true);
            NDArray[] gg = Functional.attentionBackward(d(go), dq, d(k), d(v), g.out(), g.logsumexp(),
                    1 / Math.sqrt(dh), true, true, true);
            for (int i = 0; i < 3; i++) {
                assertClose("attention backward " + i + " " + s, cg[i], gg[i], HEAVY);
            }
        }
    }

    @Test
    void assortedOpsGiveTheCpuResults() {
        NDArray x = randn(31, 2, 3, 8, 8);
        same("interpolate", 0, v -> Functional.interpolate(v, 16, 16, InterpolationMode.NEAREST, false), x);
        same("sort", 0, v -> v.sort(3, true).values(), x);
        same("cumsum", ELEMENTWISE, v -> v.cumsum(2), x);
        same("argmax", 0, v -> v.argmax(1, false), x);
        NDArray idx = NDArray.of(new long[] {2, 0, 1, 1}, 4);
        assertClose("index select", x.indexSelect(1, idx), d(x).indexSelect(1, d(idx)), 0);
    }

    @Test
    void padsInEveryModeAndDtypeForwardAndBackward() {
        NDArray x = randn(110, 2, 3, 5, 6);
        for (PadMode mode : PadMode.values()) {
            for (int[] pads : new int[][] {{1, 2}, {2, 1, 0, 3}, {1, 1, 2, 2, 1, 0}, {0, 0, 1, 1}}) {
                String s = "pad " + mode + " " + Arrays.toString(pads);
                NDArray y = Functional.pad(x, pads, mode, 0.5);
                assertClose(s, y, Functional.pad(d(x), pads, mode, 0.5), 0);
                // The same passes over the dims, adding in the same order: equal bit for bit.
                NDArray g = randn(111, y.shape());
                assertClose(s + " backward", Functional.padBackward(g, x.shape(), pads, mode),
                        Functional.padBackward(d(g), x.shape(), pads, mode), 0);
            }
        }
        int[] crop = {-1, 2, 1, -2};
        NDArray y = Functional.pad(x, crop, PadMode.CONSTANT, 3);
        assertClose("constant pad that crops", y, Functional.pad(d(x), crop, PadMode.CONSTANT, 3), 0);
        NDArray g = randn(112, y.shape());
        assertClose("constant pad that crops, backward", Functional.padBackward(g, x.shape(), crop, PadMode.CONSTANT),
                Functional.padBackward(d(g), x.shape(), crop, PadMode.CONSTANT), 0);
        same("pad of a transposed view", 0, v -> Functional.pad(v.transpose(1, 3), new int[] {1, 0, 0, 2},
                PadMode.REPLICATE, 0), x);
        for (DType t : DType.values()) {
            NDArray xt = x.mul(7).to(t);
            same("pad " + t, 0, v -> Functional.pad(v, new int[] {1, 2, 2, 0}, PadMode.CONSTANT, 1), xt);
            same("reflect pad " + t, 0, v -> Functional.pad(v, new int[] {3, 1}, PadMode.REFLECT, 0), xt);
        }
        same("pad of an empty array", 0, v -> Functional.pad(v, new int[] {1, 1}, PadMode.CONSTANT, 2),
                NDArray.zeros(3, 0));
    }

    @Test
    void timestepEmbeddingsOfIntegerAndFractionalTimes() {
        NDArray steps = NDArray.of(new long[] {0, 1, 17, 500, 999}, 5);
        NDArray times = NDArray.of(new float[] {0f, 0.001f, 0.37f, 0.999f, 1f}, 5);
        for (NDArray t : new NDArray[] {steps, steps.to(DType.I32), times, times.to(DType.BF16)}) {
            for (int dim : new int[] {256, 7, 1}) {
                // Both sides in double, rounded once: equal but for a rare tie of the device's cos/sin.
                same("timestep embedding " + t.dtype() + " dim " + dim, 1e-6,
                        v -> Functional.timestepEmbedding(v, dim, 10000), t);
            }
        }
        same("timestep embedding, max period 100", 1e-6, v -> Functional.timestepEmbedding(v, 64, 100), steps);
    }

    @Test
    void averagePoolingForwardAndBackwardInEveryGeometry() {
        NDArray x = randn(120, 2, 3, 9, 8);
        Pool2dSpec[] specs = {Pool2dSpec.of(2), Pool2dSpec.of(3), new Pool2dSpec(3, 3, 2, 2, 1, 1, false, true, 0),
            new Pool2dSpec(3, 2, 2, 3, 1, 1, true, false, 0), new Pool2dSpec(2, 3, 1, 2, 0, 1, true, true, 5)};
        for (Pool2dSpec spec : specs) {
            String s = "avg_pool2d " + spec;
            // Window sums in the CPU's order and one division: equal bit for bit, the gradient too.
            NDArray y = Functional.avgPool2d(x, spec);
            assertClose(s, y, Functional.avgPool2d(d(x), spec), 0);
            NDArray g = randn(121, y.shape());
            assertClose(s + " backward", Functional.avgPool2dBackward(g, x.shape(), spec),
                    Functional.avgPool2dBackward(d(g), x.shape(), spec), 0);
        }
        same("avg_pool2d of a transposed view", 0, v -> Functional.avgPool2d(v.transpose(2, 3), Pool2dSpec.of(2)), x);
    }

    @Test
    void topkOfEveryDtypeWithTiesAndNans() {
        float[] values = randn(130, 3, 37, 5).mul(2).round().toFloatArray();  // many ties
        values[5] = Float.NaN;
        values[41] = Float.NaN;
        values[60] = Float.NEGATIVE_INFINITY;
        NDArray x = NDArray.of(values, 3, 37, 5);
        NDArray longs = NDArray.randint(new Generator(131), -4, 4, 3, 37, 5).mul(1L << 40);
        for (NDArray a : new NDArray[] {x, x.to(DType.I32), longs}) {
            for (boolean largest : new boolean[] {true, false}) {
                for (int dim : new int[] {1, 2, 0}) {
                    for (int k : new int[] {1, 3}) {
                        // Unsorted top-k is the CPU's selection order (on the host), except for I64 (sorted).
                        for (boolean sorted : new boolean[] {true, false}) {
                            String s = "topk " + a.dtype() + " k=" + k + " dim " + dim + (largest ? " largest" : "")
                                    + (sorted ? " sorted" : "");
                            var c = a.topk(k, dim, largest, sorted);
                            var g = d(a).topk(k, dim, largest, sorted);
                            assertClose(s + " values", c.values(), g.values(), 0);
                            assertClose(s + " indices", c.indices(), g.indices(), 0);
                        }
                    }
                }
            }
        }
    }

    @Test
    void integerArithmeticWrapsAndRoundsTowardMinusInfinity() {
        for (DType t : new DType[] {DType.I32, DType.I64}) {
            NDArray a = NDArray.randint(new Generator(140), -50, 50, 4, 6).to(t);
            NDArray b = NDArray.of(new long[] {-7, -3, -1, 1, 2, 5}, 6).to(t);  // broadcast along rows
            assertClose(t + " add", a.add(b), d(a).add(d(b)), 0);
            assertClose(t + " sub", a.sub(b), d(a).sub(d(b)), 0);
            assertClose(t + " mul", a.mul(b), d(a).mul(d(b)), 0);
            assertClose(t + " maximum", a.maximum(b), d(a).maximum(d(b)), 0);
            assertClose(t + " minimum", a.minimum(b), d(a).minimum(d(b)), 0);
            assertClose(t + " remainder", a.remainder(b), d(a).remainder(d(b)), 0);
            assertClose(t + " floor_divide", a.floorDivide(b), d(a).floorDivide(d(b)), 0);
            NDArray e = NDArray.of(new long[] {0, 1, 2, 3, 7, 40}, 6).to(t);
            assertClose(t + " pow (wrapping)", a.pow(e), d(a).pow(d(e)), 0);
            assertClose(t + " of a transposed view", a.transpose(0, 1).mul(a.transpose(0, 1)),
                    d(a).transpose(0, 1).mul(d(a).transpose(0, 1)), 0);
            long min = t == DType.I32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
            long max = t == DType.I32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
            NDArray edges = NDArray.of(new long[] {min, max, min, -9}, 4).to(t);
            NDArray by = NDArray.of(new long[] {-1, 1, -1, -1}, 4).to(t);
            assertClose(t + " wraps like Java", edges.add(by), d(edges).add(d(by)), 0);
            assertClose(t + " MIN / -1", edges.floorDivide(by), d(edges).floorDivide(d(by)), 0);
            assertClose(t + " MIN % -1", edges.remainder(by), d(edges).remainder(d(by)), 0);
            NDArray zero = NDArray.of(new long[] {1, 0, 1, 1}, 4).to(t);
            assertThrows(ArithmeticException.class, () -> edges.remainder(zero), "CPU remainder by zero");
            assertThrows(ArithmeticException.class, () -> d(edges).remainder(d(zero)), t + " remainder by zero");
            assertThrows(ArithmeticException.class, () -> d(edges).floorDivide(d(zero)), t + " floor_divide by zero");
            assertThrows(ArithmeticException.class, () -> d(edges).pow(d(by)), t + " negative integer power");
        }
    }

    @Test
    void integerAndBooleanReductionsAreExact() {
        NDArray longs = NDArray.randint(new Generator(150), -1000, 1000, 5, 40, 6).mul(1L << 44);  // sums wrap
        for (int[] dims : new int[][] {{1}, {0, 2}, {2}, {0, 1, 2}}) {
            String s = " over " + Arrays.toString(dims);
            same("I64 sum" + s, 0, v -> v.sum(dims, false), longs);
            same("I64 prod" + s, 0, v -> v.prod(dims, true), longs);
            same("I64 amax" + s, 0, v -> v.amax(dims, false), longs);
            same("I64 amin" + s, 0, v -> v.amin(dims, false), longs);
            same("I32 amax" + s, 0, v -> v.amax(dims, false), longs.remainder(997).to(DType.I32));
            NDArray bools = NDArray.rand(new Generator(151), 5, 40, 6).gt(0.97);
            same("any" + s, 0, v -> v.any(dims, false), bools);
            same("all" + s, 0, v -> v.all(dims, false), bools.logicalNot());
        }
        same("I64 sum of a transposed view", 0, v -> v.transpose(0, 2).sum(new int[] {1}, false), longs);
        same("sum over an empty dim", 0, v -> v.sum(new int[] {1}, false), NDArray.zeros(DType.I64, 3, 0));
    }

    @Test
    void indexOpsOfEveryWidthAndScatterAdd() {
        Generator gen = new Generator(41);
        NDArray x = randn(42, 3, 5, 4);
        NDArray idx = NDArray.randint(gen, 0, 5, 3, 7, 4);
        assertClose("gather", x.gather(1, idx), d(x).gather(1, d(idx)), 0);
        NDArray small = NDArray.randint(gen, 0, 5, 2, 6, 3).to(DType.I32);
        assertClose("gather, index smaller than x", x.gather(1, small), d(x).gather(1, d(small)), 0);
        assertClose("gather of a transposed view", x.transpose(0, 2).gather(1, idx.transpose(0, 2)),
                d(x).transpose(0, 2).gather(1, d(idx).transpose(0, 2)), 0);
        NDArray sel = NDArray.of(new int[] {4, 0, 4, 2, 1}, 5);
        for (DType t : DType.values()) {
            NDArray xt = x.mul(7).to(t);
            assertClose("index select " + t, xt.indexSelect(1, sel), d(xt).indexSelect(1, d(sel)), 0);
            assertClose("gather " + t, xt.gather(0, idx.narrow(1, 0, 5).narrow(0, 0, 2).remainder(3)),
                    d(xt).gather(0, d(idx.narrow(1, 0, 5).narrow(0, 0, 2).remainder(3))), 0);
        }
        // Repeated indices: several sources add into one element.
        NDArray src = randn(43, 3, 7, 4);
        NDArray self = randn(44, 3, 5, 4);
        assertClose("scatter add", self.scatterAdd(1, idx, src), d(self).scatterAdd(1, d(idx), d(src)), ELEMENTWISE);
        NDArray rows = NDArray.of(new long[] {1, 1, 0, 2, 1}, 5);
        NDArray table = randn(45, 3, 8);
        NDArray g = randn(46, 5, 8);
        NDArray rowIdx = rows.unsqueeze(1).expand(5, 8);
        assertClose("embedding gradient (scatter add of rows)", NDArray.zeros(3, 8).scatterAdd(0, rowIdx, g),
                d(NDArray.zeros(3, 8)).scatterAdd(0, d(rowIdx), d(g)), ELEMENTWISE);
        assertClose("index select of rows", table.indexSelect(0, rows), d(table).indexSelect(0, d(rows)), 0);
        for (DType t : new DType[] {DType.I32, DType.I64}) {
            NDArray ids = NDArray.randint(gen, 0, 10, 4, 9).to(t);
            for (int k : new int[] {0, 3, 9}) {
                assertClose("compare " + t + " >= " + k, ids.ge(k), d(ids).ge(k), 0);
                assertClose("compare " + t + " == " + k, ids.eq(k), d(ids).eq(k), 0);
            }
            assertClose("compare " + t + " < broadcast row", ids.lt(ids.narrow(0, 1, 1)),
                    d(ids).lt(d(ids).narrow(0, 1, 1)), 0);
            NDArray wide = NDArray.randint(gen, -2_000_000_000L, 2_000_000_000L, 5, 70).to(t).to(t);
            assertClose("min " + t, wide.min(), d(wide).min(), 0);
            assertClose("max " + t, wide.max(), d(wide).max(), 0);
            assertClose("max over dim 0 of a transposed view " + t, wide.t().amax(new int[] {0}, false),
                    d(wide).t().amax(new int[] {0}, false), 0);
        }
    }

    @Test
    void sortsStablyWithTiesNansAndSignedZeros() {
        NDArray x = randn(70, 3, 37, 5).mul(2).round();  // many ties
        float[] special = x.toFloatArray();
        special[5] = Float.NaN;
        special[40] = -0.0f;
        special[45] = 0.0f;
        special[50] = Float.NEGATIVE_INFINITY;
        special[55] = Float.POSITIVE_INFINITY;
        special[60] = Float.NaN;
        x = NDArray.of(special, x.shape());
        for (boolean desc : new boolean[] {false, true}) {
            for (int dim : new int[] {1, 2, 0}) {
                NDArray xs = x;
                String s = "sort dim " + dim + (desc ? " descending" : "");
                var c = xs.sort(dim, desc);
                var g = d(xs).sort(dim, desc);
                assertClose(s + " values", c.values(), g.values(), 0);
                assertClose(s + " indices", c.indices(), g.indices(), 0);
            }
        }
        NDArray ints = NDArray.randint(new Generator(71), -5, 5, 4, 300).to(DType.I32);
        assertClose("argsort I32 (MAE's ids_restore)", ints.argsort(1, false), d(ints).argsort(1, false), 0);
        NDArray u = NDArray.rand(new Generator(72), 8, 256);
        NDArray shuffle = u.argsort(1, false);
        assertClose("argsort of noise (MAE's ids_shuffle)", shuffle, d(u).argsort(1, false), 0);
        assertClose("argsort of I64 positions (MAE's ids_restore)", shuffle.argsort(1, false),
                d(shuffle).argsort(1, false), 0);
        NDArray longs = NDArray.randint(new Generator(74), -4, 4, 3, 2000).mul(1L << 40);
        assertEquals(DType.I64, longs.dtype());
        for (boolean desc : new boolean[] {false, true}) {
            var c = longs.sort(1, desc);
            var g = d(longs).sort(1, desc);
            assertClose("sort I64 with ties" + (desc ? " descending" : ""), c.values(), g.values(), 0);
            assertClose("sort I64 with ties, indices" + (desc ? " descending" : ""), c.indices(), g.indices(), 0);
        }
        NDArray longRow = randn(73, 2, 5000);
        assertClose("sort of a row longer than the kernel takes", longRow.sort(1, true).values(),
                d(longRow).sort(1, true).values(), 0);
    }

    @Test
    void runningSumsAndArgExtremesOfEveryKind() {
        NDArray x = randn(90, 3, 50, 7);
        for (int dim = 0; dim < 3; dim++) {
            final int dd = dim;
            // Accumulated in double on both sides and rounded once per prefix: equal bit for bit.
            same("cumsum dim " + dim, 0, v -> v.cumsum(dd), x);
            same("cumprod dim " + dim, 0, v -> v.cumprod(dd), x.mul(0.3).add(1));
            NDArray ints = NDArray.randint(new Generator(91 + dim), -1000, 1000, 3, 50, 7);
            same("cumsum I64 dim " + dim, 0, v -> v.cumsum(dd), ints);
        }
        float[] withNans = x.mul(2).round().toFloatArray();  // ties everywhere
        withNans[10] = Float.NaN;
        withNans[400] = Float.NaN;
        withNans[401] = Float.NaN;
        NDArray nx = NDArray.of(withNans, x.shape());
        for (boolean max : new boolean[] {true, false}) {
            for (int dim = 0; dim < 3; dim++) {
                final int dd = dim;
                String s = (max ? "argmax" : "argmin") + " dim " + dim;
                same(s, 0, v -> max ? v.argmax(dd, false) : v.argmin(dd, false), nx);
                same(s + " of a transposed view", 0, v -> max ? v.transpose(0, 2).argmax(dd, true)
                        : v.transpose(0, 2).argmin(dd, true), nx);
                NDArray ints = NDArray.randint(new Generator(95 + dim), -3, 3, 3, 50, 7);
                same(s + " I64", 0, v -> max ? v.argmax(dd, false) : v.argmin(dd, false), ints);
                same(s + " I32", 0, v -> max ? v.argmax(dd, false) : v.argmin(dd, false), ints.to(DType.I32));
            }
        }
    }

    @Test
    void interpolationForwardAndBackwardInEveryMode() {
        for (int c : new int[] {1, 3}) {  // C = 1 takes PyTorch's channels-last nearest rules in the forward
            NDArray x = randn(51 + c, 2, c, 5, 7);
            for (InterpolationMode mode : InterpolationMode.values()) {
                for (boolean corners : mode == InterpolationMode.NEAREST ? new boolean[] {false}
                        : new boolean[] {false, true}) {
                    for (int[] size : new int[][] {{10, 14}, {7, 4}, {11, 15}}) {
                        String s = mode + " C=" + c + (corners ? " align_corners " : " ") + size[0] + "x" + size[1];
                        NDArray y = Functional.interpolate(x, size[0], size[1], mode, corners);
                        // Same taps, same order of multiplies and adds, no fused multiply-add: equal bit for bit.
                        assertClose(s, y, Functional.interpolate(d(x), size[0], size[1], mode, corners), 0);
                        NDArray g = randn(60, y.shape());
                        assertClose(s + " backward", Functional.interpolateBackward(g, x.shape(), mode, corners),
                                Functional.interpolateBackward(d(g), x.shape(), mode, corners), ELEMENTWISE);
                    }
                }
            }
            NDArray up = Functional.interpolate(x, 2.0, 2.0, InterpolationMode.NEAREST, false);
            assertClose("nearest 2x by scale factor", up,
                    Functional.interpolate(d(x), 2.0, 2.0, InterpolationMode.NEAREST, false), 0);
            NDArray g = randn(61, up.shape());
            assertClose("nearest 2x backward", Functional.interpolateBackward(g, x.shape(), 2.0, 2.0,
                            InterpolationMode.NEAREST, false),
                    Functional.interpolateBackward(d(g), x.shape(), 2.0, 2.0, InterpolationMode.NEAREST, false),
                    ELEMENTWISE);
        }
    }

    @Test
    void randomStreamsEqualTheCpus() {
        // Normals go through double log/sin/cos, which CUDA rounds within an ulp of StrictMath: equal as floats
        // but for a rare last bit.
        assertClose("randn", NDArray.randn(new Generator(99), 1001), NDArray.randn(new Generator(99), device(), 1001),
                1e-6);
        assertClose("rand", NDArray.rand(new Generator(98), 7, 9), NDArray.rand(new Generator(98), device(), 7, 9), 0);
        assertClose("randint", NDArray.randint(new Generator(95), -3, 1000, 64),
                NDArray.randint(new Generator(95), device(), -3, 1000, 64), 0);
        assertClose("bernoulli", NDArray.bernoulli(new Generator(97), 0.3, 50),
                NDArray.bernoulli(new Generator(97), 0.3, device(), 50), 0);
        Generator a = new Generator(96);
        Generator b = new Generator(96);
        NDArray.randn(a, 5);
        NDArray.randn(b, device(), 5);
        assertClose("a stream continues where it was", NDArray.rand(a, 13), NDArray.rand(b, device(), 13), 0);
    }
}
