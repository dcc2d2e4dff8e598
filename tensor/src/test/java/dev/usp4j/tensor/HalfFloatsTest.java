package dev.usp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** bfloat16 and float16 conversions: exact round trips, ties to even, overflow, NaN. */
class HalfFloatsTest {

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 lies exactly between two bf16 values (1 and 1 + 2^-7): ties go to the even one, 1.
        assertEquals(1.0f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1 + 0x1p-8f)));
        // 1 + 3·2^-8 lies between 1 + 2^-7 (odd) and 1 + 2^-6 (even): goes up.
        assertEquals(1 + 0x1p-6f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1 + 3 * 0x1p-8f)));
        assertEquals(1 + 0x1p-7f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1 + 0x1p-7f + 0x1p-12f)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.MAX_VALUE)));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.intBitsToFloat(0x7F800001)))),
                "a NaN whose payload sits in the low bits must not round to infinity");
        assertEquals(-0.0f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(-0.0f)));
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = HalfFloats.bf16ToFloat((short) bits);
            if (!Float.isNaN(f)) {
                assertEquals((short) bits, HalfFloats.floatToBf16(f), "bf16 value must survive a round trip");
            }
        }
    }

    @Test
    void f16RoundTripsAndOverflows() {
        assertEquals(65504f, HalfFloats.f16ToFloat(HalfFloats.floatToF16(65504f)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToFloat(HalfFloats.floatToF16(70000f)));
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat(HalfFloats.floatToF16(0x1p-24f)), "smallest subnormal");
        assertEquals(1.0f, HalfFloats.f16ToFloat(HalfFloats.floatToF16(1 + 0x1p-11f)), "tie to even");
    }

    @Test
    void arraysConvertThroughTo() {
        NDArray x = NDArray.of(new float[] {1.5f, -2.0f, 3.140625f});
        NDArray b = x.to(DType.BF16);
        assertEquals(DType.BF16, b.dtype());
        assertEquals(2, b.dtype().byteSize());
        // Arithmetic on storage types computes in F32.
        assertEquals(DType.F32, b.add(1).dtype());
        assertEquals(2.5, b.add(1).get(0));
    }

    @Test
    void paddingKeepsStorageDtypes() {
        NDArray b = NDArray.of(new float[] {1.5f, -2.0f, 3.140625f}, 1, 3).to(DType.BF16);
        NDArray p = Functional.pad(b, new int[] {1, 2}, PadMode.REFLECT, 0);
        assertEquals(DType.BF16, p.dtype());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {-2.0f, 1.5f, -2.0f, 3.140625f, -2.0f, 1.5f},
                p.toFloatArray());
        assertEquals(DType.F16, Functional.pad(b.to(DType.F16), new int[] {1, 1}, PadMode.CONSTANT, 7).dtype());
    }
}
