package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * exp, log and tanh for float vectors built from additions, multiplications, FMAs and bit operations only, each
 * with a scalar twin that performs the very same float operations, and horizontal lane reductions in a fixed
 * order.
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP)}: HotSpot computes it with an SVML routine once C2 has compiled
 * the loop and with {@code Math.exp} per lane before that, and the two differ in the last ulp — so the same call
 * on the same input changed its result after warm-up (measured: 3255 of 300,300 elements). Plain IEEE arithmetic is
 * the same in every tier, so these functions give bit-identical results in the interpreter, in C2, in the vector
 * body and in the scalar tail of a loop. Accuracy: within 2 ulp of the exact result (tested against StrictMath)
 * over the whole float range, NaN and infinities as IEEE requires.
 */
public final class VectorMath {
    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so that n·LN2_HI is exact for |n| < 2^9 (Cody–Waite reduction).
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Adding then subtracting 1.5·2^23 rounds a float to the nearest integer (ties to even) for |v| < 2^22. */
    private static final float ROUND_MAGIC = 12582912f;
    /** Above this exp overflows to +inf. */
    private static final float EXP_HI = 88.72283935546875f;
    /** Below this exp underflows to 0 (half the smallest subnormal). */
    private static final float EXP_LO = -103.97208f;
    private static final float SQRT2 = 1.41421356237f;
    // Taylor coefficients of e^r on |r| <= ln2/2; the degree-7 remainder is below 1e-8 there.
    private static final float E2 = 1f / 2, E3 = 1f / 6, E4 = 1f / 24, E5 = 1f / 120, E6 = 1f / 720, E7 = 1f / 5040;
    // 2·atanh(s) = log((1+s)/(1-s)) = 2s + 2s³/3 + ...; |s| <= 0.1716 so terms to s⁹ reach 1e-9.
    private static final float L3 = 2f / 3, L5 = 2f / 5, L7 = 2f / 7, L9 = 2f / 9;
    // Taylor coefficients of tanh on |x| < 0.5: x + x³·(T3 + x²·(T5 + ...)).
    private static final float T3 = -1f / 3, T5 = 2f / 15, T7 = -17f / 315, T9 = 62f / 2835, T11 = -1382f / 155925,
            T13 = 21844f / 6081075, T15 = -929569f / 638512875;
    private static final float TANH_SMALL = 0.5f;

    // The polynomial coefficients of log and tanh as vector constants: a broadcast per use once added enough IR nodes
    // that callers hit C2's inlining node limit (calls were left inside the GELU kernel, and every vector crossing
    // them was boxed). exp broadcasts its own where it uses them: measured 2026-11-27, the exp and SiLU kernels ran
    // ~40% faster that way (the constants were reloaded from their objects on every use) and no exp caller slowed
    // down (GELU both forms, erf, softmax, attention, GroupNorm+SiLU and the activation backwards).
    private static final FloatVector V_L3 = FloatVector.broadcast(F, L3);
    private static final FloatVector V_L5 = FloatVector.broadcast(F, L5);
    private static final FloatVector V_L7 = FloatVector.broadcast(F, L7);
    private static final FloatVector V_L9 = FloatVector.broadcast(F, L9);
    private static final FloatVector V_LN2_HI = FloatVector.broadcast(F, LN2_HI);
    private static final FloatVector V_LN2_LO = FloatVector.broadcast(F, LN2_LO);
    private static final FloatVector V_T3 = FloatVector.broadcast(F, T3);
    private static final FloatVector V_T5 = FloatVector.broadcast(F, T5);
    private static final FloatVector V_T7 = FloatVector.broadcast(F, T7);
    private static final FloatVector V_T9 = FloatVector.broadcast(F, T9);
    private static final FloatVector V_T11 = FloatVector.broadcast(F, T11);
    private static final FloatVector V_T13 = FloatVector.broadcast(F, T13);
    private static final FloatVector V_T15 = FloatVector.broadcast(F, T15);

    private VectorMath() {
    }

    // ---- exp ------------------------------------------------------------------------------------------------

