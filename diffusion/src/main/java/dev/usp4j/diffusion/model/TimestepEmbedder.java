package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.Sequential;
import dev.usp4j.nn.SiLU;
import dev.usp4j.nn.SinCosEmbeddings;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;

/**
 * DiT's {@code t_embedder}: N timesteps → the 256-dim sinusoidal embedding (cos block first, usp-spec §3.1, via
 * {@link SinCosEmbeddings#timestep}) → {@code mlp.0} Linear(256, D) → SiLU → {@code mlp.2} Linear(D, D). DiT feeds
 * integer steps 0…999, SiT the continuous t ∈ [0, 1] as it is (not scaled to 1000). No gradient flows to t.
 */
public final class TimestepEmbedder extends Module {
    /** DiT's {@code frequency_embedding_size}. */
    public static final int FREQUENCY_EMBEDDING_SIZE = 256;

    public final Sequential mlp;
    private final int hidden;

    public TimestepEmbedder(int hiddenSize) {
        this.hidden = hiddenSize;
        this.mlp = registerModule("mlp", new Sequential(new Linear(FREQUENCY_EMBEDDING_SIZE, hiddenSize), new SiLU(),
                new Linear(hiddenSize, hiddenSize)));
    }

    /** {@code mlp.0}. */
    public Linear fc1() {
        return (Linear) mlp.get(0);
    }

    /** {@code mlp.2}. */
    public Linear fc2() {
        return (Linear) mlp.get(2);
    }

    /** [N] timesteps (any numeric dtype, fractional allowed) → [N, D] in the parameters' dtype and device. */
    public Tensor forward(NDArray t) {
        if (t.rank() != 1) {
            throw new IllegalArgumentException("TimestepEmbedder(hidden " + hidden + "): expects a 1-D array of N"
                    + " timesteps, got shape " + Arrays.toString(t.shape()));
        }
        Tensor w = fc1().weight;
        NDArray freq = SinCosEmbeddings.timestep(t, FREQUENCY_EMBEDDING_SIZE).to(w.dtype()).to(w.device());
        return mlp.forward(Tensor.of(freq));
    }
}
