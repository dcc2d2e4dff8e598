package dev.usp4j.diffusion.transport;

/**
 * The per-sample weight of the noise and score losses (SiT's {@code WeightType}): none (1), "velocity"
 * ((drift_var/σ_t)²) or "likelihood" (drift_var/σ_t²). The velocity loss is never weighted.
 */
public enum LossWeight {
    NONE("none"),
    VELOCITY("velocity"),
    LIKELIHOOD("likelihood");

    private final String label;

    LossWeight(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The weight named {@code name} (case-insensitive); null means none, as SiT's {@code --loss-weight} default. */
    public static LossWeight parse(String name) {
        return name == null ? NONE : Labels.parse(values(), LossWeight::label, name, "loss weight (or null)");
    }
}
