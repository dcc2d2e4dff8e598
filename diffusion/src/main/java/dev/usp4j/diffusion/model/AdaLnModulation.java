package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.Functional;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.LayerNorm;
import java.util.Arrays;

/**
 * DiT's adaptive-LayerNorm conditioning: {@link #modulate} shifts and scales normalised tokens per sample,
 * x·(1 + scale) + shift with scale and shift [N, D] broadcast over the T tokens of x [N, T, D], and
 * {@link #gate} multiplies a branch by its per-sample gate before the residual add. The blocks use the fused forms,
 * {@link #normModulate} (modulate of a LayerNorm) and {@link #gatedResidual} (x + gate·branch): the same values in
 * one pass each, storing less for the backward.
 */
public final class AdaLnModulation {
    private AdaLnModulation() {
    }

    /** x [N, T, D] · (1 + scale[N, D]) + shift[N, D]. */
    public static Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        check(x, shift, "shift");
        check(x, scale, "scale");
        return x.mul(scale.unsqueeze(1).add(1)).add(shift.unsqueeze(1));
    }

    /** gate[N, D] · branch [N, T, D]. */
    public static Tensor gate(Tensor branch, Tensor gate) {
        check(branch, gate, "gate");
        return gate.unsqueeze(1).mul(branch);
    }

    /** modulate(norm(x), shift, scale) in one op, with the LayerNorm's own weight, bias and eps. */
    public static Tensor normModulate(LayerNorm norm, Tensor x, Tensor shift, Tensor scale) {
        int[] ns = norm.normalizedShape();
        if (ns.length != 1 || x.rank() != 3 || x.size(2) != ns[0]) {
            throw new IllegalArgumentException("adaLN modulation: LayerNorm over " + Arrays.toString(ns)
                    + " cannot normalise tokens of shape " + Arrays.toString(x.shape()) + " ([N, T, D] expected)");
        }
        check(x, shift, "shift");
        check(x, scale, "scale");
        return Functional.layerNormModulate(x, norm.weight, norm.bias, shift, scale, norm.eps());
    }

    /** x + gate[N, D]·branch [N, T, D] in one op. */
    public static Tensor gatedResidual(Tensor x, Tensor branch, Tensor gate) {
        check(branch, gate, "gate");
        return Functional.gatedAdd(x, branch, gate);
    }

    private static void check(Tensor x, Tensor c, String what) {
        if (x.rank() != 3 || c.rank() != 2 || c.size(0) != x.size(0) || c.size(1) != x.size(2)) {
            throw new IllegalArgumentException("adaLN modulation: tokens [N, T, D] and " + what + " [N, D] expected,"
                    + " got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(c.shape()));
        }
    }
}
