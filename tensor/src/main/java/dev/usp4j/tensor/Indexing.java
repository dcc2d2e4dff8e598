package dev.usp4j.tensor;

import dev.usp4j.tensor.cpu.CpuStorage;

/**
 * The rules of index_select, gather, scatter_add, one_hot, sort and topk: index dtypes and ranks, range checks
 * that name the offending index, output shapes; the backends then move elements.
 */
final class Indexing {
    private Indexing() {
    }

    /**
     * Checks an integer index array and that every value lies in [0, extent): at once on the CPU, at the thread's
     * next read from a device elsewhere ({@link DeferredChecks}).
     */
    static NDArray checkIndex(String op, NDArray index, int extent, String what) {
        if (!index.dtype().isInteger()) {
            throw new IllegalArgumentException(op + ": index must be I32 or I64, got " + index.dtype());
        }
        DeferredChecks.check(index, 0, extent, v -> op + ": index " + v + " is out of bounds for " + what
                + " of extent " + extent);
        return index;
    }

    /**
     * The smallest and largest value of a non-empty integer array. On the CPU a direct scan, so that the range
     * check costs one pass and no reduction kernel; elsewhere the device's reductions.
     */
    static long[] minMax(NDArray index) {
        if (!(index.storage() instanceof CpuStorage)) {
            return new long[] {(long) index.min().item(), (long) index.max().item()};
        }
        // Dims the index is broadcast along (stride 0, as an expanded row index) repeat the same values: scanned
        // once, not materialised (an expanded int64 index was megabytes per call).
        NDArray c = index;
        for (int d = 0; d < c.rank(); d++) {
            if (c.stride(d) == 0 && c.size(d) > 1) {
                c = c.narrow(d, 0, 1);
            }
        }
        c = c.contiguous();
        int n = c.numel();
        int o = c.offset();
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        if (c.dtype() == DType.I64) {
            long[] a = ((CpuStorage) c.storage()).longs();
            for (int i = o; i < o + n; i++) {
                lo = Math.min(lo, a[i]);
                hi = Math.max(hi, a[i]);
            }
        } else {
            int[] a = ((CpuStorage) c.storage()).ints();
            for (int i = o; i < o + n; i++) {
                lo = Math.min(lo, a[i]);
                hi = Math.max(hi, a[i]);
            }
        }
        return new long[] {lo, hi};
    }

    /**
     * The index as the backend's gather and scatter_add take it: on the CPU as it is (its kernels move whole rows
     * for a row index broadcast along the inner dims, and make any other layout contiguous themselves), elsewhere
     * contiguous.
     */
    private static NDArray cpuAsIs(NDArray index) {
        return index.storage() instanceof CpuStorage ? index : index.contiguous();
    }

    static NDArray indexSelect(NDArray x, int dim, NDArray index) {
        Elementwise.checkDevices("index_select", x, index);
        if (index.rank() > 1) {
            throw new IllegalArgumentException("index_select: index must be 0-d or 1-D, got shape "
                    + Shape.str(index.shape()));
        }
        if (x.rank() == 0 && index.numel() != 1) {
            throw new IllegalArgumentException("index_select: a 0-d array takes an index of exactly one value, got "
                    + index.numel());
        }
        NDArray xs = x.rank() == 0 ? x.reshape(1) : x;
        int d = Shape.wrapDim("index_select", dim, xs.rank());
        checkIndex("index_select", index, xs.size(d), "dim " + d);
        int[] shape = xs.shape();
        shape[d] = index.numel();
        NDArray out = Creation.empty(x.dtype(), x.device(), shape);
        x.backend().indexSelect(xs.contiguous(), d, index.reshape(index.numel()).contiguous(), out);
        // PyTorch keeps the input's rank: selecting from a 0-d array gives a 0-d array.
        return x.rank() == 0 ? out.view() : out;
    }

    static NDArray gather(NDArray x, int dim, NDArray index) {
        Elementwise.checkDevices("gather", x, index);
        int d = Shape.wrapDim("gather", dim, x.rank());
        checkSameRankNotLarger("gather", x, index, d, "input");
        checkIndex("gather", index, x.rank() == 0 ? 1 : x.size(d), "dim " + d);
        NDArray out = Creation.empty(x.dtype(), x.device(), index.shape());
        x.backend().gather(x.contiguous(), d, cpuAsIs(index), out);
        return out;
    }

