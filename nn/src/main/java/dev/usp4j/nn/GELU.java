package dev.usp4j.nn;

import dev.usp4j.autograd.Tensor;

/**
 * The Gaussian error linear unit as a module (nn.GELU): exact, x·Φ(x) with the erf (MAE/ViT blocks), or the tanh
 * approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) that DiT's MLPs use ({@code approximate='tanh'}).
 */
public final class GELU extends UnaryModule {
    private final boolean tanh;

    /** The exact GELU. */
    public GELU() {
        this(false);
    }

    public GELU(boolean tanhApproximation) {
        this.tanh = tanhApproximation;
    }

    /** PyTorch's spelling: {@code "none"} or {@code "tanh"}. */
    public GELU(String approximate) {
        this(switch (approximate) {
            case "none" -> false;
            case "tanh" -> true;
            default -> throw new IllegalArgumentException("GELU: approximate must be 'none' or 'tanh', got '"
                    + approximate + "'");
        });
    }

    public boolean isTanhApproximation() {
        return tanh;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.gelu(tanh);
    }

    @Override
    protected String extraRepr() {
        return "approximate='" + (tanh ? "tanh" : "none") + "'";
    }
}
