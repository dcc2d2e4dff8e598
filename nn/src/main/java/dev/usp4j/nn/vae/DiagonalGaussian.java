package dev.usp4j.nn.vae;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;

/**
 * The VAE posterior q(z|x), diffusers' {@code DiagonalGaussianDistribution}: the encoder's moments [N, 2C, H, W]
 * split along channels into mean and logvar [N, C, H, W], logvar clamped to [−30, 20], std = exp(logvar/2),
 * var = exp(logvar). Everything is a differentiable {@link Tensor}, so a loss on a sample or on {@link #kl()}
 * trains the encoder (the sample's noise is a constant). A deterministic posterior has std = var = 0, so its samples
 * are the mean and its KL and NLL are 0, as in diffusers.
 */
public final class DiagonalGaussian {
    static final double LOGVAR_MIN = -30.0;
    static final double LOGVAR_MAX = 20.0;
    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private final Tensor moments;
    private final Tensor mean;
    private final Tensor logvar;
    private final Tensor std;
    private final Tensor var;
    private final boolean deterministic;

    public DiagonalGaussian(Tensor moments) {
        this(moments, false);
    }

    public DiagonalGaussian(Tensor moments, boolean deterministic) {
        if (moments.rank() < 2 || moments.size(1) % 2 != 0) {
            throw new IllegalArgumentException("DiagonalGaussian: moments must be [N, 2C, ...] (mean and logvar"
                    + " stacked on dim 1), got " + Arrays.toString(moments.shape()));
        }
        int c = moments.size(1) / 2;
        this.moments = moments;
        this.deterministic = deterministic;
        this.mean = moments.narrow(1, 0, c);
        this.logvar = moments.narrow(1, c, c).clamp(LOGVAR_MIN, LOGVAR_MAX);
        if (deterministic) {
            this.std = Tensor.of(NDArray.zeros(mean.dtype(), mean.shape()).to(mean.device()));
            this.var = std;
        } else {
            this.std = logvar.mul(0.5).exp();
            this.var = logvar.exp();
        }
    }

    /** The encoder's output this posterior was made from, [N, 2C, ...]. */
    public Tensor moments() {
        return moments;
    }

    public Tensor mean() {
        return mean;
    }

    /** The clamped log-variance. */
    public Tensor logvar() {
        return logvar;
    }

    public Tensor std() {
        return std;
    }

    public Tensor var() {
        return var;
    }

    public boolean deterministic() {
        return deterministic;
    }

    /** The latent shape [N, C, ...]. */
    public int[] shape() {
        return mean.shape();
    }

    /** mean + std·ε with ε ~ N(0, 1) drawn from {@code gen}. */
    public Tensor sample(Generator gen) {
        return sample(NDArray.randn(gen, mean.device(), mean.shape()));
    }

    /** A sample with the default generator. */
    public Tensor sample() {
        return sample(Generator.defaultGenerator());
    }

    /** mean + std·noise for a given standard-normal {@code noise} of the latent shape. */
    public Tensor sample(NDArray noise) {
        if (!Arrays.equals(noise.shape(), mean.shape())) {
            throw new IllegalArgumentException("DiagonalGaussian.sample: noise must have the latent shape "
                    + Arrays.toString(mean.shape()) + ", got " + Arrays.toString(noise.shape()));
        }
        return mean.add(std.mul(Tensor.of(noise.to(mean.dtype()).to(mean.device()))));
    }

    /** The mode, which is the mean. */
    public Tensor mode() {
        return mean;
    }

    /** KL(q ‖ N(0, I)) per sample, [N]: ½·Σ(mean² + var − 1 − logvar) over every non-batch dim. */
    public Tensor kl() {
        if (deterministic) {
            return zerosPerSample();
        }
        return mean.square().add(var).sub(1.0).sub(logvar).sum(nonBatchDims()).mul(0.5);
    }

    /** KL(q ‖ other) per sample, [N]: ½·Σ((mean − m')²/var' + var/var' − 1 − logvar + logvar'). */
    public Tensor kl(DiagonalGaussian other) {
        if (!Arrays.equals(other.shape(), shape())) {
            throw new IllegalArgumentException("DiagonalGaussian.kl: shapes differ, " + Arrays.toString(shape())
                    + " vs " + Arrays.toString(other.shape()));
        }
        if (deterministic) {
            return zerosPerSample();
        }
        return mean.sub(other.mean).square().div(other.var).add(var.div(other.var)).sub(1.0).sub(logvar)
                .add(other.logvar).sum(nonBatchDims()).mul(0.5);
    }

    /** Negative log-likelihood of {@code x} per sample, [N]: ½·Σ(log 2π + logvar + (x − mean)²/var). */
    public Tensor nll(Tensor x) {
        return nll(x, nonBatchDims());
    }

    /** Negative log-likelihood of {@code x} summed over {@code dims}. */
    public Tensor nll(Tensor x, int... dims) {
        if (deterministic) {
            return zerosPerSample();
        }
        return logvar.add(LOG_2PI).add(x.sub(mean).square().div(var)).sum(dims).mul(0.5);
    }

    private int[] nonBatchDims() {
        int[] dims = new int[mean.rank() - 1];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i + 1;
        }
        return dims;
    }

    private Tensor zerosPerSample() {
        return Tensor.of(NDArray.zeros(mean.dtype(), mean.size(0)).to(mean.device()));
    }
}
