package dev.usp4j.nn.optim;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Gradient clipping by total norm, as torch.nn.utils.clip_grad_norm_ (PyTorch 1.13): the norm of all gradients
 * taken together (the norm of the per-gradient norms), and when max_norm / (total + 1e-6) is below 1 every gradient
 * is multiplied by it in place. Parameters without a gradient are skipped. The scalar arithmetic is float, as
 * torch's on float 0-d tensors.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** Clips by the total 2-norm; returns the total norm before clipping. */
    public static double clipGradNorm(Collection<Tensor> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0, false);
    }

    /**
     * Clips by the total norm of type 2 or {@link Double#POSITIVE_INFINITY} (max |g|); returns it. With
     * {@code errorIfNonfinite} a NaN or infinite total throws and nothing is scaled; otherwise the gradients are
     * scaled by the NaN coefficient as torch does.
     */
    public static double clipGradNorm(Collection<Tensor> params, double maxNorm, double normType,
                                      boolean errorIfNonfinite) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("clip_grad_norm_: max_norm must be >= 0, got " + maxNorm);
        }
        boolean inf = normType == Double.POSITIVE_INFINITY;
        if (!inf && normType != 2.0) {
            throw new IllegalArgumentException("clip_grad_norm_: norm_type must be 2 or infinity, got " + normType);
        }
        List<NDArray> grads = new ArrayList<>();
        for (Tensor p : params) {
            if (p.grad() != null) {
                grads.add(p.grad());
            }
        }
        if (grads.isEmpty()) {
            return 0.0;
        }
        float total = inf ? maxAbs(grads) : twoNorm(grads);
        if (errorIfNonfinite && !Float.isFinite(total)) {
            throw new IllegalStateException("clip_grad_norm_: the total norm of order " + normType + " of the"
                    + " gradients of " + grads.size() + " parameters is non-finite (" + total + ")");
        }
        // torch: max_norm / (total + 1e-6) is reciprocal(total + 1e-6) · max_norm, then clamped to at most 1.
        float coef = (1f / (total + 1e-6f)) * (float) maxNorm;
        if (!(coef >= 1f)) {
            for (NDArray g : grads) {
                g.mulInPlace(coef);
            }
        }
        return total;
    }

    private static float twoNorm(List<NDArray> grads) {
        double[] sq = perGradient(grads, g -> g.mul(g).sum(), (a, g) -> UpdateKernels.sumSquares(a, g.offset(),
                g.numel()));
        double sum = 0;
        for (double v : sq) {
            float n = (float) Math.sqrt(v);
            sum += (double) n * n;
        }
        return (float) Math.sqrt(sum);
    }

    private static float maxAbs(List<NDArray> grads) {
        List<NDArray> nonEmpty = grads.stream().filter(g -> g.numel() > 0).toList();
        float max = Float.NEGATIVE_INFINITY;
        for (double v : perGradient(nonEmpty, g -> g.abs().max(), null)) {
            float m = (float) v;
            max = Float.isNaN(m) || Float.isNaN(max) ? Float.NaN : Math.max(max, m);
        }
        return max == Float.NEGATIVE_INFINITY ? 0f : max;
    }

    /**
     * One statistic per gradient: from the float array where the gradient is a CPU F32 array and {@code direct} is
     * given, otherwise as a 0-d array computed where the gradient lives. The device ones are read back together,
     * in one transfer, instead of one round trip per parameter.
     */
    private static double[] perGradient(List<NDArray> grads, java.util.function.UnaryOperator<NDArray> onDevice,
                                        java.util.function.ToDoubleBiFunction<float[], NDArray> direct) {
        double[] out = new double[grads.size()];
        List<NDArray> pending = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (int i = 0; i < grads.size(); i++) {
            NDArray g = grads.get(i);
            float[] a = direct == null ? null : UpdateKernels.floats(g);
            if (a != null) {
                out[i] = direct.applyAsDouble(a, g);
            } else {
                pending.add(onDevice.apply(g).reshape(1));
                where.add(i);
            }
        }
        if (!pending.isEmpty()) {
            List<NDArray> batch = new ArrayList<>();
            Device device = null;
            for (int j = 0; j <= pending.size(); j++) {  // one read per device (all on one in practice)
                NDArray p = j < pending.size() ? pending.get(j) : null;
                if (!batch.isEmpty() && (p == null || !p.device().equals(device))) {
                    float[] v = NDArray.cat(batch, 0).toFloatArray();
                    for (int k = 0; k < v.length; k++) {
                        out[where.get(j - v.length + k)] = v[k];
                    }
                    batch.clear();
                }
                if (p != null) {
                    batch.add(p);
                    device = p.device();
                }
            }
        }
        return out;
    }
}
