package dev.usp4j.tensor;

/**
 * The shape and dtype rules of reductions, scans and softmax: which dims are reduced, keepdim, result dtypes as in
 * PyTorch (integer sums and products give I64, means need floats), errors for empty max/min, then one backend call.
 */
final class Reductions {
    private Reductions() {
    }

    /** Flags of the reduced dims; null or empty {@code dims} means all. */
    static boolean[] reducedDims(String op, int rank, int[] dims) {
        boolean[] r = new boolean[rank];
        if (dims == null || dims.length == 0) {
            java.util.Arrays.fill(r, true);
            return r;
        }
        for (int d : dims) {
            int w = Shape.wrapDim(op, d, rank);
            if (rank == 0) {
                continue;
            }
            if (r[w]) {
                throw new IllegalArgumentException(op + ": dim " + w + " appears twice in "
                        + java.util.Arrays.toString(dims));
            }
            r[w] = true;
        }
        return r;
    }

    static int[] keptShape(int[] shape, boolean[] reduced) {
        int[] s = shape.clone();
        for (int i = 0; i < s.length; i++) {
            if (reduced[i]) {
                s[i] = 1;
            }
        }
        return s;
    }

    static int[] droppedShape(int[] shape, boolean[] reduced) {
        int n = 0;
        for (boolean b : reduced) {
            n += b ? 0 : 1;
        }
        int[] s = new int[n];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (!reduced[i]) {
                s[j++] = shape[i];
            }
        }
        return s;
    }

    private static NDArray finish(NDArray kept, int[] shape, boolean[] reduced, boolean keepdim) {
        return keepdim ? kept : kept.view(droppedShape(shape, reduced));
    }

    static NDArray reduce(ReduceOp op, NDArray x, int[] dims, boolean keepdim) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        int[] shape = x.shape();
        boolean[] reduced = reducedDims(name, shape.length, dims);
        DType in = x.dtype();
        DType out;
        switch (op) {
            case ANY, ALL -> {
                x = Elementwise.truth(x);
                out = DType.BOOL;
            }
            case SUM, PROD -> out = in.isFloating() ? DType.F32 : DType.I64;
            case MAX, MIN -> {
                out = in.isFloating() ? DType.F32 : in;
                checkNonEmpty(name, shape, reduced);
            }
            case LOGSUMEXP -> out = DType.F32; // PyTorch promotes integer and bool inputs to float here
            default -> {
                if (!in.isFloating()) {
                    throw new IllegalArgumentException(name + ": needs a floating array, got " + in
                            + "; convert with to(DType.F32)");
                }
                out = DType.F32;
            }
        }
        if (out != DType.BOOL) {
            // Kernels see input and output in one dtype: floats in F32, integer sums already widened to I64.
            x = Elementwise.asCompute(x, out);
        }
        NDArray result = Creation.empty(out, x.device(), keptShape(shape, reduced));
        x.backend().reduce(op, x, reduced, result);
        return finish(result, shape, reduced, keepdim);
    }

    private static void checkNonEmpty(String op, int[] shape, boolean[] reduced) {
        for (int i = 0; i < shape.length; i++) {
            if (reduced[i] && shape[i] == 0) {
                throw new IllegalArgumentException(op + ": cannot reduce over dim " + i + " of extent 0 (shape "
                        + Shape.str(shape) + "): the result has no identity");
            }
        }
    }

    static ValuesIndices argReduce(boolean max, NDArray x, int dim, boolean keepdim) {
        String name = max ? "max" : "min";
        int[] shape = x.shape();
        int d = Shape.wrapDim(name, dim, shape.length);
        boolean scalar = shape.length == 0;
        if (scalar) {
            x = x.reshape(1);
            shape = new int[] {1};
        }
        if (shape[d] == 0) {
            throw new IllegalArgumentException(name + ": cannot reduce over dim " + d + " of extent 0 (shape "
                    + Shape.str(shape) + ")");
        }
        boolean[] reduced = new boolean[shape.length];
        reduced[d] = true;
        boolean bool = x.dtype() == DType.BOOL;
        if (bool) {
            x = x.to(DType.I32);
        }
        DType t = x.dtype().isFloating() ? DType.F32 : x.dtype();
        x = Elementwise.asCompute(x, t);
        int[] kept = keptShape(shape, reduced);
        NDArray values = Creation.empty(t, x.device(), kept);
        NDArray indices = Creation.empty(DType.I64, x.device(), kept);
        x.backend().argReduce(max, x, d, values, indices);
        if (bool) {
            values = values.to(DType.BOOL); // torch.max(dim) of a bool array gives bool values
        }
        if (keepdim && !scalar) {
            return new ValuesIndices(values, indices);
        }
        int[] dropped = droppedShape(shape, reduced);
        return new ValuesIndices(values.view(dropped), indices.view(dropped));
    }

    static NDArray variance(NDArray x, int[] dims, double correction, boolean keepdim, boolean sqrt) {
        String name = sqrt ? "std" : "var";
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(name + ": needs a floating array, got " + x.dtype());
        }
        int[] shape = x.shape();
        boolean[] reduced = reducedDims(name, shape.length, dims);
        x = Elementwise.asCompute(x, DType.F32);
        NDArray result = Creation.empty(DType.F32, x.device(), keptShape(shape, reduced));
        x.backend().variance(x, reduced, correction, result);
        if (sqrt) {
            x.backend().unary(UnaryOp.SQRT, result, 0, 0, result);
        }
        return finish(result, shape, reduced, keepdim);
    }

    static NDArray cumulative(boolean product, NDArray x, int dim) {
        String name = product ? "cumprod" : "cumsum";
        int d = Shape.wrapDim(name, dim, x.rank());
        DType t = x.dtype().isFloating() ? DType.F32 : DType.I64;
        NDArray in = Elementwise.asCompute(x, t).contiguous();
        if (in.rank() == 0) {
            in = in.reshape(1);
        }
        NDArray out = Creation.empty(t, x.device(), in.shape());
        x.backend().cumulative(product, in, d, out);
        return out.view(x.shape());
    }

    static NDArray softmax(NDArray x, int dim, boolean log) {
        String name = log ? "log_softmax" : "softmax";
        int d = Shape.wrapDim(name, dim, x.rank());
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(name + ": needs a floating array, got " + x.dtype());
        }
        NDArray in = Elementwise.asCompute(x, DType.F32).contiguous();
        if (in.rank() == 0) {
            in = in.reshape(1);
        }
        NDArray out = Creation.empty(DType.F32, x.device(), in.shape());
        x.backend().softmax(in, d, log, out);
        return out.view(x.shape());
    }
}
