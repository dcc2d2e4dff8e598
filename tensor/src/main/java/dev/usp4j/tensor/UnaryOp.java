package dev.usp4j.tensor;

/**
 * Elementwise ops of one operand, as the {@link Backend} receives them. Two float parameters ride along for the ops
 * that need them ({@link #CLAMP}: min, max; {@link #POW_SCALAR}: exponent); the others ignore them.
 */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, SIN, COS, TANH, ERF, SIGMOID, SILU,
    /** GELU with the exact erf formula, x·Φ(x). */
    GELU,
    /** GELU's tanh approximation, as {@code approximate="tanh"} in PyTorch. */
    GELU_TANH,
    RELU, SQUARE, RECIPROCAL, FLOOR, CEIL,
    /** Round half to even, as torch.round. */
    ROUND,
    SIGN, LOG1P, EXPM1,
    /** min(max(x, p0), p1); NaN stays NaN. */
    CLAMP,
    /** x to the power p0. */
    POW_SCALAR,
    /** On BOOL only. */
    LOGICAL_NOT;

    /** True for ops defined on integer dtypes as well as F32. */
    public boolean acceptsIntegers() {
        return switch (this) {
            case NEG, ABS, SQUARE, SIGN, RELU, CLAMP -> true;
            default -> false;
        };
    }
}
