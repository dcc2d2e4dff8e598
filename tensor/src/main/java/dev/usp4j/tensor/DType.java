package dev.usp4j.tensor;

/**
 * The element types an {@link NDArray} can hold.
 *
 * <p>{@link #F32} is the compute type: every floating-point kernel reads and writes float32. {@link #BF16} and
 * {@link #F16} are storage types (checkpoints, caches, halving memory); ops given them compute in float32 and return
 * float32, and {@link NDArray#to(DType)} converts back. {@link #I32} and {@link #I64} hold indices, labels and counts;
 * {@link #BOOL} holds masks. The names are the ones safetensors uses.
 */
public enum DType {
    F32(4, "F32", "float32"),
    BF16(2, "BF16", "bfloat16"),
    F16(2, "F16", "float16"),
    I32(4, "I32", "int32"),
    I64(8, "I64", "int64"),
    BOOL(1, "BOOL", "bool");

    private final int byteSize;
    private final String safetensorsName;
    private final String torchName;

    DType(int byteSize, String safetensorsName, String torchName) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.torchName = torchName;
    }

    /** Bytes per element in storage. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype string of the safetensors header ("F32", "BF16", ...). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The PyTorch spelling ("float32", ...), used in messages. */
    public String torchName() {
        return torchName;
    }

    /** True for F32, BF16 and F16. */
    public boolean isFloating() {
        return this == F32 || this == BF16 || this == F16;
    }

    /** True for I32 and I64. */
    public boolean isInteger() {
        return this == I32 || this == I64;
    }

    /** Looks a dtype up by its safetensors name; null when unknown. */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * The dtype an arithmetic op on {@code a} and {@code b} computes in, following PyTorch's category rule
     * (bool &lt; integer &lt; floating): any floating operand gives F32 (our compute type), else the wider integer.
     * Returns BOOL only for two BOOL operands.
     */
    public static DType promote(DType a, DType b) {
        if (a.isFloating() || b.isFloating()) {
            return F32;
        }
        if (a == I64 || b == I64) {
            return I64;
        }
        if (a == I32 || b == I32) {
            return I32;
        }
        return BOOL;
    }
}
