package dev.usp4j.tensor;

import java.util.ArrayList;
import java.util.List;

/** cat, stack, split, chunk and unbind: joins copy into narrowed views of one output; splits are pure views. */
final class Joining {
    private Joining() {
    }

    static NDArray cat(List<NDArray> arrays, int dim) {
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException("cat: expects a non-empty list of arrays");
        }
        // PyTorch skips 1-D empty arrays so that cat([empty, x]) works as an accumulator idiom; they still take
        // part in dtype promotion, and messages number arrays by their position in the caller's list.
        List<Integer> parts = new ArrayList<>();
        DType t = arrays.get(0).dtype();
        for (int i = 0; i < arrays.size(); i++) {
            NDArray a = arrays.get(i);
            Elementwise.checkDevices("cat", arrays.get(0), a);
            t = t == a.dtype() ? t : DType.promote(t, a.dtype());
            if (!(a.rank() == 1 && a.numel() == 0)) {
                parts.add(i);
            }
        }
        if (parts.isEmpty()) {
            return Creation.empty(t, arrays.get(0).device(), 0);
        }
        int firstAt = parts.get(0);
        NDArray first = arrays.get(firstAt);
        if (first.rank() == 0) {
            throw new IllegalArgumentException("cat: zero-dimensional array (at position " + firstAt
                    + ") cannot be concatenated; unsqueeze it first");
        }
        int d = Shape.wrapDim("cat", dim, first.rank());
        int[] shape = first.shape();
        int total = 0;
        for (int i : parts) {
            int[] s = arrays.get(i).shape();
            if (s.length != shape.length) {
                throw new IllegalArgumentException("cat: array " + i + " has shape " + Shape.str(s) + ", array "
                        + firstAt + " has " + Shape.str(shape) + ": ranks differ");
            }
            for (int j = 0; j < s.length; j++) {
                if (j != d && s[j] != shape[j]) {
                    throw new IllegalArgumentException("cat: array " + i + " has shape " + Shape.str(s)
                            + ", array " + firstAt + " has " + Shape.str(shape) + ": extents must match except in"
                            + " dim " + d);
                }
            }
            total += s[d];
        }
        shape[d] = total;
        NDArray out = Creation.output(t, first.device(), shape);
        int at = 0;
        for (int i : parts) {
            NDArray a = arrays.get(i);
            int n = a.size(d);
            if (n > 0) {
                out.backend().copy(a, out.narrow(d, at, n));
            }
            at += n;
        }
        return out;
    }

    static NDArray stack(List<NDArray> arrays, int dim) {
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException("stack: expects a non-empty list of arrays");
        }
        int[] shape = arrays.get(0).shape();
        int d = Shape.wrapDim("stack", dim, shape.length + 1);
        List<NDArray> parts = new ArrayList<>();
        for (int i = 0; i < arrays.size(); i++) {
            NDArray a = arrays.get(i);
            if (!java.util.Arrays.equals(a.shape(), shape)) {
                throw new IllegalArgumentException("stack: array " + i + " has shape " + Shape.str(a.shape())
                        + ", array 0 has " + Shape.str(shape) + "; all must have the same shape");
            }
            parts.add(a.unsqueeze(d));
        }
        return cat(parts, d);
    }

    static List<NDArray> split(NDArray x, int splitSize, int dim) {
        int d = Shape.wrapDim("split", dim, needsDims("split", x));
        int n = x.size(d);
        if (splitSize <= 0 && !(splitSize == 0 && n == 0)) {
            throw new IllegalArgumentException("split: split size must be positive, got " + splitSize);
        }
        List<NDArray> out = new ArrayList<>();
        if (n == 0) {
            out.add(x);
            return out;
        }
        for (int at = 0; at < n; at += splitSize) {
            out.add(x.narrow(d, at, Math.min(splitSize, n - at)));
        }
        return out;
    }

    static List<NDArray> split(NDArray x, int[] sizes, int dim) {
        int d = Shape.wrapDim("split", dim, needsDims("split", x));
        long sum = 0;
        for (int s : sizes) {
            if (s < 0) {
                throw new IllegalArgumentException("split: negative size in " + java.util.Arrays.toString(sizes));
            }
            sum += s;
        }
        if (sum != x.size(d)) {
            throw new IllegalArgumentException("split: sizes " + java.util.Arrays.toString(sizes) + " add up to "
                    + sum + ", dim " + d + " has extent " + x.size(d));
        }
        List<NDArray> out = new ArrayList<>();
        int at = 0;
        for (int s : sizes) {
            out.add(x.narrow(d, at, s));
            at += s;
        }
        return out;
    }

    static List<NDArray> chunk(NDArray x, int chunks, int dim) {
        if (chunks <= 0) {
            throw new IllegalArgumentException("chunk: number of chunks must be positive, got " + chunks);
        }
        int d = Shape.wrapDim("chunk", dim, needsDims("chunk", x));
        int n = x.size(d);
        if (n == 0) {
            // As torch.chunk: an empty dim still gives the number of chunks asked for, all empty.
            List<NDArray> out = new ArrayList<>();
            for (int i = 0; i < chunks; i++) {
                out.add(x);
            }
            return out;
        }
        return split(x, (n + chunks - 1) / chunks, d);
    }

    static List<NDArray> unbind(NDArray x, int dim) {
        int d = Shape.wrapDim("unbind", dim, needsDims("unbind", x));
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; i < x.size(d); i++) {
            out.add(x.select(d, i));
        }
        return out;
    }

    /** The rank of x, which must be at least 1 (splitting a 0-d array has no dim to split). */
    private static int needsDims(String op, NDArray x) {
        if (x.rank() == 0) {
            throw new IllegalArgumentException(op + ": expects an array with at least one dim, got a 0-d array");
        }
        return x.rank();
    }
}
