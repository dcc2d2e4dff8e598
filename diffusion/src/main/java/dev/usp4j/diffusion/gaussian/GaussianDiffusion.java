package dev.usp4j.diffusion.gaussian;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * DiT's Gaussian diffusion process over a β schedule: the forward process q(x_t | x₀), the posterior
 * q(x_{t−1} | x_t, x₀), the reverse-process Gaussian a network implies, and the training losses (MSE on ε or x₀ plus,
 * for a learned variance, the variational bound with a stop-gradient on the mean). Coefficients live in double
 * ({@link NoiseSchedule}) and are cast to float32 per sample, as the original's {@code _extract_into_tensor} does;
 * tensors are float32. States are [N, C, ...]; timesteps t are integer [N] in [0, T). The network is always called
 * with {@link #modelTimesteps} of t: t itself here, the original step indices in a {@link SpacedDiffusion}.
 */
public class GaussianDiffusion {
    private static final double LN2 = Math.log(2.0);

    private final NoiseSchedule schedule;
    private final ModelMeanType meanType;
    private final ModelVarType varType;
    private final LossType lossType;
    private final int[] timestepMap;
    private final double[] fixedLargeVariance;
    private final double[] fixedLargeLogVariance;
    /** Schedules (and the timestep map) as device arrays, uploaded once per device and gathered by t there. */
    private final Map<Object, Map<Device, NDArray>> deviceTables = Collections.synchronizedMap(new IdentityHashMap<>());

    /** A diffusion over {@code betas} whose network sees the timesteps 0…T−1 themselves. */
    public GaussianDiffusion(double[] betas, ModelMeanType meanType, ModelVarType varType, LossType lossType) {
        this(betas, meanType, varType, lossType, null);
    }

    /** {@code timestepMap[k]}: the timestep the network is given at step k (null: k itself). */
    protected GaussianDiffusion(double[] betas, ModelMeanType meanType, ModelVarType varType, LossType lossType,
                                int[] timestepMap) {
        this.schedule = new NoiseSchedule(betas);
        this.meanType = java.util.Objects.requireNonNull(meanType, "meanType");
        this.varType = java.util.Objects.requireNonNull(varType, "varType");
        this.lossType = java.util.Objects.requireNonNull(lossType, "lossType");
        int n = betas.length;
        if (timestepMap == null) {
            timestepMap = new int[n];
            Arrays.setAll(timestepMap, i -> i);
        } else if (timestepMap.length != n) {
            throw new IllegalArgumentException("GaussianDiffusion: timestep map of length " + timestepMap.length
                    + " for " + n + " betas");
        }
        this.timestepMap = timestepMap.clone();
        // FIXED_LARGE uses β, except at t = 0 where β̃₁ stands in (β₀ would make the last step too noisy).
        fixedLargeVariance = schedule.betas.clone();
        fixedLargeVariance[0] = n > 1 ? schedule.posteriorVariance[1] : schedule.betas[0];
        fixedLargeLogVariance = Arrays.stream(fixedLargeVariance).map(Math::log).toArray();
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    /** The number of steps T of this (possibly respaced) process. */
    public int numTimesteps() {
        return schedule.size();
    }

    public ModelMeanType meanType() {
        return meanType;
    }

    public ModelVarType varType() {
        return varType;
    }

    public LossType lossType() {
        return lossType;
    }

    /** The timestep the network is given at each step (a copy). */
    public int[] timestepMap() {
        return timestepMap.clone();
    }

    /** The timesteps to give the network for steps t [N] (same dtype as t). */
    public NDArray modelTimesteps(NDArray t) {
        long[] ts = checkTimesteps("modelTimesteps", t, -1);
        if (ts == null) {
            NDArray mapped = deviceTable(timestepMap, t.device()).indexSelect(0, t);
            return t.dtype() == DType.I64 ? mapped : mapped.to(t.dtype());
        }
        long[] mapped = new long[ts.length];
        for (int i = 0; i < ts.length; i++) {
            mapped[i] = timestepMap[(int) ts[i]];
        }
        NDArray out = NDArray.of(mapped, ts.length).to(t.device());
        return t.dtype() == DType.I64 ? out : out.to(t.dtype());
    }

    /** x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε. */
    public Tensor qSample(Tensor xStart, NDArray t, Tensor noise) {
        checkSame("qSample", "noise", xStart, noise);
        return coef(schedule.sqrtAlphasCumprod, t, xStart).mul(xStart)
                .add(coef(schedule.sqrtOneMinusAlphasCumprod, t, xStart).mul(noise));
    }

    /** q(x_{t−1} | x_t, x₀): mean c1·x₀ + c2·x_t, variance β̃_t, clipped log β̃_t. */
    public Posterior qPosteriorMeanVariance(Tensor xStart, Tensor xT, NDArray t) {
        checkSame("qPosteriorMeanVariance", "x_t", xStart, xT);
        Tensor mean = coef(schedule.posteriorMeanCoef1, t, xT).mul(xStart)
                .add(coef(schedule.posteriorMeanCoef2, t, xT).mul(xT));
        return new Posterior(mean, coef(schedule.posteriorVariance, t, xT),
                coef(schedule.posteriorLogVarianceClipped, t, xT));
    }

    /** x₀ = √(1/ᾱ_t)·x_t − √(1/ᾱ_t − 1)·ε. */
    public Tensor predictXstartFromEps(Tensor xT, NDArray t, Tensor eps) {
        checkSame("predictXstartFromEps", "eps", xT, eps);
        return coef(schedule.sqrtRecipAlphasCumprod, t, xT).mul(xT)
                .sub(coef(schedule.sqrtRecipm1AlphasCumprod, t, xT).mul(eps));
    }

    /** ε = (√(1/ᾱ_t)·x_t − x₀)/√(1/ᾱ_t − 1). */
    public Tensor predictEpsFromXstart(Tensor xT, NDArray t, Tensor predXstart) {
        checkSame("predictEpsFromXstart", "pred_xstart", xT, predXstart);
        return coef(schedule.sqrtRecipAlphasCumprod, t, xT).mul(xT).sub(predXstart)
                .div(coef(schedule.sqrtRecipm1AlphasCumprod, t, xT));
    }

    /**
     * The reverse-process Gaussian at x [N, C, ...], t [N]: calls the network (without gradients) with the model
     * timesteps and reads its output; {@code clipDenoised} clamps the predicted x₀ to [−1, 1] (DiT samples without).
     */
    public MeanVariance pMeanVariance(ModelFn model, NDArray x, NDArray t, boolean clipDenoised) {
        checkTimesteps("pMeanVariance", t, x.rank() == 0 ? -1 : x.size(0));
        try (GradMode.Scope s = GradMode.noGrad()) {
            NDArray out = model.apply(x, modelTimesteps(t));
            return meanVariance(Tensor.of(out), Tensor.of(x), t, clipDenoised);
        }
    }

    /** The reverse-process Gaussian from a network output already computed for (x, t); differentiable in it. */
    public MeanVariance meanVariance(Tensor modelOutput, Tensor x, NDArray t, boolean clipDenoised) {
        checkOutput("pMeanVariance", modelOutput, x);
        Tensor out = modelOutput;
        Tensor variance;
        Tensor logVariance;
        if (varType.learned()) {
            int c = x.size(1);
            Tensor v = modelOutput.narrow(1, c, c);
            out = modelOutput.narrow(1, 0, c);
            if (varType == ModelVarType.LEARNED) {
                logVariance = v;
            } else {
                // v ∈ [−1, 1] spans log β̃ (v = −1) to log β (v = 1).
                Tensor minLog = coef(schedule.posteriorLogVarianceClipped, t, x);
                Tensor maxLog = coef(schedule.logBetas, t, x);
                Tensor frac = v.add(1.0).div(2.0);
                logVariance = frac.mul(maxLog).add(frac.neg().add(1.0).mul(minLog));
            }
            variance = logVariance.exp();
        } else if (varType == ModelVarType.FIXED_LARGE) {
            variance = coef(fixedLargeVariance, t, x);
            logVariance = coef(fixedLargeLogVariance, t, x);
        } else {
            variance = coef(schedule.posteriorVariance, t, x);
            logVariance = coef(schedule.posteriorLogVarianceClipped, t, x);
        }
        Tensor pred = meanType == ModelMeanType.START_X ? out : predictXstartFromEps(x, t, out);
        if (clipDenoised) {
            pred = pred.clamp(-1.0, 1.0);
        }
        Tensor mean = qPosteriorMeanVariance(pred, x, t).mean();
        return new MeanVariance(mean, variance, logVariance, pred);
    }

    /**
     * Per-sample training losses at x₀ [N, C, ...], t [N], noise ε like x₀. The network (x_t, model timesteps) →
     * output runs with gradients; the terms come back as differentiable [N] tensors. With a learned variance and an
     * MSE loss, the bound sees the mean channels detached, so only the variance channels get its gradient.
     */
    public LossTerms trainingLosses(BiFunction<Tensor, NDArray, Tensor> model, NDArray xStart, NDArray t,
                                    NDArray noise) {
        if (xStart.rank() < 1 || (varType.learned() && xStart.rank() < 2)) {
            throw new IllegalArgumentException("trainingLosses: x_start must be [N, C, ...]"
                    + (varType.learned() ? " (a learned variance needs a channel dimension)" : "") + ", got "
                    + Arrays.toString(xStart.shape()));
        }
        checkTimesteps("trainingLosses", t, xStart.size(0));
        Tensor x0 = Tensor.of(xStart);
        Tensor eps = Tensor.of(noise);
        Tensor xT;
        try (GradMode.Scope s = GradMode.noGrad()) {
            xT = Tensor.of(qSample(x0, t, eps).data());
        }
        Tensor out = model.apply(xT, modelTimesteps(t));
        checkOutput("trainingLosses", out, xT);
        if (lossType.isKl()) {
            Tensor vb = vbTermsBpd(out, x0, xT, t);
            return new LossTerms(lossType == LossType.RESCALED_KL ? vb.mul(numTimesteps()) : vb, null, null);
        }
        Tensor vb = null;
        Tensor meanOut = out;
        if (varType.learned()) {
            int c = xT.size(1);
            meanOut = out.narrow(1, 0, c);
            Tensor frozen = Tensor.cat(List.of(meanOut.detach(), out.narrow(1, c, c)), 1);
            vb = vbTermsBpd(frozen, x0, xT, t);
            if (lossType == LossType.RESCALED_MSE) {
                vb = vb.mul(numTimesteps() / 1000.0);
            }
        }
        Tensor target = meanType == ModelMeanType.START_X ? x0 : eps;
        Tensor diff = target.sub(meanOut);
        Tensor mse = DiffusionMath.meanFlat(diff.mul(diff));
        return new LossTerms(vb == null ? mse : mse.add(vb), mse, vb);
    }

    /** Training losses with ε drawn from {@code gen}. */
    public LossTerms trainingLosses(BiFunction<Tensor, NDArray, Tensor> model, NDArray xStart, NDArray t,
                                    dev.usp4j.tensor.random.Generator gen) {
        return trainingLosses(model, xStart, t, NDArray.randn(gen, xStart.device(), xStart.shape()));
    }

    /**
     * The variational-bound term per sample in bits per dimension: KL(q(x_{t−1}|x_t, x₀) ‖ p(x_{t−1}|x_t)) for t > 0,
     * the discretised decoder NLL of x₀ for t = 0.
     */
    public Tensor vbTermsBpd(Tensor modelOutput, Tensor xStart, Tensor xT, NDArray t) {
        Posterior q = qPosteriorMeanVariance(xStart, xT, t);
        MeanVariance p = meanVariance(modelOutput, xT, t, false);
        Tensor kl = DiffusionMath.meanFlat(DiffusionMath.normalKl(q.mean(), q.logVariance(), p.mean(),
                p.logVariance())).div(LN2);
        Tensor nll = DiffusionMath.meanFlat(DiffusionMath.discretizedGaussianLogLikelihood(xStart, p.mean(),
                p.logVariance().mul(0.5).broadcastTo(xStart.shape())).neg()).div(LN2);
        return Tensor.where(t.eq(0), nll, kl);
    }

    /** Coefficients arr[t] as a float32 [N, 1, ...] tensor of like's rank (the original casts after indexing). */
    Tensor coef(double[] arr, NDArray t, Tensor like) {
        return Tensor.of(extract(arr, t, like.rank()));
    }

    /** arr[t] cast to float32, shaped [N, 1, …] with {@code rank} dimensions for broadcasting. */
    NDArray extract(double[] arr, NDArray t, int rank) {
        long[] ts = checkTimesteps("extract", t, -1);
        int[] shape = new int[Math.max(rank, 1)];
        Arrays.fill(shape, 1);
        shape[0] = t.size(0);
        if (ts == null) {
            return deviceTable(arr, t.device()).indexSelect(0, t).reshape(shape);
        }
        float[] v = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            v[i] = (float) arr[(int) ts[i]];
        }
        return NDArray.of(v, shape);
    }

    /**
     * A schedule (double[], rounded to float32 as {@link #extract} rounds each element) or the timestep map (int[],
     * as I64) on {@code device}: gathering from it by t gives what extracting on the host and uploading would, with
     * no transfer per call.
     */
    private NDArray deviceTable(Object values, Device device) {
        return deviceTables.computeIfAbsent(values, k -> Collections.synchronizedMap(new java.util.HashMap<>()))
                .computeIfAbsent(device, d -> {
                    NDArray host;
                    if (values instanceof double[] a) {
                        float[] f = new float[a.length];
                        for (int i = 0; i < a.length; i++) {
                            f[i] = (float) a[i];
                        }
                        host = NDArray.of(f, f.length);
                    } else {
                        host = NDArray.of(Arrays.stream((int[]) values).asLongStream().toArray(),
                                ((int[]) values).length);
                    }
                    return host.to(d);
                });
    }

    /**
     * The values of t [N] after checking dtype, rank, batch size (if {@code batch} >= 0) and range; null for t on a
     * device, whose range is checked there and reported at the next read (reading t back would make the host wait
     * for the device at every step).
     */
    long[] checkTimesteps(String op, NDArray t, int batch) {
        if (t.rank() != 1 || (t.dtype() != DType.I64 && t.dtype() != DType.I32)) {
            throw new IllegalArgumentException(op + ": timesteps must be an integer (I64/I32) vector [N], got "
                    + t.dtype() + " " + Arrays.toString(t.shape()));
        }
        if (batch >= 0 && t.size(0) != batch) {
            throw new IllegalArgumentException(op + ": " + t.size(0) + " timesteps for a batch of " + batch);
        }
        if (t.device().type() != Device.Type.CPU) {
            t.checkRange(0, numTimesteps(), v -> op + ": timestep " + v + " out of range [0, " + numTimesteps()
                    + ")");
            return null;
        }
        long[] ts = t.toLongArray();
        for (long v : ts) {
            if (v < 0 || v >= numTimesteps()) {
                throw new IllegalArgumentException(op + ": timestep " + v + " out of range [0, " + numTimesteps()
                        + ") in " + Arrays.toString(ts));
            }
        }
        return ts;
    }

    private void checkOutput(String op, Tensor out, Tensor x) {
        int[] expected = x.shape().clone();
        if (varType.learned()) {
            if (x.rank() < 2) {
                throw new IllegalArgumentException(op + ": a learned variance needs states [N, C, ...], got "
                        + Arrays.toString(x.shape()));
            }
            expected[1] *= 2;
        }
        if (!Arrays.equals(out.shape(), expected)) {
            throw new IllegalArgumentException(op + ": the model output must be " + Arrays.toString(expected)
                    + (varType.learned() ? " (2C channels: the mean, then the " + varType + " variance)" : "")
                    + " for states " + Arrays.toString(x.shape()) + ", got " + Arrays.toString(out.shape()));
        }
    }

    private static void checkSame(String op, String what, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": " + what + " must have the state's shape "
                    + Arrays.toString(a.shape()) + ", got " + Arrays.toString(b.shape()));
        }
    }
}
