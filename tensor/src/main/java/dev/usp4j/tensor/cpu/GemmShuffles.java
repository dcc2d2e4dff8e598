package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/**
 * In-register transposes used by {@link GemmPacking} for the two layouts that would otherwise need one scalar
 * load and store per element: a row-major A (six rows interleaved into [p][6]) and a column-major B (a transposed
 * weight, sixteen columns into [p][16]). Both are built from two-source lane selections ({@code selectFrom(v1,
 * v2)}, one {@code vpermi2ps} each), with the lane indices held in constant vectors. Measured: row-major A 0.43 →
 * 0.11 ns per element, column-major B 2.2 ns (16-lane gathers) → 0.35 ns.
 *
 * <p>Only valid for 16-lane vectors; callers check {@link #AVAILABLE} and fall back to scalar packing otherwise.
 */
final class GemmShuffles {
    /** True when the species has the 16 lanes these index patterns are written for. */
    static final boolean AVAILABLE = LANES == 16;

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    // 16x16 transpose: stage k swaps bit k of the row index with bit k of the lane index. For a pair of rows
    // (r, r + 2^k), LOW_k builds the new row r and HIGH_k the new row r + 2^k.
    private static final FloatVector LOW0 = transposeIndex(0, false);
    private static final FloatVector LOW1 = transposeIndex(1, false);
    private static final FloatVector LOW2 = transposeIndex(2, false);
    private static final FloatVector LOW3 = transposeIndex(3, false);
    private static final FloatVector HIGH0 = transposeIndex(0, true);
    private static final FloatVector HIGH1 = transposeIndex(1, true);
    private static final FloatVector HIGH2 = transposeIndex(2, true);
    private static final FloatVector HIGH3 = transposeIndex(3, true);

    // Six rows into [p][6]: rows are first interleaved in pairs (PAIR_LO for steps 0-7, PAIR_HI for 8-15), then
    // each output vector q takes pairs (0,1) and (2,3) with SIX_Aq and adds pair (4,5) with SIX_Bq.
    private static final FloatVector PAIR_LO = pairIndex(0);
    private static final FloatVector PAIR_HI = pairIndex(8);
    private static final FloatVector SIX_A0 = sixIndex(0, false);
    private static final FloatVector SIX_A1 = sixIndex(1, false);
    private static final FloatVector SIX_A2 = sixIndex(2, false);
    private static final FloatVector SIX_B0 = sixIndex(0, true);
    private static final FloatVector SIX_B1 = sixIndex(1, true);
    private static final FloatVector SIX_B2 = sixIndex(2, true);

    private GemmShuffles() {
    }

    private static FloatVector transposeIndex(int k, boolean high) {
        float[] idx = new float[LANES];
        int bit = 1 << k;
        for (int c = 0; c < LANES; c++) {
            if (!high) {
                idx[c] = (c & bit) == 0 ? c : LANES + c - bit;
            } else {
                idx[c] = (c & bit) == 0 ? c + bit : LANES + c;
            }
        }
        return FloatVector.fromArray(F, idx, 0);
    }

    private static FloatVector pairIndex(int first) {
        float[] idx = new float[LANES];
        for (int c = 0; c < LANES; c++) {
            idx[c] = (c % 2 == 0 ? 0 : LANES) + first + c / 2;
        }
        return FloatVector.fromArray(F, idx, 0);
    }

    private static FloatVector sixIndex(int q, boolean second) {
        float[] idx = new float[LANES];
        for (int l = 0; l < LANES; l++) {
            int f = LANES * q + l;
            int p = f / 6;
            int i = f % 6;
            if (!second) {
                idx[l] = i < 2 ? 2 * p + i : i < 4 ? LANES + 2 * p + i - 2 : 0;
            } else {
                idx[l] = i < 4 ? l : LANES + 2 * p + i - 4;
            }
        }
        return FloatVector.fromArray(F, idx, 0);
    }

