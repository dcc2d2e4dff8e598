package dev.usp4j.tensor;

/**
 * Conversions between float32 and the two 16-bit float formats stored in {@code short}s: bfloat16 (float32's top
 * 16 bits) and IEEE float16. Float to 16-bit rounds to nearest even, as PyTorch's {@code .to(torch.bfloat16)}.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** The float a bfloat16 bit pattern denotes (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The nearest bfloat16 (ties to even); NaN stays a quiet NaN. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((x >>> 16) & 1);
        return (short) ((x + rounding) >>> 16);
    }

    /** The float an IEEE half bit pattern denotes (exact). */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** The nearest IEEE half (ties to even); overflow gives infinity. */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }
}
