package dev.usp4j.tensor;

/**
 * Reductions over a set of dims, as the {@link Backend} receives them. Variance and arg-reductions have their own
 * backend methods because they return more than one number per output.
 */
public enum ReduceOp {
    SUM, MEAN,
    /** Largest value; NaN wins (torch.amax). */
    MAX,
    /** Smallest value; NaN wins (torch.amin). */
    MIN,
    PROD,
    /** log(sum(exp(x))), computed stably by subtracting the maximum. */
    LOGSUMEXP,
    /** On BOOL: any element true. */
    ANY,
    /** On BOOL: all elements true. */
    ALL
}
