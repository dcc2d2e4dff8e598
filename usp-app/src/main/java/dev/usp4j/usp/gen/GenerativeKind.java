package dev.usp4j.usp.gen;

import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.tensor.random.Generator;

/**
 * Which generative process a network is trained and sampled with: DiT with DiT's Gaussian diffusion
 * ({@code create_diffusion} defaults: 1000 linear-β steps, ε prediction, learned-range variance, loss mse + vb), or
 * SiT with USP's transport (Linear path, velocity prediction). The kind is recorded in checkpoints so that a
 * checkpoint rebuilds the right class.
 */
public enum GenerativeKind {
    DIT("DiT"),
    SIT("SiT");

    private final String label;

    GenerativeKind(String label) {
        this.label = label;
    }

    /** "DiT" or "SiT", as stored in checkpoints. */
    public String label() {
        return label;
    }

    /** The kind of a model instance (a SiT is a DiT subclass, so the check order matters). */
    public static GenerativeKind of(DiT model) {
        return model instanceof SiT ? SIT : DIT;
    }

    /** "DiT"/"SiT" (case-insensitive) → the kind; anything else is an error listing both. */
    public static GenerativeKind parse(String s) {
        for (GenerativeKind k : values()) {
            if (k.label.equalsIgnoreCase(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("GenerativeKind: unknown model kind '" + s + "' (expected DiT or SiT)");
    }

    /** A fresh network of this kind (its weights are overwritten when loading a checkpoint). */
    public DiT build(DiTConfig config, Generator gen) {
        return this == SIT ? new SiT(config, gen) : new DiT(config, gen);
    }
}
