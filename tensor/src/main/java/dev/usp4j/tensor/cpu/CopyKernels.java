package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.HalfFloats;
import dev.usp4j.tensor.NDArray;

/**
 * Strided copy with dtype conversion, fill and arange. Conversions follow PyTorch: floats to integers truncate
 * toward zero, anything to BOOL tests nonzero, F32 to BF16/F16 rounds to nearest even.
 */
final class CopyKernels {
    private CopyKernels() {
    }

    static void copy(NDArray src, NDArray dst) {
        Object s = array(src);
        Object d = array(dst);
        DType st = src.dtype();
        DType dt = dst.dtype();
        StridedLoop loop = StridedLoop.of(dst, src);
        loop.run(StridedLoop.GRAIN, (n, off, str) -> {
            if (st == dt && str[0] == 1 && str[1] == 1) {
                System.arraycopy(s, off[1], d, off[0], n);
            } else {
                convert(st, s, off[1], str[1], dt, d, off[0], str[0], n);
            }
        });
    }

    /** Converts n elements; one switch per row, then a tight loop. */
    private static void convert(DType st, Object s, int so, int ss, DType dt, Object d, int dof, int ds, int n) {
        switch (dt) {
            case F32 -> {
                float[] out = (float[]) d;
                switch (st) {
                    case F32 -> {
                        float[] in = (float[]) s;
                        for (int i = 0; i < n; i++) {
                            out[dof + i * ds] = in[so + i * ss];
                        }
                    }
                    case BF16 -> {
                        short[] in = (short[]) s;
                        for (int i = 0; i < n; i++) {
                            out[dof + i * ds] = HalfFloats.bf16ToFloat(in[so + i * ss]);
                        }
                    }
                    case F16 -> {
                        short[] in = (short[]) s;
                        for (int i = 0; i < n; i++) {
                            out[dof + i * ds] = HalfFloats.f16ToFloat(in[so + i * ss]);
                        }
                    }
                    default -> {
                        for (int i = 0; i < n; i++) {
                            out[dof + i * ds] = (float) readDouble(st, s, so + i * ss);
                        }
                    }
                }
            }
            case BF16 -> {
                short[] out = (short[]) d;
                for (int i = 0; i < n; i++) {
                    out[dof + i * ds] = st == DType.BF16 ? ((short[]) s)[so + i * ss]
                            : HalfFloats.floatToBf16(readFloat(st, s, so + i * ss));
                }
            }
            case F16 -> {
                short[] out = (short[]) d;
                for (int i = 0; i < n; i++) {
                    out[dof + i * ds] = st == DType.F16 ? ((short[]) s)[so + i * ss]
                            : HalfFloats.floatToF16(readFloat(st, s, so + i * ss));
                }
            }
            case I32 -> {
                int[] out = (int[]) d;
                for (int i = 0; i < n; i++) {
                    out[dof + i * ds] = (int) readLong(st, s, so + i * ss);
                }
            }
            case I64 -> {
                long[] out = (long[]) d;
                for (int i = 0; i < n; i++) {
                    out[dof + i * ds] = readLong(st, s, so + i * ss);
                }
            }
            case BOOL -> {
                boolean[] out = (boolean[]) d;
                for (int i = 0; i < n; i++) {
                    out[dof + i * ds] = readBool(st, s, so + i * ss);
                }
            }
        }
    }

    private static float readFloat(DType t, Object a, int i) {
        return switch (t) {
            case F32 -> ((float[]) a)[i];
            case BF16 -> HalfFloats.bf16ToFloat(((short[]) a)[i]);
            case F16 -> HalfFloats.f16ToFloat(((short[]) a)[i]);
            case I32 -> ((int[]) a)[i];
            case I64 -> ((long[]) a)[i];
            case BOOL -> ((boolean[]) a)[i] ? 1f : 0f;
        };
    }

    private static double readDouble(DType t, Object a, int i) {
        return switch (t) {
            case I64 -> ((long[]) a)[i];
            case I32 -> ((int[]) a)[i];
            default -> readFloat(t, a, i);
        };
    }

    /** Integer value: floats truncate toward zero; NaN gives 0 (Java's rule; PyTorch leaves it undefined). */
    private static long readLong(DType t, Object a, int i) {
        return switch (t) {
            case I64 -> ((long[]) a)[i];
            case I32 -> ((int[]) a)[i];
            case BOOL -> ((boolean[]) a)[i] ? 1 : 0;
            default -> (long) readFloat(t, a, i);
        };
    }

    private static boolean readBool(DType t, Object a, int i) {
        return switch (t) {
            case BOOL -> ((boolean[]) a)[i];
            case I64 -> ((long[]) a)[i] != 0;
            case I32 -> ((int[]) a)[i] != 0;
            default -> readFloat(t, a, i) != 0;
        };
    }

    static void fill(NDArray dst, double value) {
        Object d = array(dst);
        DType t = dst.dtype();
        StridedLoop.of(dst).run(StridedLoop.GRAIN, (n, off, str) -> {
            int o = off[0];
            int s = str[0];
            switch (t) {
                case F32 -> {
                    float v = (float) value;
                    if (s == 1) {
                        java.util.Arrays.fill((float[]) d, o, o + n, v);
                    } else {
                        for (int i = 0; i < n; i++) {
                            ((float[]) d)[o + i * s] = v;
                        }
                    }
                }
                case BF16, F16 -> {
                    short v = t == DType.BF16 ? HalfFloats.floatToBf16((float) value)
                            : HalfFloats.floatToF16((float) value);
                    for (int i = 0; i < n; i++) {
                        ((short[]) d)[o + i * s] = v;
                    }
                }
                case I32 -> {
                    for (int i = 0; i < n; i++) {
                        ((int[]) d)[o + i * s] = (int) value;
                    }
                }
                case I64 -> {
                    for (int i = 0; i < n; i++) {
                        ((long[]) d)[o + i * s] = (long) value;
                    }
                }
                case BOOL -> {
                    for (int i = 0; i < n; i++) {
                        ((boolean[]) d)[o + i * s] = value != 0;
                    }
                }
            }
        });
    }

    static void arange(double start, double step, NDArray out) {
        Object d = array(out);
        int n = out.numel();
        int o = out.offset();
        for (int i = 0; i < n; i++) {
            double v = start + i * step;
            switch (out.dtype()) {
                case F32 -> ((float[]) d)[o + i] = (float) v;
                case I64 -> ((long[]) d)[o + i] = (long) v;
                case I32 -> ((int[]) d)[o + i] = (int) v;
                case BF16 -> ((short[]) d)[o + i] = HalfFloats.floatToBf16((float) v);
                case F16 -> ((short[]) d)[o + i] = HalfFloats.floatToF16((float) v);
                case BOOL -> ((boolean[]) d)[o + i] = v != 0;
            }
        }
    }

    /** The backing Java array of a CPU array, whatever its dtype. */
    static Object array(NDArray a) {
        CpuStorage s = CpuStorage.of(a);
        return switch (a.dtype()) {
            case F32 -> s.floats();
            case BF16, F16 -> s.halfBits();
            case I32 -> s.ints();
            case I64 -> s.longs();
            case BOOL -> s.bools();
        };
    }
}
