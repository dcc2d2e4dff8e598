package dev.usp4j.nn;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;

/**
 * Batch normalisation of [N, C] or [N, C, L] inputs per channel (nn.BatchNorm1d), composed from differentiable
 * tensor ops. In training (or whenever running statistics are not tracked) it normalises with the batch mean and
 * the biased batch variance over N (and L), and updates the buffers {@code running_mean}, {@code running_var}
 * (with the unbiased variance) and {@code num_batches_tracked} (I64, 0-d) as PyTorch does: r ← (1 − f)·r + f·batch
 * with f = momentum, or f = 1/num_batches_tracked (a cumulative average) when momentum is null. In eval mode it uses
 * the running statistics. Weight and bias [C] (1 and 0) when affine; MAE's linear probe uses
 * BatchNorm1d(D, affine=False, eps=1e-6).
 */
public final class BatchNorm1d extends UnaryModule {
    public final Tensor weight;
    public final Tensor bias;
    private final int features;
    private final double eps;
    private final Double momentum;
    private final boolean track;

    /** eps 1e-5, momentum 0.1, affine, tracking running statistics (PyTorch's defaults). */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    /** PyTorch's argument list; a null momentum means a cumulative moving average. */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        if (numFeatures <= 0) {
            throw new IllegalArgumentException("BatchNorm1d: num_features must be positive, got " + numFeatures);
        }
        if (momentum != null && !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm1d: momentum must be in [0, 1] or null, got " + momentum);
        }
        this.features = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.track = trackRunningStats;
        this.weight = affine ? registerParameter("weight", NDArray.ones(numFeatures)) : null;
        this.bias = affine ? registerParameter("bias", NDArray.zeros(numFeatures)) : null;
        if (trackRunningStats) {
            registerBuffer("running_mean", NDArray.zeros(numFeatures), true);
            registerBuffer("running_var", NDArray.ones(numFeatures), true);
            registerBuffer("num_batches_tracked", NDArray.zeros(DType.I64), true);
        }
    }

    public int numFeatures() {
        return features;
    }

    /** The running mean, or null when statistics are not tracked. */
    public NDArray runningMean() {
        return track ? buffer("running_mean") : null;
    }

    /** The running (unbiased) variance, or null when statistics are not tracked. */
    public NDArray runningVar() {
        return track ? buffer("running_var") : null;
    }

    /** Batches seen in training, or -1 when statistics are not tracked. */
    public long numBatchesTracked() {
        return track ? (long) buffer("num_batches_tracked").item() : -1;
    }

    @Override
    public Tensor forward(Tensor x) {
        int r = x.rank();
        if ((r != 2 && r != 3) || x.size(1) != features) {
            throw new IllegalArgumentException("BatchNorm1d(" + features + "): expects an input of shape [N, "
                    + features + "] or [N, " + features + ", L], got " + Arrays.toString(x.shape()));
        }
        // Per-channel [C] values broadcast against [N, C] or [N, C, L].
        int[] perChannel = r == 2 ? new int[] {features} : new int[] {features, 1};
        Tensor y;
        if (isTraining() || !track) {
            int[] dims = r == 2 ? new int[] {0} : new int[] {0, 2};
            int n = x.numel() / features;
            if (n <= 1) {
                throw new IllegalArgumentException("BatchNorm1d: expected more than 1 value per channel when"
                        + " training, got input of shape " + Arrays.toString(x.shape()));
            }
            Tensor mean = x.mean(dims, true);
            Tensor var = x.var(dims, 0, true);
            y = x.sub(mean).mul(var.add(eps).rsqrt());
            if (isTraining() && track) {
                update(mean.data(), var.data(), n);
            }
        } else {
            NDArray invStd = buffer("running_var").add(eps).rsqrt().reshape(perChannel);
            y = x.sub(Tensor.of(buffer("running_mean").reshape(perChannel))).mul(Tensor.of(invStd));
        }
        if (weight != null) {
            y = y.mul(weight.reshape(perChannel)).add(bias.reshape(perChannel));
        }
        return y;
    }

    /** The running-statistics update from the batch mean and biased variance of n values per channel. */
    private void update(NDArray mean, NDArray biasedVar, int n) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            NDArray count = buffer("num_batches_tracked");
            count.addInPlace(1);
            double f = momentum == null ? 1.0 / count.item() : momentum;
            NDArray unbiased = biasedVar.reshape(features).mul((double) n / (n - 1));
            buffer("running_mean").mulInPlace(1 - f).addInPlace(mean.reshape(features).mul(f));
            buffer("running_var").mulInPlace(1 - f).addInPlace(unbiased.mul(f));
        }
    }

    @Override
    protected String extraRepr() {
        return features + ", eps=" + PyRepr.of(eps) + ", momentum=" + (momentum == null ? "None"
                : PyRepr.of(momentum)) + ", affine=" + PyRepr.of(weight != null) + ", track_running_stats="
                + PyRepr.of(track);
    }
}
