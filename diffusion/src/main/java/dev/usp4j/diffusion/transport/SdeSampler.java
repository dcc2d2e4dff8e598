package dev.usp4j.diffusion.transport;

import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.diffusion.sampling.Sampler;
import dev.usp4j.diffusion.sampling.StepListener;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Objects;

/**
 * SiT's SDE sampler ({@code sample_sde}): dx = [v + w(t)·s] dt + √(2·w(t)) dW integrated forward on
 * linspace(t0, t1, numSteps) with t1 = 1 − lastStepSize, one Euler–Maruyama or Heun step per grid point but the
 * last, then a last step to t = 1. The listener hears numSteps steps (the last one is the last step, an identity
 * for {@link LastStep#NONE}); every noise draw comes from the generator. USP's evaluation setting is
 * {@link TransportSamplers#uspSde()}: Euler, 250 steps, w = σ_t, last step "Mean" 0.04, 250 network evaluations.
 */
public final class SdeSampler implements Sampler {
    private final Transport transport;
    private final SdeMethod method;
    private final DiffusionForm form;
    private final double norm;
    private final LastStep lastStep;
    private final double lastStepSize;
    private final int numSteps;
    private long lastEvaluations;

    public SdeSampler(Transport transport, SdeMethod method, DiffusionForm form, double norm, LastStep lastStep,
                      double lastStepSize, int numSteps) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.method = Objects.requireNonNull(method, "method");
        this.form = Objects.requireNonNull(form, "form");
        this.lastStep = Objects.requireNonNull(lastStep, "lastStep");
        if (numSteps < 2) {
            throw new IllegalArgumentException("SdeSampler: num_steps must be at least 2, got " + numSteps);
        }
        if (!(norm >= 0) || Double.isInfinite(norm)) {
            throw new IllegalArgumentException("SdeSampler: diffusion norm must be finite and >= 0, got " + norm);
        }
        // as the original: without a last step the interval runs to 1 − eps
        double size = lastStep == LastStep.NONE ? 0 : lastStepSize;
        this.norm = norm;
        this.lastStepSize = size;
        this.numSteps = numSteps;
        grid(); // fails here, not mid-sampling, when the interval is empty
    }

    /** The time grid linspace(t0, t1, numSteps). */
    public double[] grid() {
        double[] iv = transport.checkInterval(true, true, false, form, lastStepSize);
        return OdeSampler.linspace(iv[0], iv[1], numSteps);
    }

    @Override
    public NDArray sample(ModelFn model, NDArray noise, Generator gen, StepListener listener) {
        double[] grid = grid();
        double dt = grid[1] - grid[0];
        CountedDrift f = new CountedDrift(transport, model);
        NDArray x = noise;
        for (int i = 0; i < numSteps - 1; i++) {
            NDArray w = NDArray.randn(gen, x.device(), x.shape());
            x = method == SdeMethod.EULER ? eulerMaruyamaStep(f, x, grid[i], dt, w) : heunStep(f, x, grid[i], dt, w);
            listener.onStep(i + 1, numSteps, f.evaluations(), x);
        }
        x = lastStep(f, x, grid[numSteps - 1]);
        listener.onStep(numSteps, numSteps, f.evaluations(), x);
        lastEvaluations = f.evaluations();
        return x;
    }

    /** Network evaluations of the last {@link #sample} call. */
    public long lastEvaluations() {
        return lastEvaluations;
    }

    /** x + drift·dt + √(2w(t))·√dt·ξ, with ξ = {@code w01} ~ N(0, I) given. */
    NDArray eulerMaruyamaStep(CountedDrift f, NDArray x, double t, double dt, NDArray w01) {
        NDArray dw = w01.mul(Math.sqrt(dt));
        NDArray drift = f.sdeDrift(x, t, form, norm);
        double diffusion = diffusion(t);
        NDArray mean = x.add(drift.mul(dt));
        return mean.add(dw.mul(Math.sqrt(2 * diffusion)));
    }

    /** Noise first (x̂ = x + √(2w(t))·dW), then a trapezoid on the drift between t and t + dt. */
    NDArray heunStep(CountedDrift f, NDArray x, double t, double dt, NDArray w01) {
        NDArray dw = w01.mul(Math.sqrt(dt));
        NDArray xhat = x.add(dw.mul(Math.sqrt(2 * diffusion(t))));
        NDArray k1 = f.sdeDrift(xhat, t, form, norm);
        NDArray xp = xhat.add(k1.mul(dt));
        NDArray k2 = f.sdeDrift(xp, t + dt, form, norm);
        return xhat.add(k1.add(k2).mul(0.5 * dt));
    }

    /** The step from t1 to 1 with no noise. */
    NDArray lastStep(CountedDrift f, NDArray x, double t1) {
        TransportPath path = transport.path();
        return switch (lastStep) {
            case NONE -> x;
            case MEAN -> x.add(f.sdeDrift(x, t1, form, norm).mul(lastStepSize));
            case EULER -> x.add(f.drift(x, t1).mul(lastStepSize));
            case TWEEDIE -> {
                double tf = (float) t1;
                double a = (float) path.alpha(tf);
                double s = (float) path.sigma(tf);
                yield x.div(a).add(f.score(x, t1).mul(s * s / a));
            }
        };
    }

    /** w(t) at the float32 time the network sees. */
    private double diffusion(double t) {
        return transport.path().diffusion(form, norm, (float) t);
    }

    @Override
    public String describe() {
        return "SDE " + method.label() + ", " + numSteps + " steps, diffusion " + form.label() + " × " + norm
                + ", last step " + lastStep.label() + (lastStep == LastStep.NONE ? "" : " " + lastStepSize) + ", "
                + transport;
    }
}
