package dev.usp4j.autograd;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.ValuesIndices;
import java.util.List;

/**
 * Reductions, scans and softmax with their gradients, following PyTorch 1.13's derivatives where inputs are awkward:
 * amax/amin split the gradient evenly among all elements equal to the extreme (max()/min() of everything also
 * count NaNs when the result is NaN), max/min over a dim send it to the returned index only, prod and cumprod give
 * exact gradients at zeros without dividing by them, std passes 0 where it is 0, and var/std with N − correction ≤ 0
 * give PyTorch's infinities and NaNs. Reduction dims are a list (null or empty meaning all) with keepdim; the
 * gradient of a result without keepdim has the reduced dims put back as extent 1, then broadcasts.
 */
final class ReductionOps {
    private ReductionOps() {
    }

    // ---- dims helpers ----------------------------------------------------------------------------------------

    /** Flags of the reduced dims, as NDArray's reductions read them (null or empty: all). */
    private static boolean[] reduced(String op, int rank, int[] dims) {
        boolean[] r = new boolean[rank];
        if (dims == null || dims.length == 0) {
            java.util.Arrays.fill(r, true);
            return r;
        }
        for (int d : dims) {
            if (rank > 0) {
                r[Shape.wrapDim(op, d, rank)] = true;
            }
        }
        return r;
    }

    /** The input shape with reduced dims set to 1: the shape of a keepdim result. */
    private static int[] kept(int[] shape, boolean[] reduced) {
        int[] s = shape.clone();
        for (int i = 0; i < s.length; i++) {
            if (reduced[i]) {
                s[i] = 1;
            }
        }
        return s;
    }

