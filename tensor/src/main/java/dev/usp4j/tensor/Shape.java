package dev.usp4j.tensor;

import java.util.Arrays;

/**
 * Static helpers for shapes ({@code int[]} extents): element counts, contiguous strides, dimension wrapping and
 * NumPy broadcasting, each raising errors that name the op and the shapes involved.
 */
public final class Shape {
    private Shape() {
    }

    /** Number of elements of a shape (1 for a scalar, 0 if any extent is 0). */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " has more than 2^31-1 elements, the most one array may hold");
            }
        }
        return (int) n;
    }

    /** Product of the extents before {@code dim}: the "outer" count of an [outer, n, inner] view. */
    public static int numelBefore(int[] shape, int dim) {
        int n = 1;
        for (int d = 0; d < dim; d++) {
            n *= shape[d];
        }
        return n;
    }

    /** Product of the extents after {@code dim}: the "inner" count of an [outer, n, inner] view. */
    public static int numelAfter(int[] shape, int dim) {
        int n = 1;
        for (int d = dim + 1; d < shape.length; d++) {
            n *= shape[d];
        }
        return n;
    }

    /** Row-major strides of a contiguous array of this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** Maps a possibly negative dim into [0, rank), or throws naming the op. */
    public static int wrapDim(String op, int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IllegalArgumentException(op + ": dim " + dim + " out of range for a " + rank
                    + "-d array (expected in [" + -r + ", " + (r - 1) + "])");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** Validates extents are non-negative; returns a defensive copy. */
    public static int[] check(String op, int[] shape) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": negative extent in shape " + Arrays.toString(shape));
            }
        }
        numel(shape);
        return shape.clone();
    }

    /** The broadcast shape of two shapes by NumPy rules, or an error naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " cannot be broadcast (dim " + (i - rank) + ": " + da + " vs " + db
                        + "; each pair must be equal or one of them 1)");
            }
        }
        return out;
    }

    /** Shape as PyTorch prints it: [2, 3]. */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
