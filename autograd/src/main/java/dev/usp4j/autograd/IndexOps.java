package dev.usp4j.autograd;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import dev.usp4j.tensor.ValuesIndices;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Joining, splitting, indexing and sorting with their gradients. Joins hand each input its window of the gradient
 * (cat narrows, stack selects); splits are one multi-output node whose gradient is the pieces' gradients joined
 * again, so the qkv chunk of attention costs one copy backward, not three zero-padded ones; the ops that move
 * elements by an index (index_select, gather, sort, topk) send the gradient back with scatter_add, which sums the
 * contributions of repeated indices as PyTorch does. Index arrays are plain {@link NDArray}s and never carry a
 * gradient.
 */
final class IndexOps {
    private IndexOps() {
    }

    // ---- joining ----------------------------------------------------------------------------------------------

    static Tensor cat(List<Tensor> tensors, int dim) {
        Tensor[] in = inputs("cat", tensors);
        List<NDArray> datas = datas(in);
        NDArray out = NDArray.cat(datas, dim);
        // cat skips 1-D empty inputs; the others sit one after another along dim, at these offsets.
        int[] start = new int[in.length];
        int[] length = new int[in.length];
        int d = -1;
        int at = 0;
        for (int i = 0; i < in.length; i++) {
            NDArray x = datas.get(i);
            if (x.rank() == 1 && x.numel() == 0) {
                length[i] = -1;
                continue;
            }
            if (d < 0) {
                d = Shape.wrapDim("cat", dim, x.rank());
            }
            start[i] = at;
            length[i] = x.size(d);
            at += length[i];
        }
        int[][] shapes = shapes(in);
        DType[] dtypes = dtypes(in);
        int catDim = d;
        int n = in.length;
        return Graph.record("cat", out, in, c -> {
            NDArray[] grads = new NDArray[n];
            for (int i = 0; i < n; i++) {
                if (!c.needs(i)) {
                    continue;
                }
                NDArray g = length[i] < 0 ? zeros(c.g(), shapes[i]) : c.g().narrow(catDim, start[i], length[i]);
                grads[i] = backTo(g, dtypes[i]);
            }
            return grads;
        });
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        Tensor[] in = inputs("stack", tensors);
        NDArray out = NDArray.stack(datas(in), dim);
        int d = Shape.wrapDim("stack", dim, in[0].rank() + 1);
        DType[] dtypes = dtypes(in);
        int n = in.length;
        return Graph.record("stack", out, in, c -> {
            NDArray[] grads = new NDArray[n];
            for (int i = 0; i < n; i++) {
                grads[i] = c.needs(i) ? backTo(c.g().select(d, i), dtypes[i]) : null;
            }
            return grads;
        });
    }

    // ---- splitting --------------------------------------------------------------------------------------------

