package dev.usp4j.nn.losses;

/**
 * How a loss reduces its per-element values, as the {@code reduction} argument of torch.nn.functional's losses:
 * keep them ({@code NONE}), average them ({@code MEAN}; for cross-entropy the average over the targets that are not
 * ignored) or add them ({@code SUM}).
 */
public enum Reduction {
    NONE, MEAN, SUM;

    /** Parses PyTorch's spelling: "none", "mean" or "sum". */
    public static Reduction parse(String s) {
        return switch (s) {
            case "none" -> NONE;
            case "mean" -> MEAN;
            case "sum" -> SUM;
            default -> throw new IllegalArgumentException("reduction must be 'none', 'mean' or 'sum', got '" + s + "'");
        };
    }
}
