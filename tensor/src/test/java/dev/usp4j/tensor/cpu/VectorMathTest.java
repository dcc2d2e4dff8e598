package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * VectorMath against StrictMath (in ulps of the float result) over a sweep of every 2039th float, and its vector
 * and scalar forms against each other bit for bit.
 */
class VectorMathTest {
    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f, 1f, -1f, 0.5f, -0.5f, 0.49999997f, 88.72283f, 88.72284f,
        89f, -87.33655f, -103.97207f, -103.97209f, -110f, 1e30f, -1e30f, Float.MAX_VALUE, 20f, -20f, 9.5f};

    private interface Twin {
        float scalar(float x);
    }

    private static void check(String name, UnaryOperator<FloatVector> vec, Twin twin, DoubleUnaryOperator exact,
                              float lo, float hi, double maxUlp) {
        int lanes = KernelPath.LANES;
        float[] buf = new float[lanes];
        float[] out = new float[lanes];
        double worst = 0;
        float worstAt = 0;
        int count = 0;
        // Sweep bit patterns of both signs, then the special values.
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += 2039) {
            float x = Float.intBitsToFloat((int) bits);
            if (!(x >= lo && x <= hi)) {
                continue;
            }
            buf[count++] = x;
            if (count == lanes) {
                double[] w = compare(name, vec, twin, exact, buf, out, lanes);
                if (w[0] > worst) {
                    worst = w[0];
                    worstAt = (float) w[1];
                }
                count = 0;
            }
        }
        for (float x : SPECIAL) {
            buf[0] = x;
            compare(name, vec, twin, exact, buf, out, 1);
        }
        assertTrue(worst <= maxUlp, name + ": " + worst + " ulp at x=" + worstAt);
    }

    private static double[] compare(String name, UnaryOperator<FloatVector> vec, Twin twin, DoubleUnaryOperator exact,
                                    float[] buf, float[] out, int n) {
        vec.apply(FloatVector.fromArray(KernelPath.F, buf, 0)).intoArray(out, 0);
        double worst = 0;
        double at = 0;
        for (int i = 0; i < n; i++) {
            float x = buf[i];
            float t = twin.scalar(x);
            assertEquals(Float.floatToIntBits(t), Float.floatToIntBits(out[i]), name + ": vector and scalar differ at "
                    + x + " (" + out[i] + " vs " + t + ")");
            double e = exact.applyAsDouble(x);
            float ef = (float) e;
            if (Double.isNaN(e) || Double.isInfinite(ef) || ef == 0) {
                // NaN, overflow and underflow must match the correctly rounded result exactly (0 allows ±1 ulp
                // of the smallest subnormal).
                assertTrue(Float.isNaN(ef) ? Float.isNaN(t) : (t == ef || Math.abs(t) <= Float.MIN_VALUE),
                        name + "(" + x + ") = " + t + ", expected " + ef);
                continue;
            }
            double ulp = Math.ulp(ef);
            double err = Math.abs(t - e) / ulp;
            if (err > worst) {
                worst = err;
                at = x;
            }
        }
        return new double[] {worst, at};
    }

    @Test
    void expIsWithinOneUlp() {
        check("exp", VectorMath::exp, VectorMath::exp, StrictMath::exp, -200f, 200f, 1.0);
    }

    @Test
    void logIsWithinTwoUlp() {
        check("log", VectorMath::log, VectorMath::log, StrictMath::log, -1f, Float.MAX_VALUE, 2.0);
    }

    @Test
    void tanhIsWithinTwoUlp() {
        check("tanh", VectorMath::tanh, VectorMath::tanh, StrictMath::tanh, -30f, 30f, 2.0);
    }
}
