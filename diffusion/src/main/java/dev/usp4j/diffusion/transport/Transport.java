package dev.usp4j.diffusion.transport;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.sampling.ModelFn;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * SiT's transport ({@code transport/transport.py}): a path, what the network predicts and how the loss is weighted,
 * with the time interval rules, the training loss, and the drift and score the ODE and SDE samplers integrate.
 * {@link #usp()} is the configuration USP trains and samples with (Linear path, velocity, no weight).
 */
public final class Transport {
    private final TransportPath path;
    private final Prediction prediction;
    private final LossWeight lossWeight;
    private final double trainEps;
    private final double sampleEps;

    public Transport(TransportPath path, Prediction prediction, LossWeight lossWeight, double trainEps,
                     double sampleEps) {
        this.path = Objects.requireNonNull(path, "path");
        this.prediction = Objects.requireNonNull(prediction, "prediction");
        this.lossWeight = Objects.requireNonNull(lossWeight, "lossWeight");
        checkEps("train_eps", trainEps);
        checkEps("sample_eps", sampleEps);
        this.trainEps = trainEps;
        this.sampleEps = sampleEps;
    }

    /**
     * SiT's {@code create_transport}: path "Linear"/"GVP"/"VP", prediction "velocity"/"noise"/"score", loss weight
     * null/"velocity"/"likelihood"; a null eps takes the default (VP: train 1e-5, sample 1e-3; Linear/GVP with
     * noise or score: 1e-3 both; Linear/GVP with velocity: 0, whatever was passed, since it is stable everywhere).
     * The sample eps default follows upstream's fixed line, not USP's older copy that left it null.
     */
    public static Transport create(String pathType, String prediction, String lossWeight, Double trainEps,
                                   Double sampleEps) {
        TransportPath path = TransportPath.of(pathType);
        Prediction p = Prediction.parse(prediction);
        LossWeight w = LossWeight.parse(lossWeight);
        double te;
        double se;
        if (path instanceof VpPath) {
            te = trainEps == null ? 1e-5 : trainEps;
            se = sampleEps == null ? 1e-3 : sampleEps;
        } else if (p != Prediction.VELOCITY) {
            te = trainEps == null ? 1e-3 : trainEps;
            se = sampleEps == null ? 1e-3 : sampleEps;
        } else {
            te = 0;
            se = 0;
        }
        return new Transport(path, p, w, te, se);
    }

    /** USP's transport: Linear path, velocity prediction, unweighted loss, eps 0. */
    public static Transport usp() {
        return create("Linear", "velocity", null, null, null);
    }

    public TransportPath path() {
        return path;
    }

    public Prediction prediction() {
        return prediction;
    }

    public LossWeight lossWeight() {
        return lossWeight;
    }

    public double trainEps() {
        return trainEps;
    }

    public double sampleEps() {
        return sampleEps;
    }

    /**
     * The time interval {t0, t1} (check_interval). VP: t0 = 0 and t1 = 1 − eps, or 1 − lastStepSize for an SDE
     * with a last step. Linear/GVP with a noise/score network or any SDE: t0 = eps when the network is not a
     * velocity or the SDE's form is SBDM (both blow up at t = 0), else 0; t1 as for VP. Linear/GVP velocity ODE:
     * [0, 1]. eps is the sample eps when {@code eval}, else the train eps; {@code reverse} maps t to 1 − t.
     */
    public double[] checkInterval(boolean sde, boolean eval, boolean reverse, DiffusionForm form,
                                  double lastStepSize) {
        if (!(lastStepSize >= 0 && lastStepSize < 1)) {
            throw new IllegalArgumentException("Transport.checkInterval: last_step_size must be in [0, 1), got "
                    + lastStepSize);
        }
        double t0 = 0;
        double t1 = 1;
        double eps = eval ? sampleEps : trainEps;
        boolean velocity = prediction == Prediction.VELOCITY;
        if (path instanceof VpPath) {
            t1 = !sde || lastStepSize == 0 ? 1 - eps : 1 - lastStepSize;
        } else if (!velocity || sde) {
            // a semi-implicit first step would be needed at t = 0 where noise/score targets and SBDM diverge
            t0 = (form == DiffusionForm.SBDM && sde) || !velocity ? eps : 0;
            t1 = !sde || lastStepSize == 0 ? 1 - eps : 1 - lastStepSize;
        }
        if (reverse) {
            t0 = 1 - t0;
            t1 = 1 - t1;
        }
        return new double[] {t0, t1};
    }

    /** The training interval (check_interval with the train eps, no SDE). */
    public double[] trainInterval() {
        return checkInterval(false, false, false, DiffusionForm.SBDM, 0);
    }

    /** t ~ U[t0, t1] per sample in float32, as the original: rand(N)·(t1 − t0) + t0. */
    public NDArray sampleTime(Generator gen, int n) {
        return sampleTime(gen, n, dev.usp4j.tensor.Device.CPU);
    }

    /** As {@link #sampleTime(Generator, int)}, made on {@code device}. */
    public NDArray sampleTime(Generator gen, int n, dev.usp4j.tensor.Device device) {
        double[] iv = trainInterval();
        return NDArray.rand(gen, device, n).mul(iv[1] - iv[0]).add(iv[0]);
    }

    /** Noise and times for data {@code x1} [N, …]: x0 ~ N(0, I) drawn first, then t (the original's order). */
    public TrainingDraw sample(NDArray x1, Generator gen) {
        if (x1.rank() < 2) {
            throw new IllegalArgumentException("Transport.sample: x1 must be [N, ...] with at least one"
                    + " feature dimension, got " + Arrays.toString(x1.shape()));
        }
        NDArray x0 = NDArray.randn(gen, x1.device(), x1.shape());
        return new TrainingDraw(sampleTime(gen, x1.size(0), x1.device()), x0);
    }

    /**
     * The per-sample training loss [N] for data {@code x1} [N, …] with noise and times from {@link #sample}, then
     * {@link #trainingLosses(BiFunction, NDArray, NDArray, NDArray)}.
     */
    public Tensor trainingLosses(BiFunction<Tensor, NDArray, Tensor> model, NDArray x1, Generator gen) {
        TrainingDraw d = sample(x1, gen);
        return trainingLosses(model, x1, d.t(), d.x0());
    }

    /**
     * The per-sample loss [N] at given times {@code t} [N] and noise {@code x0}: the network (a differentiable
     * function of (x_t, t)) sees x_t, and its output is compared with u_t (velocity), x0 (noise) or −x0/σ_t
     * (score, as (ŝ·σ_t + x0)²), weighted per {@link LossWeight} and averaged over all but the batch dimension.
     */
    public Tensor trainingLosses(BiFunction<Tensor, NDArray, Tensor> model, NDArray x1, NDArray t, NDArray x0) {
        if (!Arrays.equals(x0.shape(), x1.shape()) || x1.rank() < 2) {
            throw new IllegalArgumentException("Transport.trainingLosses: x0 and x1 must share one shape [N, ...],"
                    + " got x0 " + Arrays.toString(x0.shape()) + " and x1 " + Arrays.toString(x1.shape()));
        }
        if (t.rank() != 1 || t.size(0) != x1.size(0)) {
            throw new IllegalArgumentException("Transport.trainingLosses: t must be [N] = [" + x1.size(0) + "], got "
                    + Arrays.toString(t.shape()));
        }
        // SiT's own case, the linear path learning the velocity, needs no coefficient evaluated in double: on a
        // device it is computed there, and t is not read back.
        LinearPath onDevice = path instanceof LinearPath lp && prediction == Prediction.VELOCITY
                && t.device().type() != dev.usp4j.tensor.Device.Type.CPU && t.dtype() == dev.usp4j.tensor.DType.F32
                ? lp : null;
        double[] ts = onDevice != null ? null : TransportPath.times("trainingLosses", t);
        NDArray xt = onDevice != null ? onDevice.computeXt(t, x0, x1) : path.computeXt(ts, x0, x1);
        Tensor out = model.apply(Tensor.of(xt), t);
        if (!Arrays.equals(out.shape(), xt.shape())) {
            throw new IllegalArgumentException("Transport.trainingLosses: the model output "
                    + Arrays.toString(out.shape()) + " must have the shape of x_t " + Arrays.toString(xt.shape()));
        }
        int[] featureDims = new int[xt.rank() - 1];
        for (int d = 1; d < xt.rank(); d++) {
            featureDims[d - 1] = d;
        }
        if (prediction == Prediction.VELOCITY) {
            NDArray ut = onDevice != null ? onDevice.computeUt(x0, x1) : path.computeUt(ts, x0, x1);
            return out.sub(Tensor.of(ut)).square().mean(featureDims);
        }
        Tensor err = prediction == Prediction.NOISE
                ? out.sub(Tensor.of(x0))
                : out.mul(Tensor.of(TransportPath.perSample("trainingLosses", ts, xt, path::sigma)))
                        .add(Tensor.of(x0));
        Tensor sq = err.square();
        if (lossWeight != LossWeight.NONE) {
            NDArray w = TransportPath.perSample("trainingLosses", ts, xt, s -> weight(s));
            sq = sq.mul(Tensor.of(w));
        }
        return sq.mean(featureDims);
    }

    /** The loss weight at t, in double: (drift_var/σ)² or drift_var/σ². */
    double weight(double t) {
        double dv = path.driftVar(t);
        double s = path.sigma(t);
        return switch (lossWeight) {
            case NONE -> 1;
            case VELOCITY -> (dv / s) * (dv / s);
            case LIKELIHOOD -> dv / (s * s);
        };
    }

    /**
     * The probability-flow drift from a network output {@code out} at (x, t) (get_drift): the output itself for a
     * velocity network; c·x + drift_var·s for a score network, with s = −ε̂/σ_t for a noise network.
     */
    public NDArray driftFromOutput(NDArray out, NDArray x, NDArray t) {
        checkOutput("drift", out, x);
        if (prediction == Prediction.VELOCITY) {  // no coefficients: t is not read back from a device
            TransportPath.checkTimes("drift", t);
            return out;
        }
        double[] ts = TransportPath.times("drift", t);
        NDArray score = scoreFromOutput(out, x, t);
        return TransportPath.perSample("drift", ts, x, path::driftVar).mul(score).sub(path.driftMean(x, ts));
    }

    /** The score ∇ log p_t(x) from a network output (get_score). */
    public NDArray scoreFromOutput(NDArray out, NDArray x, NDArray t) {
        checkOutput("score", out, x);
        double[] ts = TransportPath.times("score", t);
        return switch (prediction) {
            case SCORE -> out;
            case NOISE -> out.div(TransportPath.perSample("score", ts, x, path::sigma)).neg();
            case VELOCITY -> path.scoreFromVelocity(out, x, ts);
        };
    }

    /** The network's drift as a function of (x, t). */
    public ModelFn drift(ModelFn model) {
        return (x, t) -> driftFromOutput(model.apply(x, t), x, t);
    }

    /** The network's score as a function of (x, t). */
    public ModelFn score(ModelFn model) {
        return (x, t) -> scoreFromOutput(model.apply(x, t), x, t);
    }

    @Override
    public String toString() {
        return "Transport(" + path.name() + ", " + prediction.label() + ", weight " + lossWeight.label()
                + ", train_eps " + trainEps + ", sample_eps " + sampleEps + ")";
    }

    private static void checkOutput(String op, NDArray out, NDArray x) {
        if (!Arrays.equals(out.shape(), x.shape())) {
            throw new IllegalArgumentException("Transport." + op + ": the network output "
                    + Arrays.toString(out.shape()) + " must have the state's shape " + Arrays.toString(x.shape()));
        }
    }

    private static void checkEps(String name, double eps) {
        if (!(eps >= 0 && eps < 0.5)) {
            throw new IllegalArgumentException("Transport: " + name + " must be in [0, 0.5), got " + eps);
        }
    }
}
