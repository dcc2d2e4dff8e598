package dev.usp4j.tensor;

/**
 * The output of fused scaled-dot-product attention with the per-query-row log-sum-exp of the scaled scores
 * (shaped like the output without its last dim), from which the backward pass recomputes the attention
 * probabilities instead of storing them.
 */
public record AttentionResult(NDArray out, NDArray logsumexp) {
}
