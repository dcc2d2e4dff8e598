package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.NDArray;

/**
 * Walks the elements of same-shaped operands of any strides, row by row, in parallel.
 *
 * <p>Dims of extent 1 are dropped and neighbouring dims that are contiguous for every operand are merged, so that
 * a contiguous (or identically strided) set of operands becomes a single long row and vector loops see the longest
 * possible runs. The flat index range is split into blocks for {@link Parallel}; each block calls the row body with
 * per-operand offsets and the innermost strides. The offset and stride arrays passed to the body are reused; read
 * them, never write or keep them (the loop advances the offsets in place from row to row).
 */
final class StridedLoop {
    /** Body for one row of {@code n} elements; operand j starts at {@code off[j]} and steps by {@code str[j]}. */
    @FunctionalInterface
    interface Row {
        void run(int n, int[] off, int[] str);
    }

    /** Elements below which a loop runs on one thread: thread hand-off costs more than the work. */
    static final int GRAIN = 1 << 15;

    private final int[] shape;
    private final int[][] strides;
    private final int[] offsets;
    private final int numel;

    private StridedLoop(int[] shape, int[][] strides, int[] offsets) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        this.numel = n;
    }

    /** A loop over the shape of {@code arrays[0]}; all arrays must have that shape. */
    static StridedLoop of(NDArray... arrays) {
        int[] shape = arrays[0].shape();
        int k = arrays.length;
        int[][] st = new int[k][];
        int[] off = new int[k];
        for (int j = 0; j < k; j++) {
            st[j] = arrays[j].strides();
            off[j] = arrays[j].offset();
            if (!java.util.Arrays.equals(arrays[j].shape(), shape)) {
                throw new IllegalStateException("strided loop: operand " + j + " has shape "
                        + java.util.Arrays.toString(arrays[j].shape()) + ", expected "
                        + java.util.Arrays.toString(shape));
            }
        }
        return coalesce(shape, st, off);
    }

    private static StridedLoop coalesce(int[] shape, int[][] st, int[] off) {
        int k = st.length;
        int[] s = new int[shape.length];
        int[][] t = new int[k][shape.length];
        int r = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) {
                continue;
            }
            boolean merge = r > 0;
            for (int j = 0; j < k && merge; j++) {
                merge = t[j][r - 1] == st[j][i] * shape[i];
            }
            if (merge) {
                s[r - 1] *= shape[i];
                for (int j = 0; j < k; j++) {
                    t[j][r - 1] = st[j][i];
                }
            } else {
                s[r] = shape[i];
                for (int j = 0; j < k; j++) {
                    t[j][r] = st[j][i];
                }
                r++;
            }
        }
        if (r == 0) {
            // Every extent is 1 (or the array is 0-d): one element.
            return new StridedLoop(new int[] {1}, new int[k][1], off);
        }
        int[] fs = java.util.Arrays.copyOf(s, r);
        int[][] ft = new int[k][];
        for (int j = 0; j < k; j++) {
            ft[j] = java.util.Arrays.copyOf(t[j], r);
        }
        return new StridedLoop(fs, ft, off);
    }

    int numel() {
        return numel;
    }

    /** Coalesced rank (1 for a single contiguous run). */
    int rank() {
        return shape.length;
    }

    /**
     * Runs the body over every element, in parallel blocks of at least {@code grain} elements. Rows are cut into
     * chunks of {@link #CHUNK} elements (a multiple of every vector width) and blocks are whole chunks, so an
     * element takes a row's vector loop or its scalar tail the same way whatever the thread count: results are
     * bit-identical for 1 and N threads even where vector and scalar math differ in the last ulp.
     */
    void run(int grain, Row body) {
        if (numel == 0) {
            return;
        }
        int rowLen = shape[shape.length - 1];
        int rows = numel / rowLen;
        int chunksPerRow = (rowLen + CHUNK - 1) / CHUNK;
        long items = (long) rows * chunksPerRow;
        if (items > Integer.MAX_VALUE) {
            throw new IllegalStateException("strided loop: too many chunks (" + items + ")");
        }
        int itemGrain = Math.max(1, grain / Math.min(rowLen, CHUNK));
        Parallel.forRange((int) items, itemGrain, (start, end) -> chunks(start, end, chunksPerRow, body));
    }

    /** Runs the body over every element on the calling thread. */
    void runSerial(Row body) {
        if (numel > 0) {
            block(0, numel, body);
        }
    }

    /** Elements of a row handed to the body at once: a multiple of 64 so that vector loops cut the same way. */
    static final int CHUNK = 4096;

    private void chunks(int startItem, int endItem, int chunksPerRow, Row body) {
        int rowLen = shape[shape.length - 1];
        if (chunksPerRow == 1) {
            // Rows of at most one chunk: items are whole rows, walked in one pass that hands the body the same rows
            // (setting up a block per row cost ~50 ns each, the whole time of a 32-float row's copy).
            block(startItem * rowLen, endItem * rowLen, body);
            return;
        }
        for (int item = startItem; item < endItem; ) {
            int row = item / chunksPerRow;
            int chunk = item % chunksPerRow;
            int lastChunk = Math.min(chunksPerRow, chunk + (endItem - item));
            int from = row * rowLen + chunk * CHUNK;
            int to = row * rowLen + Math.min(rowLen, lastChunk * CHUNK);
            // Within one row consecutive chunks form one contiguous run; vector loops over it still cut at
            // multiples of the vector width from the row start, because every chunk start is such a multiple.
            block(from, to, body);
            item += lastChunk - chunk;
        }
    }

    private void block(int start, int end, Row body) {
        int r = shape.length;
        int k = offsets.length;
        int[] idx = new int[r];
        int[] off = new int[k];
        int[] inner = new int[k];
        for (int j = 0; j < k; j++) {
            inner[j] = strides[j][r - 1];
        }
        int rem = start;
        for (int d = r - 1; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        for (int j = 0; j < k; j++) {
            int o = offsets[j];
            int[] sj = strides[j];
            for (int d = 0; d < r; d++) {
                o += idx[d] * sj[d];
            }
            off[j] = o;
        }
        // Offsets advance with the index (a row's length, then each carry), not recomputed per row.
        int pos = start;
        while (pos < end) {
            int n = Math.min(shape[r - 1] - idx[r - 1], end - pos);
            body.run(n, off, inner);
            pos += n;
            idx[r - 1] += n;
            for (int j = 0; j < k; j++) {
                off[j] += n * inner[j];
            }
            for (int d = r - 1; d > 0 && idx[d] == shape[d]; d--) {
                idx[d] = 0;
                idx[d - 1]++;
                for (int j = 0; j < k; j++) {
                    off[j] += strides[j][d - 1] - shape[d] * strides[j][d];
                }
            }
        }
    }
}
