package dev.usp4j.diffusion.transport;

/**
 * The ODE solvers the transport's ODE sampler offers, named as torchdiffeq names them: fixed-grid Euler, Heun
 * ("heun2", also accepted as "heun"), midpoint and RK4 (torchdiffeq's 3/8-rule variant), and the adaptive
 * Dormand–Prince 5(4) "dopri5" that SiT uses by default.
 */
public enum OdeMethod {
    EULER("euler", 1),
    HEUN2("heun2", 2),
    MIDPOINT("midpoint", 2),
    RK4("rk4", 4),
    DOPRI5("dopri5", 6);

    private final String label;
    private final int stages;

    OdeMethod(String label, int stages) {
        this.label = label;
        this.stages = stages;
    }

    public String label() {
        return label;
    }

    /** Network evaluations per step (for dopri5 per attempted step, the first-same-as-last stage reused). */
    public int stages() {
        return stages;
    }

    /** The method named {@code name} (case-insensitive; "heun" is heun2). */
    public static OdeMethod parse(String name) {
        return Labels.parse(values(), OdeMethod::label, "heun".equalsIgnoreCase(name) ? HEUN2.label : name,
                "ODE method (or heun)");
    }
}