    /** Number of elements reduced into each result element. */
    private static long count(int[] shape, boolean[] reduced) {
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (reduced[i]) {
                n *= shape[i];
            }
        }
        return n;
    }

    private static int[] one(int dim) {
        return new int[] {dim};
    }

    private static NDArray f32(NDArray a) {
        return a.dtype() == DType.F32 ? a : a.to(DType.F32);
    }

    /** The array reversed along {@code dim} (torch.flip of one dim), built from index_select. */
    static NDArray flip(NDArray a, int dim) {
        int n = a.size(dim);
        return n <= 1 ? a : a.indexSelect(dim, NDArray.arange(n - 1, -1, -1).to(a.device()));
    }

    /** Σ over j ≥ i along {@code dim}: the gradient of cumsum. */
    static NDArray reversedCumsum(NDArray a, int dim) {
        return flip(flip(a, dim).cumsum(dim), dim);
    }

    // ---- sum, mean --------------------------------------------------------------------------------------------

    static Tensor sum(Tensor a, int[] dims, boolean keepdim) {
        NDArray out = a.data().sum(dims, keepdim);
        int[] shape = a.shape();
        int[] k = kept(shape, reduced("sum", shape.length, dims));
        return Graph.record("sum", out, a, c -> new NDArray[] {c.g().reshape(k).expand(shape)});
    }

    static Tensor mean(Tensor a, int[] dims, boolean keepdim) {
        NDArray out = a.data().mean(dims, keepdim);
        int[] shape = a.shape();
        boolean[] r = reduced("mean", shape.length, dims);
        int[] k = kept(shape, r);
        double n = count(shape, r);
        return Graph.record("mean", out, a, c -> new NDArray[] {c.g().reshape(k).div(n).expand(shape)});
    }

    // ---- prod -------------------------------------------------------------------------------------------------

    /**
     * Each element's gradient is g times the product of the other elements of its group, formed as exclusive
     * running products from both ends: exact with zeros (one zero: only it gets a non-zero gradient; two or more:
     * all zero), as PyTorch's prod_backward, and never divides by the input.
     */
    static Tensor prod(Tensor a, int[] dims, boolean keepdim) {
        NDArray x = a.data();
        NDArray out = x.prod(dims, keepdim);
        int[] shape = x.shape();
        boolean[] r = reduced("prod", shape.length, dims);
        int[] k = kept(shape, r);
        return Graph.record("prod", out, a, c -> {
            NDArray g = c.g().reshape(k);
            if (shape.length == 0) {
                return new NDArray[] {g};
            }
            if (x.numel() == 0) {
                return new NDArray[] {NDArray.zeros(DType.F32, g.device(), shape)};
            }
            return new NDArray[] {g.mul(productOfOthers(f32(x), r))};
        }, x);
    }

    /** For each element, the product of the other elements of its reduced group (the reduced dims together). */
    static NDArray productOfOthers(NDArray x, boolean[] reduced) {
        int rank = reduced.length;
        int[] shape = x.shape();
        int nReduced = 0;
        int single = -1;
        for (int i = 0; i < rank; i++) {
            if (reduced[i]) {
                nReduced++;
                single = i;
            }
        }
        if (nReduced == 1) {
            return exclusiveProducts(x, single);
        }
        // Several dims: move them last and flatten them into one, then undo.
        int[] perm = new int[rank];
        int[] flat = new int[rank - nReduced + 1];
        int p = 0;
        int n = 1;
        for (int i = 0; i < rank; i++) {
            if (!reduced[i]) {
                flat[p] = shape[i];
                perm[p++] = i;
            }
        }
        for (int i = 0; i < rank; i++) {
            if (reduced[i]) {
                n *= shape[i];
                perm[p++] = i;
            }
        }
        flat[flat.length - 1] = n;
        NDArray moved = x.permute(perm);
        int[] movedShape = moved.shape();
        NDArray others = exclusiveProducts(moved.reshape(flat), flat.length - 1).reshape(movedShape);
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            inverse[perm[i]] = i;
        }
        return others.permute(inverse);
    }

    /** [a, b, c] → [b·c, a·c, a·b] along dim: the running product before each element times the one after it. */
    private static NDArray exclusiveProducts(NDArray x, int dim) {
        int n = x.size(dim);
        if (n == 1) {
            return x.fullLike(1);
        }
        int[] oneShape = x.shape();
        oneShape[dim] = 1;
        NDArray ones = NDArray.full(x.dtype(), x.device(), 1, oneShape);
        NDArray before = NDArray.cat(List.of(ones, x.narrow(dim, 0, n - 1)), dim).cumprod(dim);
        NDArray after = flip(NDArray.cat(List.of(ones, flip(x.narrow(dim, 1, n - 1), dim)), dim).cumprod(dim), dim);
        return before.mul(after);
    }

    // ---- extremes ---------------------------------------------------------------------------------------------

    /**
     * amax/amin over dims: the gradient split evenly among the elements equal to the result (a NaN result matches
     * nothing, so its group's gradient is NaN, as PyTorch's). With {@code dims} null (max()/min() of everything)
     * a NaN result sends the gradient to the NaNs instead, as PyTorch's evenly_distribute_backward.
     */
    static Tensor amax(Tensor a, int[] dims, boolean keepdim, boolean max) {
        NDArray x = a.data();
        NDArray out = max ? x.amax(dims, keepdim) : x.amin(dims, keepdim);
        int[] shape = x.shape();
        boolean[] r = reduced(max ? "amax" : "amin", shape.length, dims);
        int[] k = kept(shape, r);
        boolean everything = dims == null;
        String op = everything ? (max ? "max" : "min") : (max ? "amax" : "amin");
        int[] rd = reducedDims(r);
        return Graph.record(op, out, a, c -> {
            NDArray v = out.reshape(k);
            NDArray mask = x.eq(v);
            if (everything && v.ne(v).item() != 0) {
                mask = x.ne(x);
            }
            NDArray m = mask.to(DType.F32);
            return new NDArray[] {c.g().reshape(k).div(m.sum(rd, true)).mul(m)};
        }, x, out);
    }

    private static int[] reducedDims(boolean[] r) {
        int n = 0;
        for (boolean b : r) {
            n += b ? 1 : 0;
        }
        int[] dims = new int[n];
        for (int i = 0, j = 0; i < r.length; i++) {
            if (r[i]) {
                dims[j++] = i;
            }
        }
        return dims;
    }

    /** max/min over one dim: the gradient goes to the returned index only; the indices carry no gradient. */
    static TensorValuesIndices maxDim(Tensor a, int dim, boolean keepdim, boolean max) {
        NDArray x = a.data();
        ValuesIndices vi = max ? x.max(dim, keepdim) : x.min(dim, keepdim);
        NDArray idx = vi.indices();
        int[] shape = x.shape();
        int d = Shape.wrapDim(max ? "max" : "min", dim, shape.length);
        Tensor values = Graph.record(max ? "max_dim" : "min_dim", vi.values(), a, c -> {
            if (shape.length == 0) {
                return new NDArray[] {c.g()};
            }
            NDArray g = keepdim ? c.g() : c.g().unsqueeze(d);
            NDArray i = keepdim ? idx : idx.unsqueeze(d);
            return new NDArray[] {NDArray.zeros(DType.F32, g.device(), shape).scatterAddInPlace(d, i, f32(g))};
        }, idx);
        return new TensorValuesIndices(values, idx);
    }

    // ---- logsumexp, var, std ----------------------------------------------------------------------------------

    /** g·exp(x − logsumexp): the softmax over the reduced dims (NaN for a group that is all −∞, as PyTorch). */
    static Tensor logsumexp(Tensor a, int[] dims, boolean keepdim) {
        NDArray x = a.data();
        NDArray out = x.logsumexp(dims, keepdim);
        int[] shape = x.shape();
        int[] k = kept(shape, reduced("logsumexp", shape.length, dims));
        return Graph.record("logsumexp", out, a,
                c -> new NDArray[] {c.g().reshape(k).mul(x.sub(out.reshape(k)).exp())}, x, out);
    }

    /**
     * var: 2(x − mean)/(N − correction)·g, with N − correction ≤ 0 giving infinities (and NaN where x = mean) or a
     * negative factor as in PyTorch; over everything (dims null or empty, or a 0-d input) with N = correction,
     * PyTorch returns g·∞, mirrored here. std: the var gradient of g/(2·std), with 0 where std = 0.
     */
    static Tensor var(Tensor a, int[] dims, double correction, boolean keepdim, boolean sqrt) {
        NDArray x = a.data();
        NDArray out = sqrt ? x.std(dims, correction, keepdim) : x.var(dims, correction, keepdim);
        int[] shape = x.shape();
        String name = sqrt ? "std" : "var";
        boolean[] r = reduced(name, shape.length, dims);
        int[] k = kept(shape, r);
        double dof = count(shape, r) - correction;
        boolean everything = dims == null || dims.length == 0 || shape.length == 0;
        int[] rd = reducedDims(r);
        return Graph.record(name, out, a, c -> {
            NDArray g = c.g().reshape(k);
            if (sqrt) {
                NDArray s = out.reshape(k);
                g = g.div(s.mul(2)).maskedFill(s.eq(0), 0);
            }
            if (everything && dof == 0) {
                return new NDArray[] {g.mul(Double.POSITIVE_INFINITY).expand(shape)};
            }
            return new NDArray[] {g.mul(2.0 / dof).mul(x.sub(x.mean(rd, true)))};
        }, x, out);
    }

    // ---- scans ------------------------------------------------------------------------------------------------

    static Tensor cumsum(Tensor a, int dim) {
        NDArray out = a.data().cumsum(dim);
        int rank = a.rank();
        int d = Shape.wrapDim("cumsum", dim, rank);
        return Graph.record("cumsum", out, a, c -> {
            NDArray g = c.g();
            if (rank == 0 || g.size(d) <= 1) {
                return new NDArray[] {g};
            }
            return new NDArray[] {reversedCumsum(g, d)};
        });
    }

    /**
     * PyTorch's O(n) cumprod_backward. With w = out·g: before the first zero of a line, Σ_{j≥i} w_j / x_i (x_i is
     * not zero there); at the first zero z, out_{z−1}·Σ_{z≤j<z'} g_j·Π_{z<m≤j} x_m (z' the second zero); after it, 0.
     */
    static Tensor cumprod(Tensor a, int dim) {
        NDArray x = a.data();
        NDArray out = x.cumprod(dim);
        int rank = x.rank();
        int d = Shape.wrapDim("cumprod", dim, rank);
        return Graph.record("cumprod", out, a, c -> {
            NDArray g = c.g();
            if (x.numel() <= 1 || x.size(d) == 1) {
                return new NDArray[] {g};
            }
            return new NDArray[] {cumprodBackward(g, f32(x), out, d)};
        }, x, out);
    }

    static NDArray cumprodBackward(NDArray g, NDArray x, NDArray out, int d) {
        NDArray w = out.mul(g);
        NDArray isZero = x.eq(0);
        if (isZero.any().item() == 0) {
            return reversedCumsum(w, d).div(x);
        }
        NDArray zeros = isZero.cumsum(d); // zeros seen so far, the current element included
        NDArray beforeFirst = zeros.eq(0);
        NDArray firstZero = isZero.logicalAnd(zeros.eq(1));
        NDArray between = zeros.eq(1).logicalAnd(isZero.logicalNot());
        NDArray early = reversedCumsum(w.maskedFill(beforeFirst.logicalNot(), 0), d).div(x);
        // out_{z−1} (1 when z = 0): the exclusive running product at z, picked out exactly by a one-term sum.
        int n = x.size(d);
        int[] oneShape = x.shape();
        oneShape[d] = 1;
        NDArray shifted = NDArray.cat(List.of(NDArray.full(out.dtype(), out.device(), 1, oneShape), out.narrow(d, 0, n - 1)), d);
        NDArray prefix = shifted.maskedFill(firstZero.logicalNot(), 0).sum(one(d), true);
        NDArray atZero = x.maskedFill(between.logicalNot(), 1).cumprod(d).mul(g.maskedFill(zeros.ne(1), 0))
                .sum(one(d), true).mul(prefix);
        NDArray late = NDArray.where(firstZero, atZero, NDArray.scalar(0).to(atZero.device()));
        return NDArray.where(beforeFirst, early, late);
    }

    // ---- softmax ----------------------------------------------------------------------------------------------

    /**
     * Per-row softmax-cross-entropy of logits [R, C] against class targets [R] as one node: it keeps the logits and
     * the per-row lse, and its backward is one fused kernel (tensor's {@code Functional.softmaxCrossEntropy}).
     */
    static Tensor softmaxCrossEntropy(Tensor logits, NDArray target, long ignoreIndex, double smoothing) {
        NDArray x = logits.data();
        NDArray[] r = dev.usp4j.tensor.Functional.softmaxCrossEntropy(x, target, ignoreIndex, smoothing);
        NDArray lse = r[1];
        DType xt = logits.dtype();
        return Graph.record("softmax_cross_entropy", r[0], logits, c -> new NDArray[] {ConvOps.like(
                dev.usp4j.tensor.Functional.softmaxCrossEntropyBackward(c.g(), x, target, lse, ignoreIndex,
                        smoothing), xt)}, x, lse);
    }

    /** softmax: y·(g − Σ g·y); log_softmax: g − softmax·Σ g (sums over dim). */
    static Tensor softmax(Tensor a, int dim, boolean log) {
        NDArray out = log ? a.data().logSoftmax(dim) : a.data().softmax(dim);
        int d = Shape.wrapDim(log ? "log_softmax" : "softmax", dim, a.rank());
        return Graph.record(log ? "log_softmax" : "softmax", out, a, c -> {
            NDArray g = c.g();
            if (log) {
                return new NDArray[] {g.sub(out.exp().mul(g.sum(one(d), true)))};
            }
            return new NDArray[] {out.mul(g.sub(g.mul(out).sum(one(d), true)))};
        }, out);
    }
}
