package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;

/**
 * index_select, gather and scatter_add on contiguous arrays. Index arrays are I32 or I64 whose values the caller
 * ({@code Indexing}) has already checked against the extent, so kernels only move elements.
 *
 * <p>Every kernel first turns a row of the index into a row of storage offsets (int scratch per block), then runs
 * one typed loop per dtype over those offsets: the layout arithmetic is written once, and the copy loops stay
 * tight. index_select copies whole inner blocks with {@link System#arraycopy} when they are long enough to pay for
 * the call.
 */
final class IndexKernels {
    /** Inner blocks at least this long are copied with System.arraycopy rather than element by element. */
    private static final int ARRAYCOPY_MIN = 8;
    /** Elements per parallel block, roughly. */
    private static final int GRAIN_ELEMENTS = 32768;

    private IndexKernels() {
    }

    // ---- index_select ---------------------------------------------------------------------------------------

    /** out[o, j, i] = x[o, index[j], i] with x viewed as [outer, n, inner] and out as [outer, k, inner]. */
    static void indexSelect(NDArray x, int dim, NDArray index, NDArray out) {
        int[] s = dims(x);
        int outer = product(s, 0, dim);
        int n = s[dim];
        int inner = product(s, dim + 1, s.length);
        int k = index.numel();
        int rows = outer * k;
        if (rows == 0 || inner == 0) {
            return;
        }
        Object xa = CopyKernels.array(x);
        Object oa = CopyKernels.array(out);
        int xo = x.offset();
        int oo = out.offset();
        Object ia = CopyKernels.array(index);
        int io = index.offset();
        if (inner >= ARRAYCOPY_MIN) {
            Parallel.forRange(rows, grain(inner), (start, end) -> {
                for (int r = start; r < end; r++) {
                    int o = r / k;
                    int j = r - o * k;
                    int src = xo + (o * n + indexAt(ia, io + j)) * inner;
                    System.arraycopy(xa, src, oa, oo + r * inner, inner);
                }
            });
            return;
        }
        // Short inner blocks: one output row of k*inner elements per outer position, gathered by offset.
        int rowLen = k * inner;
        Parallel.forRange(outer, grain(rowLen), (start, end) -> {
            int[] off = new int[rowLen];
            for (int o = start; o < end; o++) {
                int p = 0;
                for (int j = 0; j < k; j++) {
                    int src = xo + (o * n + indexAt(ia, io + j)) * inner;
                    for (int i = 0; i < inner; i++) {
                        off[p++] = src + i;
                    }
                }
                copyFrom(xa, off, oa, oo + o * rowLen, rowLen);
            }
        });
    }

    // ---- gather ---------------------------------------------------------------------------------------------

    /**
     * out[c] = x[c with c[dim] replaced by index[c]] for every coordinate c of index (torch.gather); index may be
     * smaller than x in every dim but {@code dim}.
     */
    static void gather(NDArray x, int dim, NDArray index, NDArray out) {
        if (!index.isContiguous()) {
            if (rowBroadcast(index, dim, dims(x))) {
                gatherRows(x, dim, index, out);
                return;
            }
            index = index.contiguous();
        }
        int[] xs = dims(x);
        int[] is = dims(index);
        int[] xst = contiguousStrides(xs);
        int outer = product(is, 0, dim);
        int k = is[dim];
        int inner = product(is, dim + 1, is.length);
        int rows = outer * k;
        if (rows == 0 || inner == 0) {
            return;
        }
        int[] xOuter = offsets(is, xst, 0, dim, x.offset());
        int[] xInner = sameExtents(is, xs, dim + 1) ? null : offsets(is, xst, dim + 1, is.length, 0);
        int strideD = xst[dim];
        Object xa = CopyKernels.array(x);
        Object oa = CopyKernels.array(out);
        Object ia = CopyKernels.array(index);
        int io = index.offset();
        int oo = out.offset();
        Parallel.forRange(rows, grain(inner), (start, end) -> {
            int[] off = new int[inner];
            for (int r = start; r < end; r++) {
                int base = xOuter[r / k];
                int p = io + r * inner;
                for (int i = 0; i < inner; i++) {
                    off[i] = base + indexAt(ia, p + i) * strideD + (xInner == null ? i : xInner[i]);
                }
                copyFrom(xa, off, oa, oo + r * inner, inner);
            }
        });
    }

    // ---- scatter_add ----------------------------------------------------------------------------------------

