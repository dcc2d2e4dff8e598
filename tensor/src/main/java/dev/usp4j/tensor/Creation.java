package dev.usp4j.tensor;

import dev.usp4j.tensor.cpu.CpuStorage;
import dev.usp4j.tensor.random.Distribution;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.tensor.random.Philox;

/** How the creation functions of {@link NDArray} are defined: shapes checked, storage allocated, kernels called. */
final class Creation {
    private Creation() {
    }

    /** Zero-filled contiguous array (backends allocate zeroed storage). */
    static NDArray empty(DType dtype, Device device, int... shape) {
        int[] s = Shape.check("empty", shape);
        return NDArray.of(Backends.of(device).allocate(dtype, Shape.numel(s)), s);
    }

    /**
     * A contiguous array for an op to write whole before anything reads it: its contents are unspecified (the
     * backend may skip the zero-fill, see {@link Backend#allocateForOutput}).
     */
    static NDArray output(DType dtype, Device device, int... shape) {
        int[] s = Shape.check("empty", shape);
        Storage storage = Backends.of(device).allocateForOutput(dtype, Shape.numel(s));
        StepArena.allocated(storage);
        return NDArray.of(storage, s);
    }

    static NDArray full(DType dtype, double value, int... shape) {
        return full(dtype, Device.CPU, value, shape);
    }

    static NDArray full(DType dtype, Device device, double value, int... shape) {
        NDArray a = empty(dtype, device, shape);
        if (value != 0) {
            a.backend().fill(a, value);
        }
        return a;
    }

    static NDArray arange(DType dtype, double start, double end, double step) {
        if (step == 0 || Double.isNaN(step) || !Double.isFinite(start) || !Double.isFinite(end)) {
            throw new IllegalArgumentException("arange: invalid range start=" + start + " end=" + end
                    + " step=" + step);
        }
        if ((end - start) / step < 0) {
            throw new IllegalArgumentException("arange: step " + step + " goes away from end (start=" + start
                    + ", end=" + end + ")");
        }
        double n = Math.ceil((end - start) / step);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arange: " + n + " elements is too many");
        }
        NDArray out = empty(dtype, Device.CPU, (int) n);
        out.backend().arange(start, step, out);
        return out;
    }

    /** Mirrors PyTorch's CPU kernel: the first half counts up from start, the second down from end. */
    static NDArray linspace(double start, double end, int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("linspace: number of steps must be non-negative, got " + steps);
        }
        float[] v = new float[steps];
        if (steps == 1) {
            v[0] = (float) start;
        } else if (steps > 1) {
            float s = (float) start;
            float e = (float) end;
            float step = (e - s) / (steps - 1);
            int half = steps / 2;
            for (int i = 0; i < steps; i++) {
                v[i] = i < half ? s + step * i : e - step * (steps - i - 1);
            }
        }
        return NDArray.of(CpuStorage.wrap(v), steps);
    }

    static NDArray eye(int n, int m) {
        if (n < 0 || m < 0) {
            throw new IllegalArgumentException("eye: negative size " + n + "x" + m);
        }
        float[] v = new float[Shape.numel(new int[] {n, m})];
        for (int i = 0; i < Math.min(n, m); i++) {
            v[i * m + i] = 1;
        }
        return NDArray.of(CpuStorage.wrap(v), n, m);
    }

    /** Wraps a freshly copied Java array; an empty shape means 1-D. */
    static NDArray fromArray(Object data, int length, int[] shape) {
        int[] s = shape.length == 0 ? new int[] {length} : Shape.check("of", shape);
        if (Shape.numel(s) != length) {
            throw new IllegalArgumentException("of: " + length + " values do not fill shape " + Shape.str(s)
                    + " (" + Shape.numel(s) + " elements)");
        }
        CpuStorage st = switch (data) {
            case float[] f -> CpuStorage.wrap(f);
            case int[] i -> CpuStorage.wrap(i);
            case long[] l -> CpuStorage.wrap(l);
            case boolean[] b -> CpuStorage.wrap(b);
            default -> throw new IllegalArgumentException("of: unsupported array " + data.getClass());
        };
        return NDArray.of(st, s);
    }

    static NDArray random(Generator gen, Distribution dist, double a, double b, DType dtype, int... shape) {
        return random(gen, dist, a, b, dtype, Device.CPU, shape);
    }

    /** Draws on {@code device} from the same stream position a CPU draw would use: the same numbers anywhere. */
    static NDArray random(Generator gen, Distribution dist, double a, double b, DType dtype, Device device,
                          int... shape) {
        NDArray out = output(dtype, device, shape);
        long first = gen.reserve(out.numel());
        out.backend().random(dist, a, b, gen.seed(), first, out);
        return out;
    }

    static NDArray randint(Generator gen, Device device, long low, long high, int... shape) {
        if (high <= low || high - low > (1L << 32)) {
            throw new IllegalArgumentException("randint: need low < high and high - low <= 2^32, got [" + low + ", "
                    + high + ")");
        }
        return random(gen, Distribution.RANDINT, low, high, DType.I64, device, shape);
    }

    /**
     * Sorts 0..n-1 by one random 32-bit key each (ties by position), as PyTorch's CUDA randperm does; a
     * Fisher–Yates shuffle would tie the result to sequential consumption of the stream.
     */
    static NDArray randperm(Generator gen, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("randperm: n must be non-negative, got " + n);
        }
        long first = gen.reserve(n);
        long[] keyed = new long[n];
        int[] words = new int[4];
        for (int i = 0; i < n; i++) {
            if ((i & 3) == 0) {
                Philox.block(gen.seed(), first + (i >>> 2), words, 0);
            }
            keyed[i] = ((words[i & 3] & 0xFFFFFFFFL) << 32) | i;
        }
        java.util.Arrays.sort(keyed);
        long[] perm = new long[n];
        for (int i = 0; i < n; i++) {
            perm[i] = keyed[i] & 0xFFFFFFFFL;
        }
        return NDArray.of(CpuStorage.wrap(perm), n);
    }
}
