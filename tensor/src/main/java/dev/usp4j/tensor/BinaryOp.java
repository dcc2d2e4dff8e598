package dev.usp4j.tensor;

/**
 * Elementwise ops of two (broadcast) operands, as the {@link Backend} receives them. The logical ops take and give
 * BOOL; the others compute in the promoted dtype ({@link DType#promote}).
 */
public enum BinaryOp {
    ADD, SUB, MUL,
    /** True division; integer operands give F32, as in PyTorch. */
    DIV,
    POW,
    /** NaN-propagating, as torch.maximum. */
    MAXIMUM,
    /** NaN-propagating, as torch.minimum. */
    MINIMUM,
    /** Python-style modulo: the result has the divisor's sign (torch.remainder). */
    REMAINDER,
    /** floor(a / b) (torch.floor_divide). */
    FLOOR_DIVIDE,
    LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR;

    /** True for the ops on BOOL operands. */
    public boolean isLogical() {
        return this == LOGICAL_AND || this == LOGICAL_OR || this == LOGICAL_XOR;
    }
}
