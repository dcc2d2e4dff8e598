package dev.usp4j.tensor.cuda;

import dev.usp4j.tensor.NDArray;
import java.util.Arrays;

/**
 * The iteration space of an elementwise kernel: one shape shared by several operands, each with its own strides,
 * after dropping extent-1 dims and merging neighbouring dims that are contiguous in every operand (a contiguous
 * array of any rank becomes one dim). Packed as the kernels' C structs {@code Dims {rank, n, shape[8]}} and
 * {@code Str {s[8]}}.
 */
final class Strided {
    static final int MAX_RANK = 8;

    final int rank;
    final int n;
    final int[] shape;
    final int[][] strides;

    private Strided(int rank, int n, int[] shape, int[][] strides) {
        this.rank = rank;
        this.n = n;
        this.shape = shape;
        this.strides = strides;
    }

    /** The merged layout of {@code arrays}, all of shape {@code shape}; null when it needs more than 8 dims. */
    static Strided of(int[] shape, NDArray... arrays) {
        int[][] st = new int[arrays.length][];
        for (int a = 0; a < arrays.length; a++) {
            st[a] = arrays[a].strides();
        }
        return of(shape, st);
    }

    /** As {@link #of(int[], NDArray...)} over raw strides. */
    static Strided of(int[] shape, int[]... strides) {
        int ops = strides.length;
        int[] sh = new int[shape.length];
        int[][] s = new int[ops][shape.length];
        int r = 0;
        long n = 1;
        for (int d = 0; d < shape.length; d++) {
            n *= shape[d];
            if (shape[d] == 1) {
                continue;
            }
            boolean merge = r > 0;
            for (int a = 0; a < ops && merge; a++) {
                merge = s[a][r - 1] == (long) strides[a][d] * shape[d];
            }
            if (merge) {
                sh[r - 1] *= shape[d];
                for (int a = 0; a < ops; a++) {
                    s[a][r - 1] = strides[a][d];
                }
            } else {
                sh[r] = shape[d];
                for (int a = 0; a < ops; a++) {
                    s[a][r] = strides[a][d];
                }
                r++;
            }
        }
        if (r == 0) {  // a single element: one dim of extent 1
            return new Strided(1, (int) n, new int[] {1}, new int[ops][1]);
        }
        if (r > MAX_RANK) {
            return null;
        }
        int[][] out = new int[ops][];
        for (int a = 0; a < ops; a++) {
            out[a] = Arrays.copyOf(s[a], r);
        }
        return new Strided(r, (int) n, Arrays.copyOf(sh, r), out);
    }

    /** The C struct Dims. */
    int[] dims() {
        int[] d = new int[2 + MAX_RANK];
        d[0] = rank;
        d[1] = n;
        System.arraycopy(shape, 0, d, 2, rank);
        return d;
    }

    /** The C struct Str of operand {@code a}. */
    int[] str(int a) {
        return Arrays.copyOf(strides[a], MAX_RANK);
    }
}
