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
        for (SdeMethod m : values()) {
            if (m.label.equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("SdeMethod: unknown SDE method '" + name + "', expected Euler or Heun");
    }
}
