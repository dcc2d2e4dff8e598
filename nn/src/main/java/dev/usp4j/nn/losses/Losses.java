package dev.usp4j.nn.losses;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Shape;
import java.util.Arrays;

/**
 * The training losses of MAE/USP, the ViT classifiers and the SD-VAE, built from differentiable {@link Tensor} ops
 * so gradients flow to every input that requires one: mean squared error (with MAE's mean over masked patches),
 * cross-entropy with PyTorch 1.13's label smoothing, {@code ignore_index} and class-probability targets, and the KL
 * divergence of diagonal Gaussians as the latent-diffusion VAE's {@code DiagonalGaussianDistribution.kl}.
 */
public final class Losses {
    /** PyTorch's default {@code ignore_index}. */
    public static final long IGNORE_INDEX = -100;

    private Losses() {
    }

    // ---- mean squared error ----------------------------------------------------------------------------------

    /** F.mse_loss with the mean reduction. */
    public static Tensor mse(Tensor pred, Tensor target) {
        return mse(pred, target, Reduction.MEAN);
    }

    /** F.mse_loss: (pred − target)² reduced; both shapes must be equal. */
    public static Tensor mse(Tensor pred, Tensor target, Reduction reduction) {
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw new IllegalArgumentException("mse: pred " + Shape.str(pred.shape()) + " and target "
                    + Shape.str(target.shape()) + " must have the same shape");
        }
        return reduce(pred.sub(target).square(), reduction);
    }

    /**
     * MAE's masked loss: the squared error averaged over the trailing dims the mask lacks (a patch's values), then
     * Σ(loss·mask)/Σ(mask). The mask's shape is a prefix of pred's ([N, L] for pred [N, L, D]) or all of it; 1 marks
     * the elements that count (MAE: the masked patches). An all-zero mask gives NaN, as in PyTorch.
     */
    public static Tensor mse(Tensor pred, Tensor target, NDArray mask) {
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw new IllegalArgumentException("mse(mask): pred " + Shape.str(pred.shape()) + " and target "
                    + Shape.str(target.shape()) + " must have the same shape");
        }
        int[] ps = pred.shape();
        int[] ms = mask.shape();
        if (ms.length > ps.length || !Arrays.equals(ms, Arrays.copyOf(ps, ms.length))) {
            throw new IllegalArgumentException("mse(mask): the mask's shape " + Shape.str(ms) + " must be a leading"
                    + " part of pred's shape " + Shape.str(ps));
        }
        Tensor loss = pred.sub(target).square();
        if (ms.length < ps.length) {
            int[] trailing = new int[ps.length - ms.length];
            for (int i = 0; i < trailing.length; i++) {
                trailing[i] = ms.length + i;
            }
            loss = loss.mean(trailing);
        }
        NDArray m = mask.dtype() == DType.F32 ? mask : mask.to(DType.F32);
        return loss.mul(Tensor.of(m)).sum().div(Tensor.of(m.sum()));
    }

    // ---- cross-entropy --------------------------------------------------------------------------------------

    /** F.cross_entropy(logits, target) with the mean reduction, no smoothing and ignore_index −100. */
    public static Tensor crossEntropy(Tensor logits, NDArray target) {
        return crossEntropy(logits, target, Reduction.MEAN, 0.0, IGNORE_INDEX);
    }

    /** F.cross_entropy with label smoothing (ignore_index −100). */
    public static Tensor crossEntropy(Tensor logits, NDArray target, Reduction reduction, double labelSmoothing) {
        return crossEntropy(logits, target, reduction, labelSmoothing, IGNORE_INDEX);
    }

    /**
     * F.cross_entropy of logits [N, C] or [N, C, d...] (classes on dim 1) and integer class targets [N] or
     * [N, d...], as PyTorch 1.13: with smoothing ε the loss of a target is (1 − ε)·(−log p_y) + ε·mean_c(−log p_c);
     * targets equal to {@code ignoreIndex} contribute 0 and the mean divides by the number of the others (NaN when
     * every target is ignored). NONE returns the per-target losses.
     */
    public static Tensor crossEntropy(Tensor logits, NDArray target, Reduction reduction, double labelSmoothing,
                                      long ignoreIndex) {
        checkLogits("cross_entropy", logits, labelSmoothing);
        if (!target.dtype().isInteger()) {
            throw new IllegalArgumentException("cross_entropy: class targets must be integers, got " + target.dtype()
                    + " (for class probabilities use crossEntropyProbs)");
        }
        int[] ls = logits.shape();
        int[] expected = withoutClassDim(ls);
        if (!Arrays.equals(target.shape(), expected)) {
            throw new IllegalArgumentException("cross_entropy: logits " + Shape.str(ls) + " need targets of shape "
                    + Shape.str(expected) + ", got " + Shape.str(target.shape()));
        }
        int classes = ls[1];
        NDArray ignored = target.eq(ignoreIndex);
        NDArray safe = target.maskedFill(ignored, 0);
        if (safe.numel() > 0 && (safe.min().item() < 0 || safe.max().item() >= classes)) {
            throw new IllegalArgumentException("cross_entropy: targets must lie in [0, " + classes + ") or equal"
                    + " ignore_index " + ignoreIndex + ", got values in [" + (long) safe.min().item() + ", "
                    + (long) safe.max().item() + "]");
        }
        double kept = target.numel() - ignored.sum().item();
        if (ls.length == 2) {
            return reduceKept(dev.usp4j.autograd.Functional.softmaxCrossEntropy(logits, target, ignoreIndex,
                    labelSmoothing), reduction, kept);
        }
        Tensor logp = logits.logSoftmax(1);
        Tensor nll = logp.gather(1, safe.unsqueeze(1)).squeeze(1).neg().maskedFill(ignored, 0);
        Tensor smooth = labelSmoothing == 0 ? null : logp.sum(1).neg().maskedFill(ignored, 0);
        Tensor nllRed = reduceKept(nll, reduction, kept);
        if (smooth == null) {
            return nllRed;
        }
        return nllRed.mul(1 - labelSmoothing).add(reduceKept(smooth, reduction, kept).mul(labelSmoothing / classes));
    }

    /**
     * F.cross_entropy with class probabilities as targets (same shape as the logits, e.g. mixup's soft labels):
     * −Σ_c t_c·log p_c per target, where smoothing ε first turns t into (1 − ε)·t + ε/C; MEAN divides by the number
     * of targets (N·d...).
     */
    public static Tensor crossEntropyProbs(Tensor logits, Tensor probs, Reduction reduction, double labelSmoothing) {
        checkLogits("cross_entropy(probs)", logits, labelSmoothing);
        if (!Arrays.equals(logits.shape(), probs.shape())) {
            throw new IllegalArgumentException("cross_entropy(probs): logits " + Shape.str(logits.shape())
                    + " and probability targets " + Shape.str(probs.shape()) + " must have the same shape");
        }
        Tensor t = probs;
        if (labelSmoothing != 0) {
            t = t.mul(1 - labelSmoothing).add(labelSmoothing / logits.size(1));
        }
        return reduce(logits.logSoftmax(1).mul(t).sum(1).neg(), reduction);
    }

    private static void checkLogits(String op, Tensor logits, double labelSmoothing) {
        if (logits.rank() < 2) {
            throw new IllegalArgumentException(op + ": logits must be [N, C] or [N, C, d...], got "
                    + Shape.str(logits.shape()));
        }
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException(op + ": label_smoothing must be in [0, 1], got " + labelSmoothing);
        }
    }

    private static int[] withoutClassDim(int[] s) {
        int[] r = new int[s.length - 1];
        r[0] = s[0];
        System.arraycopy(s, 2, r, 1, s.length - 2);
        return r;
    }

    private static Tensor reduceKept(Tensor loss, Reduction reduction, double kept) {
        return switch (reduction) {
            case NONE -> loss;
            case SUM -> loss.sum();
            case MEAN -> loss.sum().div(kept);
        };
    }

    private static Tensor reduce(Tensor loss, Reduction reduction) {
        return switch (reduction) {
            case NONE -> loss;
            case SUM -> loss.sum();
            case MEAN -> loss.mean();
        };
    }

    // ---- KL divergence of diagonal Gaussians ---------------------------------------------------------------

    /**
     * KL(N(mean, exp(logvar)) ‖ N(0, I)) per sample: 0.5·Σ(mean² + var − 1 − logvar) over every dim but the first
     * (the SD-VAE's {@code DiagonalGaussianDistribution.kl()}); returns [N].
     */
    public static Tensor gaussianKl(Tensor mean, Tensor logvar) {
        checkSame("gaussian_kl", mean, logvar, "logvar");
        Tensor t = mean.square().add(logvar.exp()).sub(1.0).sub(logvar);
        return t.sum(nonBatchDims(t)).mul(0.5);
    }

    /**
     * KL(N(mean, var) ‖ N(mean2, var2)) per sample: 0.5·Σ((mean − mean2)²/var2 + var/var2 − 1 − logvar + logvar2)
     * over every dim but the first ({@code DiagonalGaussianDistribution.kl(other)}); returns [N].
     */
    public static Tensor gaussianKl(Tensor mean, Tensor logvar, Tensor mean2, Tensor logvar2) {
        checkSame("gaussian_kl", mean, logvar, "logvar");
        checkSame("gaussian_kl", mean, mean2, "other mean");
        checkSame("gaussian_kl", mean, logvar2, "other logvar");
        Tensor var2 = logvar2.exp();
        Tensor t = mean.sub(mean2).square().div(var2).add(logvar.exp().div(var2)).sub(1.0).sub(logvar).add(logvar2);
        return t.sum(nonBatchDims(t)).mul(0.5);
    }

    private static void checkSame(String op, Tensor mean, Tensor other, String what) {
        if (mean.rank() < 2) {
            throw new IllegalArgumentException(op + ": mean must have a batch dim and at least one more, got "
                    + Shape.str(mean.shape()));
        }
        if (!Arrays.equals(mean.shape(), other.shape())) {
            throw new IllegalArgumentException(op + ": mean " + Shape.str(mean.shape()) + " and " + what + " "
                    + Shape.str(other.shape()) + " must have the same shape");
        }
    }

    private static int[] nonBatchDims(Tensor t) {
        int[] dims = new int[t.rank() - 1];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i + 1;
        }
        return dims;
    }
}