    /** The pieces {@code parts} (views of a's data along dim) as tensors of one multi-output node. */
    static List<Tensor> split(Tensor a, List<NDArray> parts, int dim) {
        int d = Shape.wrapDim("split", dim, a.rank());
        DType dtype = a.dtype();
        int n = parts.size();
        // The engine hands pieces nothing flowed into a zero gradient, so joining the gradients back is the rule.
        // The rule captures no array: the pieces are views of a, which it must not keep alive.
        Tensor[] outs = Graph.recordMulti("split", parts.toArray(NDArray[]::new), new Tensor[] {a}, c -> {
            List<NDArray> gs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                gs.add(c.g(i));
            }
            return new NDArray[] {backTo(NDArray.cat(gs, d), dtype)};
        });
        return List.of(outs);
    }

    static List<Tensor> unbind(Tensor a, int dim) {
        List<NDArray> parts = a.data().unbind(dim);
        if (parts.isEmpty()) {
            return List.of();
        }
        int d = Shape.wrapDim("unbind", dim, a.rank());
        DType dtype = a.dtype();
        int n = parts.size();
        Tensor[] outs = Graph.recordMulti("unbind", parts.toArray(NDArray[]::new), new Tensor[] {a}, c -> {
            List<NDArray> gs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                gs.add(c.g(i));
            }
            return new NDArray[] {backTo(NDArray.stack(gs, d), dtype)};
        });
        return List.of(outs);
    }

    // ---- indexing ---------------------------------------------------------------------------------------------

    /**
     * The gradient is index_add: each selected slice's gradient added back at its index. It is built from
     * scatter_add with the 1-D index broadcast across the other dims (materialised at the gradient's size as
     * integers, which the cases this serves, embedding rows and token subsets, afford).
     */
    static Tensor indexSelect(Tensor a, int dim, NDArray index) {
        NDArray out = a.data().indexSelect(dim, index);
        int[] shape = a.shape();
        DType dtype = a.dtype();
        if (a.rank() == 0) {
            // The only valid index is 0: the output is the input.
            return Graph.record("index_select", out, a, c -> new NDArray[] {backTo(c.g(), dtype)}, index);
        }
        int d = Shape.wrapDim("index_select", dim, a.rank());
        return Graph.record("index_select", out, a, c -> {
            NDArray g = c.g();
            int[] along = new int[shape.length];
            Arrays.fill(along, 1);
            along[d] = index.numel();
            NDArray spread = index.reshape(along).expand(g.shape());
            return new NDArray[] {backTo(zeros(g, shape).scatterAddInPlace(d, spread, g), dtype)};
        }, index);
    }

    static Tensor gather(Tensor a, int dim, NDArray index) {
        NDArray out = a.data().gather(dim, index);
        int[] shape = a.shape();
        DType dtype = a.dtype();
        int d = Shape.wrapDim("gather", dim, a.rank());
        return Graph.record("gather", out, a,
                c -> new NDArray[] {backTo(zeros(c.g(), shape).scatterAddInPlace(d, index, c.g()), dtype)}, index);
    }

    /**
     * grad self = g; grad src = g gathered at index. Where index is smaller than src in some dim, the src elements
     * it never reads get a zero gradient.
     */
    static Tensor scatterAdd(Tensor a, int dim, NDArray index, Tensor src) {
        NDArray out = a.data().scatterAdd(dim, index, src.data());
        int d = Shape.wrapDim("scatter_add", dim, a.rank());
        int[] srcShape = src.shape();
        DType aType = a.dtype();
        DType srcType = src.dtype();
        return Graph.record("scatter_add", out, new Tensor[] {a, src}, c -> {
            NDArray ga = c.needs(0) ? backTo(c.g(), aType) : null;
            NDArray gs = null;
            if (c.needs(1)) {
                gs = c.g().gather(d, index);
                if (!Arrays.equals(index.shape(), srcShape)) {
                    NDArray full = zeros(gs, srcShape);
                    NDArray window = full;
                    for (int k = 0; k < srcShape.length; k++) {
                        window = window.narrow(k, 0, index.size(k));
                    }
                    window.copyFrom(gs);
                    gs = full;
                }
                gs = backTo(gs, srcType);
            }
            return new NDArray[] {ga, gs};
        }, index);
    }

    // ---- sorting ----------------------------------------------------------------------------------------------

    static TensorValuesIndices sort(Tensor a, int dim, boolean descending) {
        ValuesIndices r = a.data().sort(dim, descending);
        return new TensorValuesIndices(scatterBack("sort", a, dim, r), r.indices());
    }

    static TensorValuesIndices topk(Tensor a, int k, int dim, boolean largest, boolean sorted) {
        ValuesIndices r = a.data().topk(k, dim, largest, sorted);
        return new TensorValuesIndices(scatterBack("topk", a, dim, r), r.indices());
    }

    /** Values picked from a along dim at the returned indices: their gradient goes back to those positions. */
    private static Tensor scatterBack(String op, Tensor a, int dim, ValuesIndices r) {
        int[] shape = a.shape();
        DType dtype = a.dtype();
        NDArray indices = r.indices();
        // A 0-d input is sorted as one element of a 1-D row; its gradient is scattered the same way.
        boolean scalar = a.rank() == 0;
        int d = scalar ? 0 : Shape.wrapDim(op, dim, a.rank());
        int[] work = scalar ? new int[] {1} : shape;
        return Graph.record(op, r.values(), a, c -> {
            NDArray g = c.g();
            NDArray idx = scalar ? indices.reshape(indices.numel()) : indices;
            NDArray gw = scalar ? g.reshape(g.numel()) : g;
            return new NDArray[] {backTo(zeros(g, work).scatterAddInPlace(d, idx, gw).reshape(shape), dtype)};
        }, indices);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static Tensor[] inputs(String op, List<Tensor> tensors) {
        Tensor[] in = tensors.toArray(Tensor[]::new);
        if (in.length == 0) {
            throw new IllegalArgumentException(op + ": expects a non-empty list of tensors");
        }
        for (int i = 0; i < in.length; i++) {
            if (in[i] == null) {
                throw new IllegalArgumentException(op + ": tensor " + i + " of " + in.length + " is null");
            }
        }
        return in;
    }

    private static List<NDArray> datas(Tensor[] in) {
        List<NDArray> r = new ArrayList<>(in.length);
        for (Tensor t : in) {
            r.add(t.data());
        }
        return r;
    }

    private static int[][] shapes(Tensor[] in) {
        int[][] r = new int[in.length][];
        for (int i = 0; i < in.length; i++) {
            r[i] = in[i].shape();
        }
        return r;
    }

    private static DType[] dtypes(Tensor[] in) {
        DType[] r = new DType[in.length];
        for (int i = 0; i < in.length; i++) {
            r[i] = in[i].dtype();
        }
        return r;
    }

    /** F32 zeros of {@code shape} on g's device: a contiguous target scatter_add may write into. */
    private static NDArray zeros(NDArray g, int[] shape) {
        return NDArray.zeros(DType.F32, g.device(), shape);
    }

    /** The gradient in the input's dtype when the op promoted it (cat of mixed dtypes, F16 sorted in F32). */
    private static NDArray backTo(NDArray g, DType dtype) {
        return g.dtype() == dtype || !dtype.isFloating() ? g : g.to(dtype);
    }
}