    /** e^x per lane. */
    public static FloatVector exp(FloatVector x) {
        // No clamp into [EXP_LO, EXP_HI] first: lanes outside it (±inf included) compute garbage that the two blends
        // at the end replace, and a NaN lane stays NaN through every step. Java's NaN-propagating max and min cost
        // several instructions each, a fifth of the function; lanes inside the range get the same floats either way.
        FloatVector n = x.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
        FloatVector r = n.neg().fma(FloatVector.broadcast(F, LN2_HI), x);
        r = n.neg().fma(FloatVector.broadcast(F, LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, E7);
        p = p.fma(r, FloatVector.broadcast(F, E6));
        p = p.fma(r, FloatVector.broadcast(F, E5));
        p = p.fma(r, FloatVector.broadcast(F, E4));
        p = p.fma(r, FloatVector.broadcast(F, E3));
        p = p.fma(r, FloatVector.broadcast(F, E2));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        // 2^n as two factors so that n down to -150 and up to 128 stays within the normal exponent range.
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
        return y.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same float operations in the same order. */
    public static float exp(float x) {
        if (Float.isNaN(x)) {
            return x;
        }
        if (x > EXP_HI) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < EXP_LO) {
            return 0f;
        }
        float n = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(-n, LN2_HI, x);
        r = Math.fma(-n, LN2_LO, r);
        float p = E7;
        p = Math.fma(p, r, E6);
        p = Math.fma(p, r, E5);
        p = Math.fma(p, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int ni = (int) n;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        return p * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    // ---- log ------------------------------------------------------------------------------------------------

    /** Natural logarithm per lane: −inf at 0, NaN below 0. */
    public static FloatVector log(FloatVector x) {
        // Subnormals: scale into the normal range first and correct the exponent.
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(0x1p23f), tiny);
        IntVector bits = xs.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).and(0xFF).sub(127);
        e = e.blend(e.sub(23), tiny.cast(e.species()));
        FloatVector m = bits.and(0x007FFFFF).or(0x3F800000).reinterpretAsFloats();
        VectorMask<Float> big = m.compare(VectorOperators.GT, SQRT2);
        m = m.blend(m.mul(0.5f), big);
        e = e.blend(e.add(1), big.cast(e.species()));
        FloatVector s = m.sub(1f).div(m.add(1f));
        FloatVector z = s.mul(s);
        FloatVector q = V_L9;
        q = q.fma(z, V_L7);
        q = q.fma(z, V_L5);
        q = q.fma(z, V_L3);
        FloatVector logm = s.mul(z).fma(q, s.mul(2f));
        FloatVector ef = (FloatVector) e.convert(VectorOperators.I2F, 0);
        FloatVector y = ef.fma(V_LN2_HI, ef.fma(V_LN2_LO, logm));
        y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        y = y.blend(Float.NaN, x.compare(VectorOperators.LT, 0f));
        y = y.blend(x, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** The scalar twin of {@link #log(FloatVector)}. */
    public static float log(float x) {
        if (Float.isNaN(x) || x == Float.POSITIVE_INFINITY) {
            return x;
        }
        if (x == 0) {
            return Float.NEGATIVE_INFINITY;
        }
        if (x < 0) {
            return Float.NaN;
        }
        boolean tiny = x < Float.MIN_NORMAL;
        float xs = tiny ? x * 0x1p23f : x;
        int bits = Float.floatToRawIntBits(xs);
        int e = ((bits >>> 23) & 0xFF) - 127;
        if (tiny) {
            e -= 23;
        }
        float m = Float.intBitsToFloat((bits & 0x007FFFFF) | 0x3F800000);
        if (m > SQRT2) {
            m *= 0.5f;
            e += 1;
        }
        float s = (m - 1f) / (m + 1f);
        float z = s * s;
        float q = L9;
        q = Math.fma(q, z, L7);
        q = Math.fma(q, z, L5);
        q = Math.fma(q, z, L3);
        float logm = Math.fma(s * z, q, s * 2f);
        float ef = e;
        return Math.fma(ef, LN2_HI, Math.fma(ef, LN2_LO, logm));
    }

    // ---- tanh -----------------------------------------------------------------------------------------------

    /** tanh per lane: an odd Taylor polynomial below |x| = 0.5, 1 − 2/(e^{2|x|} + 1) with the sign above. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = V_T15;
        p = p.fma(z, V_T13);
        p = p.fma(z, V_T11);
        p = p.fma(z, V_T9);
        p = p.fma(z, V_T7);
        p = p.fma(z, V_T5);
        p = p.fma(z, V_T3);
        FloatVector small = x.mul(z).fma(p, x);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector large = one.sub(FloatVector.broadcast(F, 2f).div(exp(a.add(a)).add(1f)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, 0f));
        // A NaN lane is NaN in both branches (its comparisons are false, so it keeps small's NaN): no NaN blend.
        return small.blend(large, a.compare(VectorOperators.GE, TANH_SMALL));
    }

    /** The scalar twin of {@link #tanh(FloatVector)}. */
    public static float tanh(float x) {
        if (Float.isNaN(x)) {
            return x;
        }
        float a = Math.abs(x);
        if (a < TANH_SMALL) {
            float z = x * x;
            float p = T15;
            p = Math.fma(p, z, T13);
            p = Math.fma(p, z, T11);
            p = Math.fma(p, z, T9);
            p = Math.fma(p, z, T7);
            p = Math.fma(p, z, T5);
            p = Math.fma(p, z, T3);
            return Math.fma(x * z, p, x);
        }
        float large = 1f - 2f / (exp(a + a) + 1f);
        return x < 0 ? -large : large;
    }

    // ---- horizontal reductions in a fixed lane order --------------------------------------------------------
    // reduceLanes(ADD) may add lanes in another order once intrinsified; these always go lane 0, 1, 2, ...

    /** Shuffles pairing lane i with lane i ^ 2^k, for the fixed-order tree of {@link #sumLanesFloat}. */
    private static final VectorShuffle<Float>[] BUTTERFLY = butterflies();
    private static final VectorShuffle<Float> B8 = BUTTERFLY[0];
    private static final VectorShuffle<Float> B4 = BUTTERFLY.length > 1 ? BUTTERFLY[1] : B8;
    private static final VectorShuffle<Float> B2 = BUTTERFLY.length > 2 ? BUTTERFLY[2] : B8;
    private static final VectorShuffle<Float> B1 = BUTTERFLY.length > 3 ? BUTTERFLY[3] : B8;

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] butterflies() {
        int steps = Integer.numberOfTrailingZeros(F.length());
        VectorShuffle<Float>[] s = new VectorShuffle[steps];
        for (int k = 0; k < steps; k++) {
            int bit = F.length() >> (k + 1);
            s[k] = VectorShuffle.fromOp(F, i -> i ^ bit);
        }
        return s;
    }

    /**
     * Sum of the lanes of v in float by a fixed butterfly tree (lane i + lane i^8, then ^4, ^2, ^1): the same
     * additions in the same order in every JIT tier, without a scratch array ({@link #sumLanes}).
     */
    public static float sumLanesFloat(FloatVector v) {
        if (BUTTERFLY.length == 4) {
            // Unrolled, each shuffle a constant: the loop over the array kept C2 from compiling the tree well
            // where many sums are taken back to back (ThinGemm's 16 per block ran 5-10x slower).
            v = v.add(v.rearrange(B8));
            v = v.add(v.rearrange(B4));
            v = v.add(v.rearrange(B2));
            v = v.add(v.rearrange(B1));
            return v.lane(0);
        }
        for (VectorShuffle<Float> s : BUTTERFLY) {
            v = v.add(v.rearrange(s));
        }
        return v.lane(0);
    }

    // The lane reductions below take the lanes already stored by the caller (v.intoArray(lanes, 0)) rather than
    // the vector: a vector handed to a call that C2 declines to inline — which it does once the compiled method
    // passes its node budget (NodeCountInliningCutoff), CompileCommand=inline or not — is boxed, a heap
    // allocation per call (attention's softmax allocated 3.5 MB per [64, 8, 65, 32] call that way; bench/RESULTS.md,
    // eleventh session). An array crosses any call for free.

    /** Sum of lanes[0 .. LANES) in lane order, in double. */
    public static double sumLanes(float[] lanes) {
        double s = 0;
        for (int l = 0; l < KernelPath.LANES; l++) {
            s += lanes[l];
        }
        return s;
    }

    /** Product of lanes[0 .. LANES) in lane order, in double. */
    public static double prodLanes(float[] lanes) {
        double s = 1;
        for (int l = 0; l < KernelPath.LANES; l++) {
            s *= lanes[l];
        }
        return s;
    }

    /** Largest of lanes[0 .. LANES); NaN if any is NaN. */
    public static float maxLanes(float[] lanes) {
        float m = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < KernelPath.LANES; l++) {
            m = Math.max(m, lanes[l]);
        }
        return m;
    }

    /** Smallest of lanes[0 .. LANES); NaN if any is NaN. */
    public static float minLanes(float[] lanes) {
        float m = Float.POSITIVE_INFINITY;
        for (int l = 0; l < KernelPath.LANES; l++) {
            m = Math.min(m, lanes[l]);
        }
        return m;
    }
}
