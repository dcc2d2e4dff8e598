package dev.usp4j.tensor;

import java.util.Arrays;

/**
 * An independent reference for view ops: a dense row-major copy (shape + long values) transformed by explicit
 * index arithmetic, one output coordinate at a time. It shares no code with {@link NDArray}'s stride arithmetic, so
 * property tests can check views against it.
 */
final class DenseModel {
    /** Maps an output coordinate to the input coordinate it reads. */
    @FunctionalInterface
    interface CoordMap {
        int[] source(int[] outCoord);
    }

    final int[] shape;
    final long[] values;

    DenseModel(int[] shape, long[] values) {
        this.shape = shape.clone();
        this.values = values.clone();
        if (count(shape) != values.length) {
            throw new IllegalArgumentException("model: " + values.length + " values for " + Arrays.toString(shape));
        }
    }

    /** 0, 1, ..., n-1 in the given shape. */
    static DenseModel arange(int[] shape) {
        long[] v = new long[count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return new DenseModel(shape, v);
    }

    static int count(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    long at(int[] coord) {
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (coord[i] < 0 || coord[i] >= shape[i]) {
                throw new IllegalStateException("model: coordinate " + Arrays.toString(coord) + " outside "
                        + Arrays.toString(shape));
            }
            flat = flat * shape[i] + coord[i];
        }
        return values[flat];
    }

    /** The array of shape {@code out} whose element c is this array's element {@code map.source(c)}. */
    DenseModel map(int[] out, CoordMap map) {
        long[] v = new long[count(out)];
        int[] c = new int[out.length];
        for (int p = 0; p < v.length; p++) {
            v[p] = at(map.source(c.clone()));
            for (int q = out.length - 1; q >= 0; q--) {
                if (++c[q] < out[q]) {
                    break;
                }
                c[q] = 0;
            }
        }
        return new DenseModel(out, v);
    }

    DenseModel permute(int[] dims) {
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = shape[wrap(dims[i], shape.length)];
        }
        return map(out, c -> {
            int[] src = new int[shape.length];
            for (int i = 0; i < dims.length; i++) {
                src[wrap(dims[i], shape.length)] = c[i];
            }
            return src;
        });
    }

    DenseModel transpose(int d0, int d1) {
        if (shape.length == 0) {
            return this;
        }
        int[] p = new int[shape.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        int a = wrap(d0, shape.length);
        int b = wrap(d1, shape.length);
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** Python's x[..., start:end:step, ...] along dim d (start/end already resolved, step positive). */
    DenseModel slice(int d, int lo, int n, int step) {
        int[] out = shape.clone();
        out[d] = n;
        return map(out, c -> {
            c[d] = lo + c[d] * step;
            return c;
        });
    }

    DenseModel select(int d, int index) {
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                out[j++] = shape[i];
            }
        }
        return map(out, c -> {
            int[] src = new int[shape.length];
            for (int i = 0, j = 0; i < shape.length; i++) {
                src[i] = i == d ? index : c[j++];
            }
            return src;
        });
    }

    /** Broadcast to {@code target} (no -1 entries): right-aligned, extent-1 dims read coordinate 0. */
    DenseModel broadcastTo(int[] target) {
        int lead = target.length - shape.length;
        return map(target, c -> {
            int[] src = new int[shape.length];
            for (int i = 0; i < shape.length; i++) {
                src[i] = shape[i] == 1 ? 0 : c[i + lead];
            }
            return src;
        });
    }

    /** Same values in row-major order, another shape (reshape, view, flatten, squeeze, unsqueeze). */
    DenseModel reshape(int[] out) {
        return new DenseModel(out, values);
    }

    static int wrap(int d, int rank) {
        int r = Math.max(rank, 1);
        return d < 0 ? d + r : d;
    }
}
