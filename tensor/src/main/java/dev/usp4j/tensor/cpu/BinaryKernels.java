package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;

import dev.usp4j.tensor.BinaryOp;
import dev.usp4j.tensor.CompareOp;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Elementwise ops of two or three operands: arithmetic, comparisons and {@code where}. Broadcast operands arrive
 * as stride-0 views; an F32 row where each input has stride 1 or 0 (a broadcast scalar for that row) takes a
 * vector loop, everything else the scalar definition.
 */
final class BinaryKernels {
    private BinaryKernels() {
    }

    // ---- arithmetic --------------------------------------------------------------------------------------

    static void binary(BinaryOp op, NDArray a, NDArray b, NDArray out) {
        Object aa = CopyKernels.array(a);
        Object ba = CopyKernels.array(b);
        Object oa = CopyKernels.array(out);
        DType t = out.dtype();
        StridedLoop.of(out, a, b).run(StridedLoop.GRAIN, (n, off, str) -> {
            switch (t) {
                case F32 -> f32Row(op, (float[]) aa, off[1], str[1], (float[]) ba, off[2], str[2], (float[]) oa,
                        off[0], str[0], n);
                case I32 -> {
                    int[] x = (int[]) aa;
                    int[] y = (int[]) ba;
                    int[] z = (int[]) oa;
                    for (int i = 0; i < n; i++) {
                        z[off[0] + i * str[0]] = (int) integer(op, x[off[1] + i * str[1]], y[off[2] + i * str[2]]);
                    }
                }
                case I64 -> {
                    long[] x = (long[]) aa;
                    long[] y = (long[]) ba;
                    long[] z = (long[]) oa;
                    for (int i = 0; i < n; i++) {
                        z[off[0] + i * str[0]] = integer(op, x[off[1] + i * str[1]], y[off[2] + i * str[2]]);
                    }
                }
                case BOOL -> {
                    boolean[] x = (boolean[]) aa;
                    boolean[] y = (boolean[]) ba;
                    boolean[] z = (boolean[]) oa;
                    for (int i = 0; i < n; i++) {
                        boolean p = x[off[1] + i * str[1]];
                        boolean q = y[off[2] + i * str[2]];
                        z[off[0] + i * str[0]] = switch (op) {
                            case LOGICAL_AND -> p && q;
                            case LOGICAL_OR -> p || q;
                            case LOGICAL_XOR -> p ^ q;
                            default -> throw new IllegalStateException(op + " on BOOL");
                        };
                    }
                }
                default -> throw new IllegalStateException(op + ": unsupported dtype " + t);
            }
        });
    }

