package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Small vector building blocks shared by the reduction, softmax and norm kernels, written only with lane-wise
 * IEEE operations (add, mul, fma, max, conversions) so that a result never depends on whether C2 has compiled the
 * calling loop: the Vector API's own EXP and its horizontal reductions may take a different path (SVML, another
 * lane order) once intrinsified, which would break bit-identical results between runs and thread counts.
 */
final class VectorMath {
    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so that n·LN2_HI is exact for the |n| ≤ 126 this code meets.
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // Below this exp(x) is subnormal; the kernels treat it as 0 (PyTorch's vectorised exp flushes there too).
    private static final float EXP_LOW = -87.33654f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5·2^23: adding it rounds a small float to an integer

    private VectorMath() {
    }

    /**
     * exp(x) for x ≤ 0 or NaN (the shifted arguments of softmax and logsumexp): range reduction x = n·ln2 + r with
     * |r| ≤ ln2/2, a degree-7 Taylor polynomial for e^r (error below 1e-8 there) and 2^n built in the exponent
     * bits. About 1 ulp; results below e^-87.3 become 0, −inf gives 0 and NaN stays NaN.
     */
    static FloatVector expNonPositive(FloatVector x) {
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, EXP_LOW);
        FloatVector xc = x.max(EXP_LOW);
        FloatVector n = xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, 1f / 5040f);
        p = p.fma(r, FloatVector.broadcast(F, 1f / 720f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 120f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 24f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 6f));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector scale = bits.reinterpretAsFloats();
        return p.mul(scale).blend(FloatVector.zero(F), tiny);
    }

    /** The scalar counterpart used by tails and the reference path: exp in double, rounded once. */
    static float exp(float x) {
        return (float) Math.exp(x);
    }

    /** Sum of the lanes of v in lane order, in double (a fixed order, unlike reduceLanes). */
    static double sumLanes(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        double s = 0;
        for (int l = 0; l < KernelPath.LANES; l++) {
            s += scratch[l];
        }
        return s;
    }

    /** Product of the lanes of v in lane order, in double. */
    static double prodLanes(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        double s = 1;
        for (int l = 0; l < KernelPath.LANES; l++) {
            s *= scratch[l];
        }
        return s;
    }

    /** Largest lane; NaN if any lane is NaN. */
    static float maxLanes(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        float m = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < KernelPath.LANES; l++) {
            m = Math.max(m, scratch[l]);
        }
        return m;
    }

    /** Smallest lane; NaN if any lane is NaN. */
    static float minLanes(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        float m = Float.POSITIVE_INFINITY;
        for (int l = 0; l < KernelPath.LANES; l++) {
            m = Math.min(m, scratch[l]);
        }
        return m;
    }
}