    /**
     * Packs 16 steps of six rows of a row-major A, rows at a[r0 + p], a[r0 + rs + p], ..., into 96 floats
     * [p][6] at byte {@code o} of dst.
     */
    static void sixRows(float[] a, int r0, int rs, MemorySegment dst, long o) {
        FloatVector x0 = FloatVector.fromArray(F, a, r0);
        FloatVector x1 = FloatVector.fromArray(F, a, r0 + rs);
        FloatVector x2 = FloatVector.fromArray(F, a, r0 + 2 * rs);
        FloatVector x3 = FloatVector.fromArray(F, a, r0 + 3 * rs);
        FloatVector x4 = FloatVector.fromArray(F, a, r0 + 4 * rs);
        FloatVector x5 = FloatVector.fromArray(F, a, r0 + 5 * rs);
        FloatVector z01 = PAIR_LO.selectFrom(x0, x1);
        FloatVector z23 = PAIR_LO.selectFrom(x2, x3);
        FloatVector z45 = PAIR_LO.selectFrom(x4, x5);
        SIX_B0.selectFrom(SIX_A0.selectFrom(z01, z23), z45).intoMemorySegment(dst, o, ORDER);
        SIX_B1.selectFrom(SIX_A1.selectFrom(z01, z23), z45).intoMemorySegment(dst, o + 64, ORDER);
        SIX_B2.selectFrom(SIX_A2.selectFrom(z01, z23), z45).intoMemorySegment(dst, o + 128, ORDER);
        z01 = PAIR_HI.selectFrom(x0, x1);
        z23 = PAIR_HI.selectFrom(x2, x3);
        z45 = PAIR_HI.selectFrom(x4, x5);
        SIX_B0.selectFrom(SIX_A0.selectFrom(z01, z23), z45).intoMemorySegment(dst, o + 192, ORDER);
        SIX_B1.selectFrom(SIX_A1.selectFrom(z01, z23), z45).intoMemorySegment(dst, o + 256, ORDER);
        SIX_B2.selectFrom(SIX_A2.selectFrom(z01, z23), z45).intoMemorySegment(dst, o + 320, ORDER);
    }

