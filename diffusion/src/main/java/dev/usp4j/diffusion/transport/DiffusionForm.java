package dev.usp4j.diffusion.transport;

/**
 * The shape w(t) of the SDE sampler's diffusion coefficient, dx = [v + w(t)·s] dt + √(2·w(t)) dW, as SiT's
 * {@code compute_diffusion} names them. The default of USP's evaluation is {@link #SIGMA} (w = σ_t).
 */
public enum DiffusionForm {
    /** w = norm. */
    CONSTANT("constant"),
    /** w = norm · drift variance (score-based diffusion's own choice; (1 − t)/t on the Linear path). */
    SBDM("SBDM"),
    /** w = norm · σ_t. */
    SIGMA("sigma"),
    /** w = norm · (1 − t). */
    LINEAR("linear"),
    /** w = ¼(norm · cos(πt) + 1)²: the norm sits inside the square, as in the original. */
    DECREASING("decreasing"),
    /** w = norm · sin²(πt). */
    INCREASING_DECREASING("increasing-decreasing");

    private final String label;

    DiffusionForm(String label) {
        this.label = label;
    }

    /** The name SiT's command line and code use. */
    public String label() {
        return label;
    }

    /**
     * The form named {@code name} (case-insensitive). The original spells the last one "inccreasing-decreasing";
     * that spelling is accepted too so its configs still parse.
     */
    public static DiffusionForm parse(String name) {
        // the original's spelling of the last form, so its configs still parse
        String n = "inccreasing-decreasing".equalsIgnoreCase(name) ? INCREASING_DECREASING.label : name;
        return Labels.parse(values(), DiffusionForm::label, n, "diffusion form");
    }
}
