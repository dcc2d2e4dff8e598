package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Elementwise functions of one operand. F32 rows of unit stride take a Vector API loop (one small loop per op,
 * so that C2 inlines it and keeps the vectors in registers); their tails and strided rows take {@link #twin}, the
 * same float operations one element at a time, so an element's value never depends on where it sits in a row or
 * on the thread split. Transcendentals come from {@link VectorMath}, not from VectorOperators, whose results
 * change in the last ulp once C2 compiles the loop. In reference mode ({@link KernelPath#SCALAR}) every element
 * takes {@link #scalar}, the plain double-precision definition.
 */
final class UnaryKernels {
    private static final float SQRT1_2 = (float) (1 / Math.sqrt(2));
    private static final float GELU_TANH_C = (float) Math.sqrt(2 / Math.PI);

    private UnaryKernels() {
    }

    static void unary(UnaryOp op, NDArray x, float p0, float p1, NDArray out) {
        Object xa = CopyKernels.array(x);
        Object oa = CopyKernels.array(out);
        StridedLoop.of(out, x).run(StridedLoop.GRAIN, (n, off, str) -> {
            switch (out.dtype()) {
                case F32 -> {
                    float[] xs = (float[]) xa;
                    float[] os = (float[]) oa;
                    if (KernelPath.SCALAR) {
                        for (int i = 0; i < n; i++) {
                            os[off[0] + i * str[0]] = scalar(op, xs[off[1] + i * str[1]], p0, p1);
                        }
                        return;
                    }
                    int done = str[0] == 1 && str[1] == 1 ? vector(op, xs, off[1], os, off[0], n, p0, p1) : 0;
                    for (int i = done; i < n; i++) {
                        os[off[0] + i * str[0]] = twin(op, xs[off[1] + i * str[1]], p0, p1);
                    }
                }
                case I32 -> {
                    int[] xs = (int[]) xa;
                    int[] os = (int[]) oa;
                    for (int i = 0; i < n; i++) {
                        os[off[0] + i * str[0]] = (int) integer(op, xs[off[1] + i * str[1]], p0, p1);
                    }
                }
                case I64 -> {
                    long[] xs = (long[]) xa;
                    long[] os = (long[]) oa;
                    for (int i = 0; i < n; i++) {
                        os[off[0] + i * str[0]] = integer(op, xs[off[1] + i * str[1]], p0, p1);
                    }
                }
                case BOOL -> {
                    boolean[] xs = (boolean[]) xa;
                    boolean[] os = (boolean[]) oa;
                    for (int i = 0; i < n; i++) {
                        os[off[0] + i * str[0]] = !xs[off[1] + i * str[1]];
                    }
                }
                default -> throw new IllegalStateException(op + ": unsupported dtype " + out.dtype());
            }
        });
    }

    /** op over a contiguous F32 row, y[yo..] = op(x[xo..]) (y may be x): the same code as {@link #unary}'s rows. */
    static void row(UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        if (KernelPath.SCALAR) {
            for (int i = 0; i < n; i++) {
                y[yo + i] = scalar(op, x[xo + i], 0f, 0f);
            }
            return;
        }
        for (int i = vector(op, x, xo, y, yo, n, 0f, 0f); i < n; i++) {
            y[yo + i] = twin(op, x[xo + i], 0f, 0f);
        }
    }

    /**
     * The reference definition of every float op, in double precision with StrictMath (whose results are fixed
     * by specification, so the reference itself is reproducible anywhere).
     */
    static float scalar(UnaryOp op, float x, float p0, float p1) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> (float) StrictMath.exp(x);
            case LOG -> (float) StrictMath.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1 / Math.sqrt(x));
            case SIN -> (float) StrictMath.sin(x);
            case COS -> (float) StrictMath.cos(x);
            case TANH -> (float) StrictMath.tanh(x);
            case ERF -> (float) erf(x);
            case SIGMOID -> (float) (1 / (1 + StrictMath.exp(-x)));
            case SILU -> (float) (x / (1 + StrictMath.exp(-x)));
            case GELU -> (float) (0.5 * x * onePlusErf(x * (1 / Math.sqrt(2))));
            case GELU_TANH -> {
                double inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * (double) x * x * x);
                yield (float) (0.5 * x * (1 + StrictMath.tanh(inner)));
            }
            case RELU -> x > 0 ? x : (Float.isNaN(x) ? x : 0f);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case FLOOR -> (float) Math.floor(x);
            case CEIL -> (float) Math.ceil(x);
            case ROUND -> (float) Math.rint(x);
            case SIGN -> Float.isNaN(x) ? 0f : Math.signum(x);
            case LOG1P -> (float) StrictMath.log1p(x);
            case EXPM1 -> (float) StrictMath.expm1(x);
            case CLAMP -> Math.min(Math.max(x, p0), p1);
            case POW_SCALAR -> (float) StrictMath.pow(x, p0);
            case LOGICAL_NOT -> x == 0 ? 1f : 0f;
        };
    }

    /**
     * One element of the vector path: the same float operations as the vector loop of {@code op}, in the same
     * order (ops without a vector loop fall back to {@link #scalar}).
     */
    static float twin(UnaryOp op, float x, float p0, float p1) {
        return switch (op) {
            case EXP -> VectorMath.exp(x);
            case LOG -> VectorMath.log(x);
            case TANH -> VectorMath.tanh(x);
            case RSQRT -> 1f / (float) Math.sqrt(x);
            case RECIPROCAL -> 1f / x;
            case SIGMOID -> 1f / (VectorMath.exp(-x) + 1f);
            case SILU -> x / (VectorMath.exp(-x) + 1f);
            case ERF -> {
                float a = Math.abs(x);
                if (a > 1f) {
                    float large = 1f - erfcLargeTwin(a);
                    yield x < 0 ? -large : large;
                }
                yield x * erfSmallPolyTwin(x * x);
            }
            case GELU -> {
                float z = x * SQRT1_2;
                float tail = erfcLargeTwin(Math.abs(z));
                float onePlusErf = z < 0 ? tail : 2f - tail;
                yield x * 0.5f * onePlusErf;
            }
            case GELU_TANH -> {
                float inner = (x * x * x * 0.044715f + x) * GELU_TANH_C;
                yield x * 0.5f * (VectorMath.tanh(inner) + 1f);
            }
            case POW_SCALAR -> p0 == 2f ? x * x : scalar(op, x, p0, p1);
            default -> scalar(op, x, p0, p1);
        };
    }

    /** The integer ops (the dispatcher only sends those with {@link UnaryOp#acceptsIntegers()}). */
    private static long integer(UnaryOp op, long x, float p0, float p1) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case SIGN -> Long.signum(x);
            case RELU -> Math.max(x, 0);
            case CLAMP -> {
                long v = x;
                if (!Float.isInfinite(p0)) {
                    v = Math.max(v, (long) p0);
                }
                if (!Float.isInfinite(p1)) {
                    v = Math.min(v, (long) p1);
                }
                yield v;
            }
            default -> throw new IllegalStateException(op + " is not an integer op");
        };
    }

    // Taylor coefficients of erf(x)/x in x² (2/√π · (−1)^n / (n!(2n+1))), to n = 12: below 1e-11 on |x| ≤ 1.
    private static final double[] ERF_TAYLOR = new double[13];

    static {
        double f = 1;
        for (int n = 0; n < ERF_TAYLOR.length; n++) {
            if (n > 0) {
                f *= n;
            }
            ERF_TAYLOR[n] = 2 / Math.sqrt(Math.PI) * ((n % 2 == 0) ? 1 : -1) / (f * (2 * n + 1));
        }
    }

    private static final float[] ERF_TAYLOR_F = new float[11];

    static {
        for (int i = 0; i < ERF_TAYLOR_F.length; i++) {
            ERF_TAYLOR_F[i] = (float) ERF_TAYLOR[i];
        }
    }

    /** erf by its Taylor series on |x| ≤ 1 and 1 − erfc beyond. */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a <= 1) {
            double z = x * x;
            double p = ERF_TAYLOR[ERF_TAYLOR.length - 1];
            for (int n = ERF_TAYLOR.length - 2; n >= 0; n--) {
                p = p * z + ERF_TAYLOR[n];
            }
            return x * p;
        }
        double r = 1 - erfcLarge(a);
        return x < 0 ? -r : r;
    }

    /** 1 + erf(x) without cancellation for large negative x (GELU's Φ). */
    static double onePlusErf(double x) {
        return x < -1 ? erfcLarge(-x) : 1 + erf(x);
    }

    /**
     * erfc(a) for a ≥ 1 by the Chebyshev-fitted form of Numerical Recipes (§6.2), fractional error below 1.2e-7,
     * i.e. under 2e-8 absolute on erf there.
     */
    static double erfcLarge(double a) {
        double t = 1 / (1 + 0.5 * a);
        double poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        return t * StrictMath.exp(-a * a + poly);
    }

    // ---- vector loops: each returns how many elements it did; the caller finishes the tail -------------------

    private static int vector(UnaryOp op, float[] x, int xo, float[] y, int yo, int n, float p0, float p1) {
        return switch (op) {
            case NEG -> neg(x, xo, y, yo, n);
            case ABS -> abs(x, xo, y, yo, n);
            case EXP -> exp(x, xo, y, yo, n);
            case LOG -> log(x, xo, y, yo, n);
            case SQRT -> sqrt(x, xo, y, yo, n);
            case TANH -> tanh(x, xo, y, yo, n);
            case RSQRT -> rsqrt(x, xo, y, yo, n);
            case RECIPROCAL -> reciprocal(x, xo, y, yo, n);
            case SQUARE -> square(x, xo, y, yo, n);
            case RELU -> relu(x, xo, y, yo, n);
            case CLAMP -> clamp(x, xo, y, yo, n, p0, p1);
            case SIGMOID -> sigmoid(x, xo, y, yo, n);
            case SILU -> silu(x, xo, y, yo, n);
            case ERF -> erfVector(x, xo, y, yo, n);
            case GELU -> gelu(x, xo, y, yo, n);
            case GELU_TANH -> geluTanh(x, xo, y, yo, n);
            case POW_SCALAR -> p0 == 2f ? square(x, xo, y, yo, n) : 0;
            default -> 0;
        };
    }

    // One method per operator: a Vector API intrinsic needs its operator as a compile-time constant, which a shared
    // loop taking it as a parameter would not give when compiled on its own.
    private static int neg(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.NEG).intoArray(y, yo + i);
        }
        return i;
    }

    private static int abs(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.ABS).intoArray(y, yo + i);
        }
        return i;
    }

    private static int exp(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            VectorMath.exp(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int log(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            VectorMath.log(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int sqrt(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.SQRT).intoArray(y, yo + i);
        }
        return i;
    }

    private static int tanh(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            VectorMath.tanh(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int rsqrt(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            one.div(FloatVector.fromArray(F, x, xo + i).sqrt()).intoArray(y, yo + i);
        }
        return i;
    }

    private static int reciprocal(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            one.div(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int square(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            v.mul(v).intoArray(y, yo + i);
        }
        return i;
    }

    private static int relu(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            // NaN > 0 is false, but NaN must stay NaN: zero only the lanes that are <= 0.
            v.blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int clamp(float[] x, int xo, float[] y, int yo, int n, float lo, float hi) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).max(lo).min(hi).intoArray(y, yo + i);
        }
        return i;
    }

    private static int sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            one.div(VectorMath.exp(v.neg()).add(1f)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int silu(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            v.div(VectorMath.exp(v.neg()).add(1f)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int erfVector(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector a = v.abs();
            FloatVector small = v.mul(erfSmallPoly(v.mul(v)));
            // Beyond |x| = 1: sign(x)·(1 − erfc(|x|)).
            FloatVector large = FloatVector.broadcast(F, 1f).sub(erfcLargeVector(a));
            large = large.blend(large.neg(), v.compare(VectorOperators.LT, 0f));
            small.blend(large, a.compare(VectorOperators.GT, 1f)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int gelu(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector z = v.mul(SQRT1_2);
            // Φ(x)·2 = 1 + erf(z) = 2 − erfc(z) for z ≥ 0, erfc(−z) below: Numerical Recipes' erfc has a fractional
            // error under 1.2e-7 for every argument, so unlike erf itself Φ needs no series near 0. (The series and
            // its blend made the loop body too large for C2 to inline its helpers, which then boxed every vector.)
            FloatVector tail = erfcLargeVector(z.abs());
            FloatVector onePlusErf = FloatVector.broadcast(F, 2f).sub(tail)
                    .blend(tail, z.compare(VectorOperators.LT, 0f));
            v.mul(0.5f).mul(onePlusErf).intoArray(y, yo + i);
        }
        return i;
    }

    private static int geluTanh(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector inner = v.mul(v).mul(v).mul(0.044715f).add(v).mul(GELU_TANH_C);
            v.mul(0.5f).mul(VectorMath.tanh(inner).add(1f)).intoArray(y, yo + i);
        }
        return i;
    }

    /** erf(x)/x as a polynomial in z = x², Horner's scheme (valid for |x| ≤ 1). */
    private static FloatVector erfSmallPoly(FloatVector z) {
        FloatVector p = FloatVector.broadcast(F, ERF_TAYLOR_F[10]);
        // Unrolled by hand: a vector carried around a loop's back edge is boxed by C2 (this loop ran ~40x slower).
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[9]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[8]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[7]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[6]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[5]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[4]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[3]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[2]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[1]));
        p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[0]));
        return p;
    }

    /** The vector form of {@link #erfcLarge} in float (lanes below 1 compute garbage the caller blends away). */
    private static FloatVector erfcLargeVector(FloatVector a) {
        FloatVector t = FloatVector.broadcast(F, 1f).div(a.mul(0.5f).add(1f));
        FloatVector p = FloatVector.broadcast(F, 0.17087277f);
        p = p.fma(t, FloatVector.broadcast(F, -0.82215223f));
        p = p.fma(t, FloatVector.broadcast(F, 1.48851587f));
        p = p.fma(t, FloatVector.broadcast(F, -1.13520398f));
        p = p.fma(t, FloatVector.broadcast(F, 0.27886807f));
        p = p.fma(t, FloatVector.broadcast(F, -0.18628806f));
        p = p.fma(t, FloatVector.broadcast(F, 0.09678418f));
        p = p.fma(t, FloatVector.broadcast(F, 0.37409196f));
        p = p.fma(t, FloatVector.broadcast(F, 1.00002368f));
        p = p.fma(t, FloatVector.broadcast(F, -1.26551223f));
        FloatVector e = VectorMath.exp(a.mul(a).neg().add(p));
        return t.mul(e);
    }

    /** Scalar twin of erfSmallPoly. */
    private static float erfSmallPolyTwin(float z) {
        float p = ERF_TAYLOR_F[10];
        for (int k = 9; k >= 0; k--) {
            p = Math.fma(p, z, ERF_TAYLOR_F[k]);
        }
        return p;
    }

    /** Scalar twin of erfcLargeVector. */
    private static float erfcLargeTwin(float a) {
        float t = 1f / (a * 0.5f + 1f);
        float p = 0.17087277f;
        p = Math.fma(p, t, -0.82215223f);
        p = Math.fma(p, t, 1.48851587f);
        p = Math.fma(p, t, -1.13520398f);
        p = Math.fma(p, t, 0.27886807f);
        p = Math.fma(p, t, -0.18628806f);
        p = Math.fma(p, t, 0.09678418f);
        p = Math.fma(p, t, 0.37409196f);
        p = Math.fma(p, t, 1.00002368f);
        p = Math.fma(p, t, -1.26551223f);
        return t * VectorMath.exp(-(a * a) + p);
    }
}
