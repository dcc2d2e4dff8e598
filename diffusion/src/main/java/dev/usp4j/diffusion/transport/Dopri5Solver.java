package dev.usp4j.diffusion.transport;

import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.tensor.NDArray;

/**
 * Adaptive Dormand–Prince 5(4) as torchdiffeq's "dopri5" runs it: the initial step chosen from the first two
 * derivative evaluations (Hairer's rule), the error of each attempted step measured as the RMS over the whole batch
 * of err/(atol + rtol·max(|y₀|, |y₁|)), a step accepted when that ratio is ≤ 1, the next step scaled by
 * min(10, max(0.9·ratio^(−1/5), 0.2)) (never shrunk after an accepted step), the last derivative reused as the next
 * step's first (FSAL), and the output times read from each step's quartic dense-output polynomial, so the
 * integration may step past the final time. The whole batch shares one step size, as it does in torchdiffeq.
 */
final class Dopri5Solver {
    private static final double[] ALPHA = {1 / 5.0, 3 / 10.0, 4 / 5.0, 8 / 9.0, 1.0, 1.0};
    private static final double[][] BETA = {
        {1 / 5.0},
        {3 / 40.0, 9 / 40.0},
        {44 / 45.0, -56 / 15.0, 32 / 9.0},
        {19372 / 6561.0, -25360 / 2187.0, 64448 / 6561.0, -212 / 729.0},
        {9017 / 3168.0, -355 / 33.0, 46732 / 5247.0, 49 / 176.0, -5103 / 18656.0},
        {35 / 384.0, 0, 500 / 1113.0, 125 / 192.0, -2187 / 6784.0, 11 / 84.0},
    };
    /** Fifth-order solution minus the embedded fourth-order one. */
    private static final double[] C_ERROR = {
        35 / 384.0 - 1951 / 21600.0, 0, 500 / 1113.0 - 22642 / 50085.0, 125 / 192.0 - 451 / 720.0,
        -2187 / 6784.0 + 12231 / 42400.0, 11 / 84.0 - 649 / 6300.0, -1 / 60.0,
    };
    /** Weights of the midpoint value used by the dense output (Shampine's coefficients). */
    private static final double[] C_MID = {
        6025192743.0 / 30085553152.0 / 2, 0, 51252292925.0 / 65400821598.0 / 2,
        -2691868925.0 / 45128329728.0 / 2, 187940372067.0 / 1594534317056.0 / 2,
        -1776094331.0 / 19743644256.0 / 2, 11237099.0 / 235043384.0 / 2,
    };
    private static final double SAFETY = 0.9;
    private static final double IFACTOR = 10.0;
    private static final double DFACTOR = 0.2;
    private static final int ORDER = 5;
    /** A guard torchdiffeq sets at 2³¹ − 1; far fewer already means the tolerances cannot be met. */
    private static final int MAX_STEPS = 1_000_000;

    private final CountedDrift f;
    private final double atol;
    private final double rtol;

    /** Accepted and rejected steps of the last integration. */
    private int accepted;
    private int rejected;

    Dopri5Solver(CountedDrift f, double atol, double rtol) {
        this.f = f;
        this.atol = atol;
        this.rtol = rtol;
    }

    int accepted() {
        return accepted;
    }

    int rejected() {
        return rejected;
    }

    /** The state at grid[last]; the listener hears each output time. */
    NDArray integrate(NDArray y0, double[] grid, StepListener listener) {
        double t = grid[0];
        NDArray y = y0;
        NDArray f0 = f.drift(y0, t);
        double dt = initialStep(y0, f0, t);
        // the last accepted step's interval and dense-output coefficients
        double stepT0 = t;
        NDArray[] interp = null;
        int outputs = grid.length - 1;
        int steps = 0;
        for (int i = 1; i <= outputs; i++) {
            double next = grid[i];
            while (next > t) {
                if (++steps > MAX_STEPS) {
                    throw new IllegalStateException("dopri5: more than " + MAX_STEPS + " steps before t = " + next
                            + " (atol " + atol + ", rtol " + rtol + ")");
                }
                if (!(t + dt > t)) {
                    throw new IllegalStateException("dopri5: step size underflow at t = " + t + " (dt " + dt + ")");
                }
                NDArray[] k = new NDArray[7];
                k[0] = f0;
                NDArray y1 = null;
                for (int s = 0; s < 6; s++) {
                    double ti = ALPHA[s] == 1.0 ? t + dt : t + ALPHA[s] * dt;
                    NDArray yi = combine(y, k, BETA[s], dt);
                    k[s + 1] = f.drift(yi, ti);
                    y1 = yi;
                }
                NDArray err = combine(null, k, C_ERROR, dt);
                double ratio = errorRatio(err, y, y1);
                if (!Double.isFinite(ratio)) {
                    throw new IllegalStateException("dopri5: non-finite state or error at t = " + t);
                }
                if (ratio <= 1) {
                    accepted++;
                    NDArray yMid = combine(y, k, C_MID, dt);
                    interp = fitInterpolant(y, y1, yMid, f0, k[6], dt);
                    stepT0 = t;
                    t = t + dt;
                    y = y1;
                    f0 = k[6];
                } else {
                    rejected++;
                }
                dt = optimalStep(dt, ratio);
            }
            NDArray out = evaluate(interp, stepT0, t, next);
            listener.onStep(i, outputs, f.evaluations(), out);
            if (i == outputs) {
                return out;
            }
        }
        return y0;
    }