    static NDArray scatterAdd(NDArray self, int dim, NDArray index, NDArray src) {
        Elementwise.checkDevices("scatter_add", self, index);
        Elementwise.checkDevices("scatter_add", self, src);
        if (!self.isContiguous() || self.offset() != 0 || self.storage().size() != self.numel()) {
            throw new IllegalArgumentException("scatter_add_: the target must be a contiguous array that owns its"
                    + " storage; call contiguous() or copy() first");
        }
        if (self.dtype() != DType.F32 && self.dtype().isFloating() || self.dtype() == DType.BOOL) {
            throw new IllegalArgumentException("scatter_add_: the target must be F32, I32 or I64, got "
                    + self.dtype() + "; convert with to(DType.F32)");
        }
        int d = Shape.wrapDim("scatter_add", dim, self.rank());
        checkSameRankNotLarger("scatter_add", self, index, d, "self");
        checkSameRankNotLarger("scatter_add", src, index, -1, "src");
        checkIndex("scatter_add", index, self.rank() == 0 ? 1 : self.size(d), "dim " + d);
        if (self.dtype() != src.dtype()) {
            src = src.to(self.dtype());
        }
        self.backend().scatterAdd(self, d, cpuAsIs(index), src.contiguous());
        self.storage().bumpVersion();
        return self;
    }

    /** index must have x's rank and, in every dim but {@code skip}, an extent no larger than x's. */
    private static void checkSameRankNotLarger(String op, NDArray x, NDArray index, int skip, String name) {
        if (index.rank() != x.rank()) {
            throw new IllegalArgumentException(op + ": index of shape " + Shape.str(index.shape())
                    + " must have as many dims as " + name + " of shape " + Shape.str(x.shape()));
        }
        for (int i = 0; i < x.rank(); i++) {
            if (i != skip && index.size(i) > x.size(i)) {
                throw new IllegalArgumentException(op + ": index of shape " + Shape.str(index.shape())
                        + " is larger than " + name + " of shape " + Shape.str(x.shape()) + " in dim " + i);
            }
        }
    }

    static NDArray oneHot(NDArray index, int numClasses) {
        if (!index.dtype().isInteger()) {
            throw new IllegalArgumentException("one_hot: needs an integer array, got " + index.dtype());
        }
        if (numClasses == -1) {
            if (index.numel() == 0) {
                throw new IllegalArgumentException("one_hot: cannot infer the number of classes (-1) from an empty"
                        + " array; pass num_classes");
            }
            numClasses = (int) Math.min(Integer.MAX_VALUE, Math.max(0, minMax(index)[1] + 1));
        } else if (numClasses < 1 && index.numel() > 0) {
            throw new IllegalArgumentException("one_hot: num_classes must be positive or -1, got " + numClasses);
        }
        checkIndex("one_hot", index, numClasses, "num_classes");
        int[] shape = java.util.Arrays.copyOf(index.shape(), index.rank() + 1);
        shape[index.rank()] = numClasses;
        NDArray out = Creation.empty(DType.I64, index.device(), shape);
        NDArray ones = Creation.full(DType.I64, index.device(), 1).expand(index.unsqueeze(-1).shape());
        out.backend().scatterAdd(out, index.rank(), index.unsqueeze(-1).contiguous(), ones.contiguous());
        return out;
    }

    static ValuesIndices sort(NDArray x, int dim, boolean descending) {
        NDArray xs = sortable("sort", x);
        int d = Shape.wrapDim("sort", dim, xs.rank());
        NDArray values = Creation.empty(xs.dtype(), x.device(), xs.shape());
        NDArray indices = Creation.empty(DType.I64, x.device(), xs.shape());
        x.backend().sort(xs, d, descending, values, indices);
        return new ValuesIndices(values.view(x.shape()), indices.view(x.shape()));
    }

    static ValuesIndices topk(NDArray x, int k, int dim, boolean largest, boolean sorted) {
        NDArray xs = sortable("topk", x);
        int d = Shape.wrapDim("topk", dim, xs.rank());
        if (k < 0 || k > xs.size(d)) {
            throw new IllegalArgumentException("topk: k=" + k + " is out of range for dim " + d + " of extent "
                    + xs.size(d) + " (shape " + Shape.str(x.shape()) + ")");
        }
        int[] shape = xs.shape();
        shape[d] = k;
        NDArray values = Creation.empty(xs.dtype(), x.device(), shape);
        NDArray indices = Creation.empty(DType.I64, x.device(), shape);
        x.backend().topk(xs, k, d, largest, sorted, values, indices);
        if (x.rank() == 0) {
            return new ValuesIndices(values.view(), indices.view());
        }
        return new ValuesIndices(values, indices);
    }

    private static NDArray sortable(String op, NDArray x) {
        if (x.dtype() == DType.BOOL) {
            throw new IllegalArgumentException(op + ": not defined for BOOL arrays; convert with to(DType.I32)");
        }
        NDArray c = Elementwise.asCompute(x, x.dtype().isFloating() ? DType.F32 : x.dtype()).contiguous();
        return c.rank() == 0 ? c.reshape(1) : c;
    }
}