    static void f32Row(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] c, int co,
                               int cs, int n) {
        int done = 0;
        if (!KernelPath.SCALAR && cs == 1 && (as <= 1) && (bs <= 1) && (as | bs) != 0) {
            done = switch (op) {
                case ADD -> add(a, ao, as, b, bo, bs, c, co, n);
                case SUB -> sub(a, ao, as, b, bo, bs, c, co, n);
                case MUL -> mul(a, ao, as, b, bo, bs, c, co, n);
                case DIV -> div(a, ao, as, b, bo, bs, c, co, n);
                case MAXIMUM -> max(a, ao, as, b, bo, bs, c, co, n);
                case MINIMUM -> min(a, ao, as, b, bo, bs, c, co, n);
                case TANH_BACKWARD, SIGMOID_BACKWARD, SILU_BACKWARD, GELU_BACKWARD, GELU_TANH_BACKWARD ->
                        ActivationGradKernels.vector(op, a, ao, as, b, bo, bs, c, co, n);
                default -> 0;
            };
        }
        for (int i = done; i < n; i++) {
            c[co + i * cs] = scalar(op, a[ao + i * as], b[bo + i * bs]);
        }
    }

    /**
     * The reference definition of every float op, PyTorch's formulas included (the activation derivatives: the
     * twins of their vector loops, in {@link ActivationGradKernels}).
     */
    static float scalar(BinaryOp op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case POW -> (float) StrictMath.pow(x, y);
            case MAXIMUM -> Math.max(x, y);
            case MINIMUM -> Math.min(x, y);
            case REMAINDER -> {
                float mod = x % y;
                yield mod != 0 && (y < 0) != (mod < 0) ? mod + y : mod;
            }
            case FLOOR_DIVIDE -> floorDivide(x, y);
            // The float twins of the fused vector loops, so the tails and the vector body agree bit for bit.
            case TANH_BACKWARD, SIGMOID_BACKWARD, SILU_BACKWARD, GELU_BACKWARD, GELU_TANH_BACKWARD ->
                    ActivationGradKernels.twin(op, x, y);
            default -> throw new IllegalStateException(op + " is not a float op");
        };
    }

    /** torch's div_floor for floats: exact floor of the true quotient, computed through fmod. */
    private static float floorDivide(float a, float b) {
        if (b == 0) {
            return a / b;
        }
        float mod = a % b;
        float div = (a - mod) / b;
        if (mod != 0 && (b < 0) != (mod < 0)) {
            div -= 1;
        }
        float floordiv;
        if (div != 0) {
            floordiv = (float) Math.floor(div);
            if (div - floordiv > 0.5f) {
                floordiv += 1;
            }
        } else {
            floordiv = Math.copySign(0f, a / b);
        }
        return floordiv;
    }

    private static long integer(BinaryOp op, long x, long y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case MAXIMUM -> Math.max(x, y);
            case MINIMUM -> Math.min(x, y);
            case POW -> {
                if (y < 0) {
                    throw new ArithmeticException("pow: integers to negative integer powers are not allowed ("
                            + x + "^" + y + ")");
                }
                long r = 1;
                long base = x;
                for (long e = y; e > 0; e >>= 1) {
                    if ((e & 1) != 0) {
                        r *= base;
                    }
                    base *= base;
                }
                yield r;
            }
            case REMAINDER -> {
                if (y == 0) {
                    throw new ArithmeticException("remainder: integer division by zero");
                }
                yield Math.floorMod(x, y);
            }
            case FLOOR_DIVIDE -> {
                if (y == 0) {
                    throw new ArithmeticException("floor_divide: integer division by zero");
                }
                yield Math.floorDiv(x, y);
            }
            default -> throw new IllegalStateException(op + " is not an integer op");
        };
    }

    // One loop per operator (see UnaryKernels for why). A stride of 0 means that operand is constant on the row.

    private static int add(float[] a, int ao, int as, float[] b, int bo, int bs, float[] c, int co, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.add(bVec).intoArray(c, co + i);
        }
        return i;
    }

    private static int sub(float[] a, int ao, int as, float[] b, int bo, int bs, float[] c, int co, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.sub(bVec).intoArray(c, co + i);
        }
        return i;
    }

    private static int mul(float[] a, int ao, int as, float[] b, int bo, int bs, float[] c, int co, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.mul(bVec).intoArray(c, co + i);
        }
        return i;
    }

    private static int div(float[] a, int ao, int as, float[] b, int bo, int bs, float[] c, int co, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.div(bVec).intoArray(c, co + i);
        }
        return i;
    }

    private static int max(float[] a, int ao, int as, float[] b, int bo, int bs, float[] c, int co, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.max(bVec).intoArray(c, co + i);
        }
        return i;
    }

    private static int min(float[] a, int ao, int as, float[] b, int bo, int bs, float[] c, int co, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.min(bVec).intoArray(c, co + i);
        }
        return i;
    }


    // ---- comparisons and where -------------------------------------------------------------------------------

    static void compare(CompareOp op, NDArray a, NDArray b, NDArray out) {
        Object aa = CopyKernels.array(a);
        Object ba = CopyKernels.array(b);
        boolean[] z = CpuStorage.of(out).bools();
        DType t = a.dtype();
        StridedLoop.of(out, a, b).run(StridedLoop.GRAIN, (n, off, str) -> {
            int done = 0;
            if (t == DType.F32 && !KernelPath.SCALAR && str[0] == 1 && str[1] <= 1 && str[2] <= 1
                    && (str[1] | str[2]) != 0) {
                done = compareF32(op, (float[]) aa, off[1], str[1], (float[]) ba, off[2], str[2], z, off[0], n);
            }
            for (int i = done; i < n; i++) {
                int ia = off[1] + i * str[1];
                int ib = off[2] + i * str[2];
                int c = switch (t) {
                    case F32 -> {
                        float x = ((float[]) aa)[ia];
                        float y = ((float[]) ba)[ib];
                        yield x < y ? -1 : x > y ? 1 : x == y ? 0 : 2; // 2: unordered (NaN)
                    }
                    case I32 -> Integer.compare(((int[]) aa)[ia], ((int[]) ba)[ib]);
                    case I64 -> Long.compare(((long[]) aa)[ia], ((long[]) ba)[ib]);
                    case BOOL -> Boolean.compare(((boolean[]) aa)[ia], ((boolean[]) ba)[ib]);
                    default -> throw new IllegalStateException(op + ": unsupported dtype " + t);
                };
                z[off[0] + i * str[0]] = switch (op) {
                    case EQ -> c == 0;
                    case NE -> c != 0;
                    case LT -> c == -1;
                    case LE -> c == -1 || c == 0;
                    case GT -> c == 1;
                    case GE -> c == 1 || c == 0;
                };
            }
        });
    }

    /** GT and GE are LT and LE with the operands swapped, leaving four loops with a constant operator each. */
    private static int compareF32(CompareOp op, float[] a, int ao, int as, float[] b, int bo, int bs, boolean[] z,
                                  int zo, int n) {
        return switch (op) {
            case EQ -> eq(a, ao, as, b, bo, bs, z, zo, n);
            case NE -> ne(a, ao, as, b, bo, bs, z, zo, n);
            case LT -> lt(a, ao, as, b, bo, bs, z, zo, n);
            case LE -> le(a, ao, as, b, bo, bs, z, zo, n);
            case GT -> lt(b, bo, bs, a, ao, as, z, zo, n);
            case GE -> le(b, bo, bs, a, ao, as, z, zo, n);
        };
    }

    private static int eq(float[] a, int ao, int as, float[] b, int bo, int bs, boolean[] z, int zo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.compare(VectorOperators.EQ, bVec).intoArray(z, zo + i);
        }
        return i;
    }

    private static int ne(float[] a, int ao, int as, float[] b, int bo, int bs, boolean[] z, int zo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.compare(VectorOperators.NE, bVec).intoArray(z, zo + i);
        }
        return i;
    }

    private static int lt(float[] a, int ao, int as, float[] b, int bo, int bs, boolean[] z, int zo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.compare(VectorOperators.LT, bVec).intoArray(z, zo + i);
        }
        return i;
    }

    private static int le(float[] a, int ao, int as, float[] b, int bo, int bs, boolean[] z, int zo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector aVec = as == 0 ? FloatVector.broadcast(F, a[ao]) : FloatVector.fromArray(F, a, ao + i);
            FloatVector bVec = bs == 0 ? FloatVector.broadcast(F, b[bo]) : FloatVector.fromArray(F, b, bo + i);
            aVec.compare(VectorOperators.LE, bVec).intoArray(z, zo + i);
        }
        return i;
    }

    static void where(NDArray cond, NDArray a, NDArray b, NDArray out) {
        boolean[] c = CpuStorage.of(cond).bools();
        Object aa = CopyKernels.array(a);
        Object ba = CopyKernels.array(b);
        Object oa = CopyKernels.array(out);
        StridedLoop.of(out, cond, a, b).run(StridedLoop.GRAIN, (n, off, str) -> {
            for (int i = 0; i < n; i++) {
                int src = c[off[1] + i * str[1]] ? 2 : 3;
                int si = off[src] + i * str[src];
                Object from = src == 2 ? aa : ba;
                int di = off[0] + i * str[0];
                switch (out.dtype()) {
                    case F32 -> ((float[]) oa)[di] = ((float[]) from)[si];
                    case I32 -> ((int[]) oa)[di] = ((int[]) from)[si];
                    case I64 -> ((long[]) oa)[di] = ((long[]) from)[si];
                    case BOOL -> ((boolean[]) oa)[di] = ((boolean[]) from)[si];
                    case BF16, F16 -> ((short[]) oa)[di] = ((short[]) from)[si];
                }
            }
        });
    }
}