    /**
     * Transposes a 16×16 block: column j (j &lt; 16) of B at b[c0 + j·cs + 0..15] (16 steps p) becomes row p of
     * the packed panel, 16 floats at byte o + p·rowBytes of dst.
     */
    static void sixteenColumns(float[] b, int c0, int cs, MemorySegment dst, long o, long rowBytes) {
        FloatVector x0 = FloatVector.fromArray(F, b, c0);
        FloatVector x1 = FloatVector.fromArray(F, b, c0 + cs);
        FloatVector x2 = FloatVector.fromArray(F, b, c0 + 2 * cs);
        FloatVector x3 = FloatVector.fromArray(F, b, c0 + 3 * cs);
        FloatVector x4 = FloatVector.fromArray(F, b, c0 + 4 * cs);
        FloatVector x5 = FloatVector.fromArray(F, b, c0 + 5 * cs);
        FloatVector x6 = FloatVector.fromArray(F, b, c0 + 6 * cs);
        FloatVector x7 = FloatVector.fromArray(F, b, c0 + 7 * cs);
        FloatVector x8 = FloatVector.fromArray(F, b, c0 + 8 * cs);
        FloatVector x9 = FloatVector.fromArray(F, b, c0 + 9 * cs);
        FloatVector x10 = FloatVector.fromArray(F, b, c0 + 10 * cs);
        FloatVector x11 = FloatVector.fromArray(F, b, c0 + 11 * cs);
        FloatVector x12 = FloatVector.fromArray(F, b, c0 + 12 * cs);
        FloatVector x13 = FloatVector.fromArray(F, b, c0 + 13 * cs);
        FloatVector x14 = FloatVector.fromArray(F, b, c0 + 14 * cs);
        FloatVector x15 = FloatVector.fromArray(F, b, c0 + 15 * cs);
        FloatVector y0 = LOW0.selectFrom(x0, x1);
        FloatVector y1 = HIGH0.selectFrom(x0, x1);
        FloatVector y2 = LOW0.selectFrom(x2, x3);
        FloatVector y3 = HIGH0.selectFrom(x2, x3);
        FloatVector y4 = LOW0.selectFrom(x4, x5);
        FloatVector y5 = HIGH0.selectFrom(x4, x5);
        FloatVector y6 = LOW0.selectFrom(x6, x7);
        FloatVector y7 = HIGH0.selectFrom(x6, x7);
        FloatVector y8 = LOW0.selectFrom(x8, x9);
        FloatVector y9 = HIGH0.selectFrom(x8, x9);
        FloatVector y10 = LOW0.selectFrom(x10, x11);
        FloatVector y11 = HIGH0.selectFrom(x10, x11);
        FloatVector y12 = LOW0.selectFrom(x12, x13);
        FloatVector y13 = HIGH0.selectFrom(x12, x13);
        FloatVector y14 = LOW0.selectFrom(x14, x15);
        FloatVector y15 = HIGH0.selectFrom(x14, x15);
        x0 = LOW1.selectFrom(y0, y2);
        x2 = HIGH1.selectFrom(y0, y2);
        x1 = LOW1.selectFrom(y1, y3);
        x3 = HIGH1.selectFrom(y1, y3);
        x4 = LOW1.selectFrom(y4, y6);
        x6 = HIGH1.selectFrom(y4, y6);
        x5 = LOW1.selectFrom(y5, y7);
        x7 = HIGH1.selectFrom(y5, y7);
        x8 = LOW1.selectFrom(y8, y10);
        x10 = HIGH1.selectFrom(y8, y10);
        x9 = LOW1.selectFrom(y9, y11);
        x11 = HIGH1.selectFrom(y9, y11);
        x12 = LOW1.selectFrom(y12, y14);
        x14 = HIGH1.selectFrom(y12, y14);
        x13 = LOW1.selectFrom(y13, y15);
        x15 = HIGH1.selectFrom(y13, y15);
        y0 = LOW2.selectFrom(x0, x4);
        y4 = HIGH2.selectFrom(x0, x4);
        y1 = LOW2.selectFrom(x1, x5);
        y5 = HIGH2.selectFrom(x1, x5);
        y2 = LOW2.selectFrom(x2, x6);
        y6 = HIGH2.selectFrom(x2, x6);
        y3 = LOW2.selectFrom(x3, x7);
        y7 = HIGH2.selectFrom(x3, x7);
        y8 = LOW2.selectFrom(x8, x12);
        y12 = HIGH2.selectFrom(x8, x12);
        y9 = LOW2.selectFrom(x9, x13);
        y13 = HIGH2.selectFrom(x9, x13);
        y10 = LOW2.selectFrom(x10, x14);
        y14 = HIGH2.selectFrom(x10, x14);
        y11 = LOW2.selectFrom(x11, x15);
        y15 = HIGH2.selectFrom(x11, x15);
        LOW3.selectFrom(y0, y8).intoMemorySegment(dst, o, ORDER);
        LOW3.selectFrom(y1, y9).intoMemorySegment(dst, o + rowBytes, ORDER);
        LOW3.selectFrom(y2, y10).intoMemorySegment(dst, o + 2 * rowBytes, ORDER);
        LOW3.selectFrom(y3, y11).intoMemorySegment(dst, o + 3 * rowBytes, ORDER);
        LOW3.selectFrom(y4, y12).intoMemorySegment(dst, o + 4 * rowBytes, ORDER);
        LOW3.selectFrom(y5, y13).intoMemorySegment(dst, o + 5 * rowBytes, ORDER);
        LOW3.selectFrom(y6, y14).intoMemorySegment(dst, o + 6 * rowBytes, ORDER);
        LOW3.selectFrom(y7, y15).intoMemorySegment(dst, o + 7 * rowBytes, ORDER);
        HIGH3.selectFrom(y0, y8).intoMemorySegment(dst, o + 8 * rowBytes, ORDER);
        HIGH3.selectFrom(y1, y9).intoMemorySegment(dst, o + 9 * rowBytes, ORDER);
        HIGH3.selectFrom(y2, y10).intoMemorySegment(dst, o + 10 * rowBytes, ORDER);
        HIGH3.selectFrom(y3, y11).intoMemorySegment(dst, o + 11 * rowBytes, ORDER);
        HIGH3.selectFrom(y4, y12).intoMemorySegment(dst, o + 12 * rowBytes, ORDER);
        HIGH3.selectFrom(y5, y13).intoMemorySegment(dst, o + 13 * rowBytes, ORDER);
        HIGH3.selectFrom(y6, y14).intoMemorySegment(dst, o + 14 * rowBytes, ORDER);
        HIGH3.selectFrom(y7, y15).intoMemorySegment(dst, o + 15 * rowBytes, ORDER);
    }
}
