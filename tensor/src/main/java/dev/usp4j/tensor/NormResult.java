package dev.usp4j.tensor;

/**
 * A normalisation's output with the per-row (LayerNorm) or per-group (GroupNorm) mean and reciprocal standard
 * deviation it used, which the backward pass needs.
 */
public record NormResult(NDArray out, NDArray mean, NDArray rstd) {
}