    /** Hairer's starting step with torchdiffeq's order argument (order − 1 = 4): one extra evaluation. */
    private double initialStep(NDArray y0, NDArray f0, double t0) {
        float[] y = y0.toFloatArray();
        float[] d = f0.toFloatArray();
        double[] scale = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            scale[i] = atol + Math.abs(y[i]) * rtol;
        }
        double d0 = rms(y, scale);
        double d1 = rms(d, scale);
        double h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
        NDArray y1 = y0.add(f0.mul(h0));
        float[] f1 = f.drift(y1, t0 + h0).toFloatArray();
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            double q = (f1[i] - d[i]) / scale[i];
            sum += q * q;
        }
        double d2 = Math.sqrt(sum / Math.max(1, y.length)) / h0;
        double h1 = d1 <= 1e-15 && d2 <= 1e-15
                ? Math.max(1e-6, h0 * 1e-3)
                : Math.pow(0.01 / Math.max(d1, d2), 1.0 / (ORDER - 1 + 1));
        return Math.min(100 * h0, h1);
    }

    private double errorRatio(NDArray err, NDArray y0, NDArray y1) {
        float[] e = err.toFloatArray();
        float[] a = y0.toFloatArray();
        float[] b = y1.toFloatArray();
        double sum = 0;
        for (int i = 0; i < e.length; i++) {
            double tol = atol + rtol * Math.max(Math.abs(a[i]), Math.abs(b[i]));
            double q = e[i] / tol;
            sum += q * q;
        }
        return Math.sqrt(sum / Math.max(1, e.length));
    }

    private static double optimalStep(double dt, double ratio) {
        if (ratio == 0) {
            return dt * IFACTOR;
        }
        double dfactor = ratio < 1 ? 1 : DFACTOR;
        double factor = Math.min(IFACTOR, Math.max(SAFETY / Math.pow(ratio, 1.0 / ORDER), dfactor));
        return dt * factor;
    }

    private static double rms(float[] v, double[] scale) {
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            double q = v[i] / scale[i];
            sum += q * q;
        }
        return Math.sqrt(sum / Math.max(1, v.length));
    }

    /** base + dt·Σ w_j k_j (base may be null for the error estimate); zero weights skipped. */
    private static NDArray combine(NDArray base, NDArray[] k, double[] w, double dt) {
        NDArray acc = base;
        for (int j = 0; j < w.length; j++) {
            if (w[j] == 0) {
                continue;
            }
            NDArray term = k[j].mul(w[j] * dt);
            acc = acc == null ? term : acc.add(term);
        }
        return acc;
    }

    /** The quartic through y0, y1 and the midpoint value with the end slopes f0, f1: {e, d, c, b, a}. */
    private static NDArray[] fitInterpolant(NDArray y0, NDArray y1, NDArray yMid, NDArray f0, NDArray f1, double dt) {
        NDArray a = f1.sub(f0).mul(2 * dt).sub(y1.add(y0).mul(8)).add(yMid.mul(16));
        NDArray b = f0.mul(5).sub(f1.mul(3)).mul(dt).add(y0.mul(18)).add(y1.mul(14)).sub(yMid.mul(32));
        NDArray c = f1.sub(f0.mul(4)).mul(dt).sub(y0.mul(11)).sub(y1.mul(5)).add(yMid.mul(16));
        NDArray d = f0.mul(dt);
        return new NDArray[] {y0, d, c, b, a};
    }

    private static NDArray evaluate(NDArray[] coeff, double t0, double t1, double t) {
        double x = (t - t0) / (t1 - t0);
        NDArray total = coeff[0].add(coeff[1].mul(x));
        double power = x;
        for (int i = 2; i < coeff.length; i++) {
            power *= x;
            total = total.add(coeff[i].mul(power));
        }
        return total;
    }
}
