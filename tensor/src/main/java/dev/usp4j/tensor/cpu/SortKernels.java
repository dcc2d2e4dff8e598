package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;

/**
 * Stable sort and top-k along one dim of a contiguous F32, I32 or I64 array, ordered as torch.sort(stable=True):
 * NaN counts as the largest value (last ascending, first descending), -0.0 equals 0.0, equal keys keep their
 * original order. Rows (all positions but the sorted dim) are independent and split across threads.
 *
 * <p>F32 and I32 keys become order-preserving ints packed above the element's position into one long, so a
 * primitive {@link Arrays#sort(long[], int, int)} sorts values and positions together and is stable through the
 * position; descending order flips the key, never the position. I64 keys do not fit beside a position, so they get
 * a merge sort of int positions (no boxing).
 */
final class SortKernels {
    /** Elements per parallel block, roughly. */
    private static final int GRAIN_ELEMENTS = 8192;
    /** Runs shorter than this are insertion-sorted. */
    private static final int SMALL = 16;

    private SortKernels() {
    }

    static void sort(NDArray x, int dim, boolean descending, NDArray values, NDArray indices) {
        rows(x, dim, x.size(dim), descending, false, values, indices);
    }

    static void topk(NDArray x, int k, int dim, boolean largest, boolean sorted, NDArray values, NDArray indices) {
        rows(x, dim, k, largest, !sorted, values, indices);
    }

    /**
     * Writes the first {@code k} elements of each row in the order asked for ({@code descending}), or, when
     * {@code selectOnly}, the same k elements in an unspecified (but deterministic) order.
     */
    private static void rows(NDArray x, int dim, int k, boolean descending, boolean selectOnly, NDArray values,
                             NDArray indices) {
        int[] s = x.shape();
        int n = s[dim];
        int inner = 1;
        for (int i = dim + 1; i < s.length; i++) {
            inner *= s[i];
        }
        int rows = n == 0 ? 0 : x.numel() / n;
        if (rows == 0 || k == 0) {
            return;
        }
        DType t = x.dtype();
        Object xa = CopyKernels.array(x);
        Object va = CopyKernels.array(values);
        long[] ia = CpuStorage.of(indices).longs();
        int xo = x.offset();
        int vo = values.offset();
        int io = indices.offset();
        int in = inner;
        Parallel.forRange(rows, Math.max(1, GRAIN_ELEMENTS / n), (start, end) -> {
            long[] keyed = t == DType.I64 ? null : new long[n];
            int[] pos = t == DType.I64 ? new int[n] : null;
            int[] tmp = t == DType.I64 ? new int[n] : null;
            long[] keys = t == DType.I64 ? new long[n] : null;
            for (int r = start; r < end; r++) {
                int o = r / in;
                int i = r - o * in;
                int src = xo + o * n * in + i;
                int dst = o * k * in + i;
                if (t == DType.I64) {
                    long[] xl = (long[]) xa;
                    for (int p = 0; p < n; p++) {
                        keys[p] = xl[src + p * in];
                        pos[p] = p;
                    }
                    mergeSort(keys, pos, tmp, n, descending);
                    long[] vl = (long[]) va;
                    for (int p = 0; p < k; p++) {
                        vl[vo + dst + p * in] = keys[pos[p]];
                        ia[io + dst + p * in] = pos[p];
                    }
                    continue;
                }
                if (t == DType.F32) {
                    float[] xf = (float[]) xa;
                    for (int p = 0; p < n; p++) {
                        keyed[p] = pack(floatKey(xf[src + p * in], descending), p);
                    }
                } else {
                    int[] xi = (int[]) xa;
                    for (int p = 0; p < n; p++) {
                        int v = xi[src + p * in];
                        keyed[p] = pack(descending ? ~v : v, p);
                    }
                }
                if (k < n) {
                    selectSmallest(keyed, n, k);
                }
                if (!selectOnly) {
                    Arrays.sort(keyed, 0, k);
                }
                for (int p = 0; p < k; p++) {
                    int from = (int) keyed[p];
                    ia[io + dst + p * in] = from;
                    if (t == DType.F32) {
                        ((float[]) va)[vo + dst + p * in] = ((float[]) xa)[src + from * in];
                    } else {
                        ((int[]) va)[vo + dst + p * in] = ((int[]) xa)[src + from * in];
                    }
                }
            }
        });
    }

    /** The key in the high word (signed order), the position in the low word. */
    private static long pack(int key, int position) {
        return ((long) key << 32) | position;
    }

    /**
     * An int whose signed order is the float order, with every NaN above +inf and -0.0 equal to 0.0; flipped
     * (bitwise not, which reverses signed order) for descending.
     */
    static int floatKey(float f, boolean descending) {
        int key;
        if (f != f) {
            key = Integer.MAX_VALUE;
        } else if (f == 0) {
            key = 0;
        } else {
            int bits = Float.floatToRawIntBits(f);
            key = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        }
        return descending ? ~key : key;
    }

    /**
     * Rearranges a[0, n) so that a[0, k) holds its k smallest values (in no particular order); the values are
     * distinct because each carries its position. Quickselect with a median-of-three pivot, falling back to a
     * full sort of the remaining range if partitioning keeps going badly.
     */
    static void selectSmallest(long[] a, int n, int k) {
        int target = k - 1;
        int lo = 0;
        int hi = n - 1;
        int budget = 2 * (32 - Integer.numberOfLeadingZeros(n)) + 4;
        while (hi - lo > SMALL) {
            if (budget-- == 0) {
                Arrays.sort(a, lo, hi + 1);
                return;
            }
            int mid = (lo + hi) >>> 1;
            long pivot = median(a[lo], a[mid], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long v = a[i];
                    a[i++] = a[j];
                    a[j--] = v;
                }
            }
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return;
            }
        }
        Arrays.sort(a, lo, hi + 1);
    }

    private static long median(long a, long b, long c) {
        return a < b ? (b < c ? b : Math.max(a, c)) : (a < c ? a : Math.max(b, c));
    }

    /**
     * Stable sort of positions pos[0, n) by keys[pos] (ascending, or descending when asked): insertion sort of
     * short runs, then bottom-up merges through tmp. On return pos holds the sorted order.
     */
    static void mergeSort(long[] keys, int[] pos, int[] tmp, int n, boolean descending) {
        for (int lo = 0; lo < n; lo += SMALL) {
            int hi = Math.min(lo + SMALL, n);
            for (int i = lo + 1; i < hi; i++) {
                int p = pos[i];
                long key = keys[p];
                int j = i - 1;
                while (j >= lo && before(key, keys[pos[j]], descending)) {
                    pos[j + 1] = pos[j];
                    j--;
                }
                pos[j + 1] = p;
            }
        }
        int[] from = pos;
        int[] to = tmp;
        for (int width = SMALL; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int o = lo;
                while (i < mid && j < hi) {
                    // Take from the right run only when strictly before: equal keys keep their order.
                    to[o++] = before(keys[from[j]], keys[from[i]], descending) ? from[j++] : from[i++];
                }
                while (i < mid) {
                    to[o++] = from[i++];
                }
                while (j < hi) {
                    to[o++] = from[j++];
                }
            }
            int[] swap = from;
            from = to;
            to = swap;
        }
        if (from != pos) {
            System.arraycopy(from, 0, pos, 0, n);
        }
    }

    private static boolean before(long a, long b, boolean descending) {
        return descending ? a > b : a < b;
    }
}
