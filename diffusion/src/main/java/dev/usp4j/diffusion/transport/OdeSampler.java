package dev.usp4j.diffusion.transport;

import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.diffusion.sampling.Sampler;
import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Objects;

/**
 * SiT's ODE sampler ({@code sample_ode}): integrates the probability-flow ODE dx/dt = drift(x, t) from noise at t0
 * to data at t1 (the transport's eval interval) on linspace(t0, t1, numSteps). For fixed-grid methods that grid is the
 * solver's (numSteps − 1 steps); for dopri5 it only names the output times and the solver picks its own steps
 * within atol/rtol. Deterministic: the generator is not used. The listener hears each output time.
 */
public final class OdeSampler implements Sampler {
    private final Transport transport;
    private final OdeMethod method;
    private final int numSteps;
    private final double atol;
    private final double rtol;
    private long lastEvaluations;

    public OdeSampler(Transport transport, OdeMethod method, int numSteps, double atol, double rtol) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.method = Objects.requireNonNull(method, "method");
        if (numSteps < 2) {
            throw new IllegalArgumentException("OdeSampler: num_steps must be at least 2 (the grid includes both"
                    + " ends), got " + numSteps);
        }
        if (method == OdeMethod.DOPRI5 && !(atol > 0 && rtol >= 0)) {
            throw new IllegalArgumentException("OdeSampler: dopri5 needs atol > 0 and rtol >= 0, got atol " + atol
                    + ", rtol " + rtol);
        }
        this.numSteps = numSteps;
        this.atol = atol;
        this.rtol = rtol;
    }

    /** A fixed-grid sampler (tolerances unused). */
    public OdeSampler(Transport transport, OdeMethod method, int numSteps) {
        this(transport, method, numSteps, 1e-6, 1e-3);
    }

    @Override
    public NDArray sample(ModelFn model, NDArray noise, Generator gen, StepListener listener) {
        double[] interval = transport.checkInterval(false, true, false, DiffusionForm.SBDM, 0);
        double[] grid = linspace(interval[0], interval[1], numSteps);
        CountedDrift f = new CountedDrift(transport, model);
        NDArray out = method == OdeMethod.DOPRI5
                ? new Dopri5Solver(f, atol, rtol).integrate(noise, grid, listener)
                : FixedGridSolver.integrate(method, f, noise, grid, listener);
        lastEvaluations = f.evaluations();
        return out;
    }

    /** Network evaluations of the last {@link #sample} call (dopri5: 2 to start, then 6 per attempted step). */
    public long lastEvaluations() {
        return lastEvaluations;
    }

    @Override
    public String describe() {
        String s = "ODE " + method.label() + ", " + numSteps + (method == OdeMethod.DOPRI5 ? " output times, atol "
                + atol + ", rtol " + rtol : " grid points") + ", " + transport;
        return s;
    }

    /** numpy/torch linspace in double: both ends exact. */
    static double[] linspace(double t0, double t1, int n) {
        if (!(t0 < t1)) {
            throw new IllegalArgumentException("transport sampler: the interval must run forward, got t0 " + t0
                    + ", t1 " + t1);
        }
        double[] g = new double[n];
        double step = (t1 - t0) / (n - 1);
        for (int i = 0; i < n; i++) {
            g[i] = i == n - 1 ? t1 : t0 + i * step;
        }
        return g;
    }
}
