package dev.usp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The softmax/logsumexp vector exp: within 2 ulp of exp on [-87.3, 0], exact at the special values. */
class VectorMathTest {

    private static float[] vexp(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += KernelPath.LANES) {
            VectorMath.expNonPositive(FloatVector.fromArray(KernelPath.F, x, i)).intoArray(y, i);
        }
        return y;
    }

    @Test
    void accurateOnNonPositiveArguments() {
        int n = KernelPath.LANES * 8192;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -87.3f * i / (n - 1);
        }
        float[] y = vexp(x);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(y[i] - e) / Math.ulp((float) e));
        }
        assertTrue(worst <= 2.0, "max error " + worst + " ulp");
    }

    @Test
    void specialValues() {
        float[] x = new float[KernelPath.LANES];
        float[] special = {0f, -0f, Float.NEGATIVE_INFINITY, Float.NaN, -88f, -100f, -1e30f, -1e-30f};
        for (int i = 0; i < x.length; i++) {
            x[i] = special[i % special.length];
        }
        float[] y = vexp(x);
        assertEquals(1f, y[0]);
        assertEquals(1f, y[1]);
        assertEquals(0f, y[2]);
        assertTrue(Float.isNaN(y[3]));
        assertEquals(0f, y[4], 1e-38f);
        assertEquals(0f, y[5]);
        assertEquals(0f, y[6]);
        assertEquals(1f, y[7]);
    }
}
