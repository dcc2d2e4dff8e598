package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Elementwise functions of one operand. F32 rows of unit stride take a Vector API loop (one small loop per op,
 * so that C2 inlines it and keeps the vectors in registers); strided rows, integer and BOOL arrays, and the
 * reference mode take the scalar definition {@link #scalar}, which is also what the vector loops' tails use.
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
                    int done = 0;
                    if (!KernelPath.SCALAR && str[0] == 1 && str[1] == 1) {
                        done = vector(op, xs, off[1], os, off[0], n, p0, p1);
                    }
                    for (int i = done; i < n; i++) {
                        os[off[0] + i * str[0]] = scalar(op, xs[off[1] + i * str[1]], p0, p1);
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

    /** The reference definition of every float op. */
    static float scalar(UnaryOp op, float x, float p0, float p1) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1 / Math.sqrt(x));
            case SIN -> (float) Math.sin(x);
            case COS -> (float) Math.cos(x);
            case TANH -> (float) Math.tanh(x);
            case ERF -> (float) erf(x);
            case SIGMOID -> (float) (1 / (1 + Math.exp(-x)));
            case SILU -> (float) (x / (1 + Math.exp(-x)));
            case GELU -> (float) (0.5 * x * onePlusErf(x * (1 / Math.sqrt(2))));
            case GELU_TANH -> {
                double inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * (double) x * x * x);
                yield (float) (0.5 * x * (1 + Math.tanh(inner)));
            }
            case RELU -> x > 0 ? x : (Float.isNaN(x) ? x : 0f);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
            case FLOOR -> (float) Math.floor(x);
            case CEIL -> (float) Math.ceil(x);
            case ROUND -> (float) Math.rint(x);
            case SIGN -> Float.isNaN(x) ? 0f : Math.signum(x);
            case LOG1P -> (float) Math.log1p(x);
            case EXPM1 -> (float) Math.expm1(x);
            case CLAMP -> Math.min(Math.max(x, p0), p1);
            case POW_SCALAR -> (float) Math.pow(x, p0);
            case LOGICAL_NOT -> x == 0 ? 1f : 0f;
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
        return t * Math.exp(-a * a + poly);
    }

    // ---- vector loops: each returns how many elements it did; the caller finishes the tail -------------------

    private static int vector(UnaryOp op, float[] x, int xo, float[] y, int yo, int n, float p0, float p1) {
        return switch (op) {
            case NEG -> neg(x, xo, y, yo, n);
            case ABS -> abs(x, xo, y, yo, n);
            case EXP -> exp(x, xo, y, yo, n);
            case LOG -> log(x, xo, y, yo, n);
            case SQRT -> sqrt(x, xo, y, yo, n);
            case SIN -> sin(x, xo, y, yo, n);
            case COS -> cos(x, xo, y, yo, n);
            case TANH -> tanh(x, xo, y, yo, n);
            case LOG1P -> log1p(x, xo, y, yo, n);
            case EXPM1 -> expm1(x, xo, y, yo, n);
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

    // One method per operator: the Vector API intrinsic needs the operator as a compile-time constant, which a
    // shared loop taking it as a parameter would not give when compiled on its own.
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
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.EXP).intoArray(y, yo + i);
        }
        return i;
    }

    private static int log(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.LOG).intoArray(y, yo + i);
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

    private static int sin(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.SIN).intoArray(y, yo + i);
        }
        return i;
    }

    private static int cos(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.COS).intoArray(y, yo + i);
        }
        return i;
    }

    private static int tanh(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.TANH).intoArray(y, yo + i);
        }
        return i;
    }

    private static int log1p(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.LOG1P).intoArray(y, yo + i);
        }
        return i;
    }

    private static int expm1(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.EXPM1).intoArray(y, yo + i);
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
            one.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int silu(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            v.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(y, yo + i);
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
            FloatVector az = z.abs();
            // Φ(x)·2 = 1 + erf(z): the small-|z| series, 2 − erfc(z) for z > 1, erfc(−z) for z < −1 (no cancellation).
            FloatVector series = z.mul(erfSmallPoly(z.mul(z))).add(1f);
            FloatVector tail = erfcLargeVector(az);
            VectorMask<Float> big = az.compare(VectorOperators.GT, 1f);
            VectorMask<Float> neg = z.compare(VectorOperators.LT, 0f);
            FloatVector bigValue = FloatVector.broadcast(F, 2f).sub(tail).blend(tail, neg);
            FloatVector onePlusErf = series.blend(bigValue, big);
            v.mul(0.5f).mul(onePlusErf).intoArray(y, yo + i);
        }
        return i;
    }

    private static int geluTanh(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector inner = v.mul(v).mul(v).mul(0.044715f).add(v).mul(GELU_TANH_C);
            v.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f)).intoArray(y, yo + i);
        }
        return i;
    }

    /** erf(x)/x as a polynomial in z = x², Horner's scheme (valid for |x| ≤ 1). */
    private static FloatVector erfSmallPoly(FloatVector z) {
        FloatVector p = FloatVector.broadcast(F, ERF_TAYLOR_F[10]);
        for (int k = 9; k >= 0; k--) {
            p = p.fma(z, FloatVector.broadcast(F, ERF_TAYLOR_F[k]));
        }
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
        FloatVector e = a.mul(a).neg().add(p).lanewise(VectorOperators.EXP);
        return t.mul(e);
    }
}
