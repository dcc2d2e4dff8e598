package dev.usp4j.diffusion.transport;

/**
 * What the network predicts along a transport path (SiT's {@code ModelType}): the velocity u_t (USP's default), the
 * noise x₀, or the score ∇ log p_t. It decides the training target and how the samplers turn the output into a
 * drift and a score.
 */
public enum Prediction {
    VELOCITY("velocity"),
    NOISE("noise"),
    SCORE("score");

    private final String label;

    Prediction(String label) {
        this.label = label;
    }

    /** The name SiT's {@code --prediction} flag uses. */
    public String label() {
        return label;
    }

    /** The prediction named {@code name} (case-insensitive). */
    public static Prediction parse(String name) {
        return Labels.parse(values(), Prediction::label, name, "prediction");
    }
}
