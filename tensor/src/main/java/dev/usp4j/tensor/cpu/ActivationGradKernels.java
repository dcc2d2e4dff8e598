package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;

import dev.usp4j.tensor.BinaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The fused activation derivatives of {@link BinaryOp} (tanh, sigmoid, silu, exact and tanh-form GELU): one pass
 * from the output gradient g and the forward's output or input to the input gradient, where composing NDArray ops
 * would allocate and sweep a full-size array per step. Each op has one Vector API loop (a row where both operands
 * have stride 1 or 0) and a scalar {@link #twin} doing the same float operations in the same order, used for the
 * tails, strided rows and the reference path, so an element's value never depends on where it sits in a row. Each
 * loop body calls at most one {@link VectorMath} function: a FloatVector crossing a call that C2 does not inline is
 * boxed on the heap, so the rest of the math is written out in the loop, operand loads included: a helper that
 * returned the loaded vector was compiled on its own in some JVMs despite an inline directive, and DiT's GELU-tanh
 * backward then ran at half speed.
 */
final class ActivationGradKernels {
    private static final float SQRT1_2 = (float) (1 / Math.sqrt(2));
    private static final float GELU_TANH_C = (float) Math.sqrt(2 / Math.PI);
    private static final float GELU_TANH_K = 0.044715f;
    private static final float GELU_TANH_3K = 3 * 0.044715f;
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));
    // erfc(a) ≈ t·(A1 + t·(A2 + ... + t·A5))·e^(−a²), t = 1/(1 + P·a): Abramowitz & Stegun 7.1.26, absolute error
    // below 1.5e-7. It shares e^(−a²) = e^(−x²/2) with the density φ, so GELU's derivative needs a single exp.
    private static final float P = 0.3275911f;
    private static final float A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f,
            A5 = 1.061405429f;
    private ActivationGradKernels() {
    }

    /** One element: the same float operations, in the same order, as the vector loop of {@code op}. */
    static float twin(BinaryOp op, float g, float v) {
        return switch (op) {
            case TANH_BACKWARD -> g * (1f - v * v);
            case SIGMOID_BACKWARD -> g * v * (1f - v);
            case SILU_BACKWARD -> {
                float s = 1f / (VectorMath.exp(-v) + 1f);
                yield g * s * (v * (1f - s) + 1f);
            }
            case GELU_BACKWARD -> g * geluDerivative(v);
            case GELU_TANH_BACKWARD -> {
                float x2 = v * v;
                float t = VectorMath.tanh((x2 * v * GELU_TANH_K + v) * GELU_TANH_C);
                float left = (t + 1f) * 0.5f;
                float right = v * 0.5f * (1f - t * t) * ((x2 * GELU_TANH_3K + 1f) * GELU_TANH_C);
                yield g * (left + right);
            }
            default -> throw new IllegalStateException(op + " is not an activation derivative");
        };
    }

    /** Φ(x) + x·φ(x), Φ from the erfc form on every argument (see {@link #geluBackward}). */
    private static float geluDerivative(float x) {
        float z = x * SQRT1_2;
        float az = Math.abs(z);
        float e = VectorMath.exp(x * x * -0.5f);
        float t = 1f / (az * P + 1f);
        float q = A5;
        q = Math.fma(q, t, A4);
        q = Math.fma(q, t, A3);
        q = Math.fma(q, t, A2);
        q = Math.fma(q, t, A1);
        float half = t * q * e * 0.5f;
        float cdf = z < 0 ? half : 1f - half;
        return cdf + x * (e * INV_SQRT_2PI);
    }

    /**
     * The vector loop of {@code op} over a row where c has stride 1 and g, v stride 1 or 0; returns how many
     * elements it did (the caller finishes the tail with {@link #twin}).
     */
    static int vector(BinaryOp op, float[] g, int go, int gs, float[] v, int vo, int vs, float[] c, int co, int n) {
        return switch (op) {
            case TANH_BACKWARD -> tanhBackward(g, go, gs, v, vo, vs, c, co, n);
            case SIGMOID_BACKWARD -> sigmoidBackward(g, go, gs, v, vo, vs, c, co, n);
            case SILU_BACKWARD -> siluBackward(g, go, gs, v, vo, vs, c, co, n);
            case GELU_BACKWARD -> geluBackward(g, go, gs, v, vo, vs, c, co, n);
            case GELU_TANH_BACKWARD -> geluTanhBackward(g, go, gs, v, vo, vs, c, co, n);
            default -> 0;
        };
    }

    private static int tanhBackward(float[] g, int go, int gs, float[] v, int vo, int vs, float[] c, int co, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector y = vs == 0 ? FloatVector.broadcast(F, v[vo]) : FloatVector.fromArray(F, v, vo + i);
            FloatVector gVec = gs == 0 ? FloatVector.broadcast(F, g[go]) : FloatVector.fromArray(F, g, go + i);
            gVec.mul(one.sub(y.mul(y))).intoArray(c, co + i);
        }
        return i;
    }

    private static int sigmoidBackward(float[] g, int go, int gs, float[] v, int vo, int vs, float[] c, int co,
                                       int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector y = vs == 0 ? FloatVector.broadcast(F, v[vo]) : FloatVector.fromArray(F, v, vo + i);
            FloatVector gVec = gs == 0 ? FloatVector.broadcast(F, g[go]) : FloatVector.fromArray(F, g, go + i);
            gVec.mul(y).mul(one.sub(y)).intoArray(c, co + i);
        }
        return i;
    }

    private static int siluBackward(float[] g, int go, int gs, float[] v, int vo, int vs, float[] c, int co, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector x = vs == 0 ? FloatVector.broadcast(F, v[vo]) : FloatVector.fromArray(F, v, vo + i);
            FloatVector s = one.div(VectorMath.exp(x.neg()).add(1f));
            FloatVector gVec = gs == 0 ? FloatVector.broadcast(F, g[go]) : FloatVector.fromArray(F, g, go + i);
            gVec.mul(s).mul(x.mul(one.sub(s)).add(1f)).intoArray(c, co + i);
        }
        return i;
    }

    /**
     * Φ comes from the erfc form on every lane: its absolute error (1.5e-7) is what matters for Φ + x·φ, and one
     * formula keeps the loop body small. With an erf series for |z| ≤ 1 blended in, C2 hit its inlining node limit
     * in this method, left the gradient's load and the store as calls, and the kernel ran ~30× slower.
     */
    private static int geluBackward(float[] g, int go, int gs, float[] v, int vo, int vs, float[] c, int co, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector gv = gs == 0 ? FloatVector.broadcast(F, g[go]) : FloatVector.fromArray(F, g, go + i);
            FloatVector x = vs == 0 ? FloatVector.broadcast(F, v[vo]) : FloatVector.fromArray(F, v, vo + i);
            FloatVector z = x.mul(SQRT1_2);
            FloatVector e = VectorMath.exp(x.mul(x).mul(-0.5f));
            FloatVector t = one.div(z.abs().mul(P).add(1f));
            FloatVector q = FloatVector.broadcast(F, A5);
            q = q.fma(t, FloatVector.broadcast(F, A4));
            q = q.fma(t, FloatVector.broadcast(F, A3));
            q = q.fma(t, FloatVector.broadcast(F, A2));
            q = q.fma(t, FloatVector.broadcast(F, A1));
            FloatVector half = t.mul(q).mul(e).mul(0.5f);
            FloatVector cdf = one.sub(half).blend(half, z.compare(VectorOperators.LT, 0f));
            gv.mul(cdf.add(x.mul(e.mul(INV_SQRT_2PI)))).intoArray(c, co + i);
        }
        return i;
    }

    private static int geluTanhBackward(float[] g, int go, int gs, float[] v, int vo, int vs, float[] c, int co,
                                        int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector x = vs == 0 ? FloatVector.broadcast(F, v[vo]) : FloatVector.fromArray(F, v, vo + i);
            FloatVector x2 = x.mul(x);
            FloatVector t = VectorMath.tanh(x2.mul(x).mul(GELU_TANH_K).add(x).mul(GELU_TANH_C));
            FloatVector left = t.add(1f).mul(0.5f);
            FloatVector right = x.mul(0.5f).mul(one.sub(t.mul(t))).mul(x2.mul(GELU_TANH_3K).add(1f).mul(GELU_TANH_C));
            FloatVector gVec = gs == 0 ? FloatVector.broadcast(F, g[go]) : FloatVector.fromArray(F, g, go + i);
            gVec.mul(left.add(right)).intoArray(c, co + i);
        }
        return i;
    }

}
