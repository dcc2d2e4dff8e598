package dev.usp4j.diffusion.transport;

/**
 * The SDE integrators of SiT's {@code integrators.sde}: Euler–Maruyama (USP's evaluation setting) and Heun (noise
 * first, then a trapezoid on the drift; two network evaluations per step).
 */
public enum SdeMethod {
    EULER("Euler"),
    HEUN("Heun");

    private final String label;

    SdeMethod(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The method named {@code name} (case-insensitive: "Euler" or "Heun"). */
    public static SdeMethod parse(String name) {
        return Labels.parse(values(), SdeMethod::label, name, "SDE method");
    }
}