    /**
     * self[c with c[dim] replaced by index[c]] += src[c] for every coordinate c of index. Two coordinates can only
     * hit the same element of self when they differ in {@code dim} alone, so the work is split over (outer
     * position, chunk of inner positions) and each block walks dim in index order: every element receives its
     * contributions in the same order whatever the thread count.
     */
    static void scatterAdd(NDArray self, int dim, NDArray index, NDArray src) {
        DType t = self.dtype();
        if (t != DType.F32 && t != DType.I32 && t != DType.I64) {
            throw new IllegalArgumentException("scatter_add: unsupported dtype " + t + " (F32, I32 or I64)");
        }
        if (!index.isContiguous()) {
            if (t == DType.F32 && rowBroadcast(index, dim, dims(self)) && rowBroadcast(index, dim, dims(src))) {
                scatterAddRows(self, dim, index, src);
                return;
            }
            index = index.contiguous();
        }
        int[] ss = dims(self);
        int[] is = dims(index);
        int[] rs = dims(src);
        int[] sst = contiguousStrides(ss);
        int[] rst = contiguousStrides(rs);
        int outer = product(is, 0, dim);
        int k = is[dim];
        int inner = product(is, dim + 1, is.length);
        if (outer == 0 || k == 0 || inner == 0) {
            return;
        }
        int[] selfOuter = offsets(is, sst, 0, dim, self.offset());
        int[] srcOuter = offsets(is, rst, 0, dim, src.offset());
        int[] selfInner = sameExtents(is, ss, dim + 1) ? null : offsets(is, sst, dim + 1, is.length, 0);
        int[] srcInner = sameExtents(is, rs, dim + 1) ? null : offsets(is, rst, dim + 1, is.length, 0);
        int chunk = Math.min(inner, 1024);
        int chunks = (inner + chunk - 1) / chunk;
        Object sa = CopyKernels.array(self);
        Object ra = CopyKernels.array(src);
        Object ia = CopyKernels.array(index);
        int io = index.offset();
        int selfStrideD = sst[dim];
        int srcStrideD = rst[dim];
        Parallel.forRange(outer * chunks, Math.max(1, GRAIN_ELEMENTS / Math.max(1, k * chunk)), (start, end) -> {
            int[] to = new int[chunk];
            int[] from = new int[chunk];
            for (int task = start; task < end; task++) {
                int o = task / chunks;
                int i0 = (task - o * chunks) * chunk;
                int len = Math.min(chunk, inner - i0);
                for (int j = 0; j < k; j++) {
                    int p = io + (o * k + j) * inner + i0;
                    int srcBase = srcOuter[o] + j * srcStrideD;
                    for (int i = 0; i < len; i++) {
                        int c = i0 + i;
                        to[i] = selfOuter[o] + indexAt(ia, p + i) * selfStrideD
                                + (selfInner == null ? c : selfInner[c]);
                        from[i] = srcBase + (srcInner == null ? c : srcInner[c]);
                    }
                    addAt(ra, from, sa, to, len);
                }
            }
        });
    }

    // ---- typed loops ----------------------------------------------------------------------------------------

    /** dst[dstOff + i] = src[off[i]] for i in [0, n). */
    private static void copyFrom(Object src, int[] off, Object dst, int dstOff, int n) {
        switch (src) {
            case float[] s -> {
                float[] d = (float[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstOff + i] = s[off[i]];
                }
            }
            case short[] s -> {
                short[] d = (short[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstOff + i] = s[off[i]];
                }
            }
            case int[] s -> {
                int[] d = (int[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstOff + i] = s[off[i]];
                }
            }
            case long[] s -> {
                long[] d = (long[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstOff + i] = s[off[i]];
                }
            }
            case boolean[] s -> {
                boolean[] d = (boolean[]) dst;
                for (int i = 0; i < n; i++) {
                    d[dstOff + i] = s[off[i]];
                }
            }
            default -> throw new IllegalStateException("index kernels: unsupported storage " + src.getClass());
        }
    }

    /** dst[to[i]] += src[from[i]] for i in [0, n), in order of i. */
    private static void addAt(Object src, int[] from, Object dst, int[] to, int n) {
        switch (dst) {
            case float[] d -> {
                float[] s = (float[]) src;
                for (int i = 0; i < n; i++) {
                    d[to[i]] += s[from[i]];
                }
            }
            case int[] d -> {
                int[] s = (int[]) src;
                for (int i = 0; i < n; i++) {
                    d[to[i]] += s[from[i]];
                }
            }
            case long[] d -> {
                long[] s = (long[]) src;
                for (int i = 0; i < n; i++) {
                    d[to[i]] += s[from[i]];
                }
            }
            default -> throw new IllegalStateException("scatter_add: unsupported storage " + dst.getClass());
        }
    }

    /** Element p of an I32 or I64 index storage (values were range-checked, so the narrowing is exact). */
    private static int indexAt(Object index, int p) {
        return index instanceof long[] l ? (int) l[p] : ((int[]) index)[p];
    }

    // ---- row-broadcast indices ------------------------------------------------------------------------------

