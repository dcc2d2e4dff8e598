package dev.usp4j.diffusion.transport;

import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.tensor.NDArray;

/**
 * torchdiffeq's fixed-grid solvers on a given time grid: one step per interval, y₁ = y₀ + Δy. RK4 is torchdiffeq's
 * "rk4", which uses the 3/8 rule (rk4_alt_step_func), not the classic tableau.
 */
final class FixedGridSolver {
    private FixedGridSolver() {
    }

    static NDArray integrate(OdeMethod method, CountedDrift f, NDArray y0, double[] grid, StepListener listener) {
        NDArray y = y0;
        int steps = grid.length - 1;
        for (int i = 0; i < steps; i++) {
            y = step(method, f, y, grid[i], grid[i + 1]);
            listener.onStep(i + 1, steps, f.evaluations(), y);
        }
        return y;
    }

    /** One step from t0 to t1. */
    static NDArray step(OdeMethod method, CountedDrift f, NDArray y, double t0, double t1) {
        double dt = t1 - t0;
        return switch (method) {
            case EULER -> y.add(f.drift(y, t0).mul(dt));
            case MIDPOINT -> {
                double half = 0.5 * dt;
                NDArray f0 = f.drift(y, t0);
                NDArray mid = y.add(f0.mul(half));
                yield y.add(f.drift(mid, t0 + half).mul(dt));
            }
            case HEUN2 -> {
                NDArray k1 = f.drift(y, t0);
                NDArray k2 = f.drift(y.add(k1.mul(dt)), t1);
                yield y.add(k1.add(k2).mul(0.5 * dt));
            }
            case RK4 -> {
                NDArray k1 = f.drift(y, t0);
                NDArray k2 = f.drift(y.add(k1.mul(dt / 3)), t0 + dt / 3);
                NDArray k3 = f.drift(y.add(k2.sub(k1.mul(1.0 / 3)).mul(dt)), t0 + dt * 2 / 3);
                NDArray k4 = f.drift(y.add(k1.sub(k2).add(k3).mul(dt)), t1);
                yield y.add(k1.add(k2.add(k3).mul(3)).add(k4).mul(dt * 0.125));
            }
            case DOPRI5 -> throw new IllegalArgumentException("FixedGridSolver: dopri5 is adaptive");
        };
    }
}
