package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.Tensor;
import java.util.Arrays;

/**
 * DiT's adaptive-LayerNorm conditioning: {@link #modulate} shifts and scales normalised tokens per sample,
 * x·(1 + scale) + shift with scale and shift [N, D] broadcast over the T tokens of x [N, T, D], and
 * {@link #gate} multiplies a branch by its per-sample gate before the residual add.
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

    private static void check(Tensor x, Tensor c, String what) {
        if (x.rank() != 3 || c.rank() != 2 || c.size(0) != x.size(0) || c.size(1) != x.size(2)) {
            throw new IllegalArgumentException("adaLN modulation: tokens [N, T, D] and " + what + " [N, D] expected,"
                    + " got " + Arrays.toString(x.shape()) + " and " + Arrays.toString(c.shape()));
        }
    }
}