    /**
     * Whether index (of the operand's rank) is a row index broadcast over the dims after {@code dim} (stride 0
     * there, as MAE's {@code ids.unsqueeze(-1).expand(n, k, d)}) whose extents there equal the contiguous
     * operand's: then every (outer, j) position moves one whole contiguous row, and the index need not be
     * materialised (the expanded copy was megabytes of int64 per call).
     */
    private static boolean rowBroadcast(NDArray index, int dim, int[] operand) {
        if (index.rank() == 0) {
            return false;
        }
        int[] is = index.shape();
        for (int i = dim + 1; i < is.length; i++) {
            if (index.stride(i) != 0 && is[i] > 1) {
                return false;
            }
        }
        return product(is, dim + 1, is.length) > 1 && sameExtents(is, operand, dim + 1);
    }

    /** gather for a {@link #rowBroadcast} index: out row (o, j) = x row (o, index[o, j]), one copy each. */
    private static void gatherRows(NDArray x, int dim, NDArray index, NDArray out) {
        int[] xs = dims(x);
        int[] is = index.shape();
        int outer = product(is, 0, dim);
        int k = is[dim];
        int inner = product(is, dim + 1, is.length);
        int[] xOuter = offsets(is, contiguousStrides(xs), 0, dim, x.offset());
        int[] iOuter = offsets(is, index.strides(), 0, dim, index.offset());
        int indexStride = index.stride(dim);
        Object xa = CopyKernels.array(x);
        Object oa = CopyKernels.array(out);
        Object ia = CopyKernels.array(index);
        int oo = out.offset();
        Parallel.forRange(outer * k, Math.max(1, GRAIN_ELEMENTS / inner), (start, end) -> {
            for (int r = start; r < end; r++) {
                int o = r / k;
                int v = indexAt(ia, iOuter[o] + (r - o * k) * indexStride);
                System.arraycopy(xa, xOuter[o] + v * inner, oa, oo + r * inner, inner);
            }
        });
    }

    /**
     * scatter_add for a {@link #rowBroadcast} index on F32: self row (o, index[o, j]) += src row (o, j), rows of
     * one outer position in j order (as the general kernel: the same sums in the same order).
     */
    private static void scatterAddRows(NDArray self, int dim, NDArray index, NDArray src) {
        int[] ss = dims(self);
        int[] rs = dims(src);
        int[] is = index.shape();
        int outer = product(is, 0, dim);
        int k = is[dim];
        int inner = product(is, dim + 1, is.length);
        if (outer == 0 || k == 0) {
            return;
        }
        int[] selfOuter = offsets(is, contiguousStrides(ss), 0, dim, self.offset());
        int[] srcOuter = offsets(is, contiguousStrides(rs), 0, dim, src.offset());
        int[] iOuter = offsets(is, index.strides(), 0, dim, index.offset());
        int indexStride = index.stride(dim);
        float[] sa = CpuStorage.of(self).floats();
        float[] ra = CpuStorage.of(src).floats();
        Object ia = CopyKernels.array(index);
        int chunk = Math.min(inner, 1024);
        int chunks = (inner + chunk - 1) / chunk;
        Parallel.forRange(outer * chunks, Math.max(1, GRAIN_ELEMENTS / Math.max(1, k * chunk)), (start, end) -> {
            for (int task = start; task < end; task++) {
                int o = task / chunks;
                int i0 = (task - o * chunks) * chunk;
                int len = Math.min(chunk, inner - i0);
                for (int j = 0; j < k; j++) {
                    int v = indexAt(ia, iOuter[o] + j * indexStride);
                    ArrayLoops.addInto(sa, selfOuter[o] + v * inner + i0, ra, srcOuter[o] + j * inner + i0, len);
                }
            }
        });
    }

    // ---- layout helpers -------------------------------------------------------------------------------------

    /** The shape, with a 0-d array seen as [1]. */
    private static int[] dims(NDArray a) {
        return a.rank() == 0 ? new int[] {1} : a.shape();
    }

    private static int product(int[] s, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= s[i];
        }
        return p;
    }

    private static int[] contiguousStrides(int[] s) {
        int[] st = new int[s.length];
        int m = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            st[i] = m;
            m *= s[i];
        }
        return st;
    }

    /** True when dims [from, rank) of a and b have equal extents (then inner offsets are the identity). */
    private static boolean sameExtents(int[] a, int[] b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * For every row-major coordinate over dims [from, to) of {@code shape}, the storage offset base + Σ c·stride
     * (the coordinates of {@code shape}, the strides of the array being addressed).
     */
    private static int[] offsets(int[] shape, int[] strides, int from, int to, int base) {
        int[] out = new int[product(shape, from, to)];
        int[] c = new int[to - from];
        int at = base;
        for (int p = 0; p < out.length; p++) {
            out[p] = at;
            for (int q = to - 1; q >= from; q--) {
                if (++c[q - from] < shape[q]) {
                    at += strides[q];
                    break;
                }
                at -= (c[q - from] - 1) * strides[q];
                c[q - from] = 0;
            }
        }
        return out;
    }

    private static int grain(int rowElements) {
        return Math.max(1, GRAIN_ELEMENTS / Math.max(1, rowElements));
    }
}
