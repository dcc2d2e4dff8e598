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
    LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR,
    /** aten::tanh_backward(g, y) = g·(1 − y²), y the forward output tanh(x). */
    TANH_BACKWARD,
    /** aten::sigmoid_backward(g, y) = g·y·(1 − y), y the forward output sigmoid(x). */
    SIGMOID_BACKWARD,
    /** aten::silu_backward(g, x) = g·s·(1 + x·(1 − s)), s = sigmoid(x), x the forward input. */
    SILU_BACKWARD,
    /** aten::gelu_backward(g, x) = g·(Φ(x) + x·φ(x)), x the forward input (exact GELU). */
    GELU_BACKWARD,
    /** aten::gelu_backward(g, x, approximate="tanh"): the derivative of the tanh form of GELU times g. */
    GELU_TANH_BACKWARD;

    /** True for the ops on BOOL operands. */
    public boolean isLogical() {
        return this == LOGICAL_AND || this == LOGICAL_OR || this == LOGICAL_XOR;
    }

    /**
     * True for the fused activation derivatives, whose first operand is the output gradient and whose second is
     * the forward's output (tanh, sigmoid) or input (silu, gelu); they are defined for floating operands only.
     */
    public boolean isActivationBackward() {
        return this == TANH_BACKWARD || this == SIGMOID_BACKWARD || this == SILU_BACKWARD || this == GELU_BACKWARD
                || this == GELU_TANH_BACKWARD;
    }
}
