package dev.usp4j.diffusion.transport;

/**
 * How the SDE sampler covers the final stretch [1 − last_step_size, 1] where the score blows up: a noiseless step
 * along the SDE drift ("Mean", USP's default), Tweedie's denoising formula, a probability-flow Euler step, or none.
 */
public enum LastStep {
    MEAN("Mean"),
    TWEEDIE("Tweedie"),
    EULER("Euler"),
    NONE("None");

    private final String label;

    LastStep(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The last step named {@code name} (case-insensitive); null or "None" is no last step. */
    public static LastStep parse(String name) {
        return name == null ? NONE : Labels.parse(values(), LastStep::label, name, "last step");
    }
}
