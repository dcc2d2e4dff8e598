package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.GemmKernel.MR;
import static dev.usp4j.tensor.cpu.GemmKernel.NR;
import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/**
 * Copies blocks of A and B into the micro-panel layouts {@link GemmKernel} reads: A as [mc/MR][kc][MR] and B as
 * [nc/NR][kc][NR], zero-padded to whole panels, so the kernel never sees a stride or an edge. Packing takes any
 * element strides; the common layouts get their own loop (row-major A and column-major B, i.e. a transposed
 * weight: register transposes from {@link GemmShuffles}; row-major B: vector copies; column-major A: MR contiguous
 * floats per step), everything else a scalar loop.
 */
final class GemmPacking {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private GemmPacking() {
    }

    /**
     * Packs A(i,p) = a[aOff + i·rs + p·cs] for i &lt; mc, p &lt; kc into {@code dst} from byte 0, as ceil(mc/MR)
     * panels of kc×MR floats.
     */
    static void packA(float[] a, int aOff, int rs, int cs, int mc, int kc, MemorySegment dst) {
        long o = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = aOff + ir * rs;
            if (mr == MR && cs == 1) {
                o = rowMajorPanelA(a, base, rs, kc, dst, o);
            } else if (mr == MR && rs == 1) {
                for (int p = 0, src = base; p < kc; p++, src += cs) {
                    for (int i = 0; i < MR; i++) {
                        dst.set(FLOAT, o + 4L * i, a[src + i]);
                    }
                    o += 4L * MR;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = base + p * cs;
                    for (int i = 0; i < MR; i++) {
                        dst.set(FLOAT, o + 4L * i, i < mr ? a[src + i * rs] : 0f);
                    }
                    o += 4L * MR;
                }
            }
        }
    }

    /** One full panel of a row-major A: MR row streams, interleaved step by step (16 steps at a time). */
    private static long rowMajorPanelA(float[] a, int base, int rs, int kc, MemorySegment dst, long o) {
        int p = 0;
        if (GemmShuffles.AVAILABLE && MR == 6) {
            for (; p + 16 <= kc; p += 16) {
                GemmShuffles.sixRows(a, base + p, rs, dst, o);
                o += 4L * 16 * MR;
            }
        }
        for (; p < kc; p++) {
            for (int i = 0; i < MR; i++) {
                dst.set(FLOAT, o + 4L * i, a[base + i * rs + p]);
            }
            o += 4L * MR;
        }
        return o;
    }

    /**
     * Packs B(p,j) = b[bOff + p·rs + j·cs] for p &lt; kc, j &lt; nc into {@code dst} from byte 0, as
     * ceil(nc/NR) panels of kc×NR floats.
     */
    static void packB(float[] b, int bOff, int rs, int cs, int kc, int nc, MemorySegment dst) {
        int full = nc - nc % NR;
        if (cs == 1) {
            rowMajorPanelsB(b, bOff, rs, kc, full, dst);
        } else if (rs == 1 && GemmShuffles.AVAILABLE) {
            for (int jr = 0; jr < full; jr += NR) {
                columnMajorPanelB(b, bOff + jr * cs, cs, kc, dst, 4L * jr * kc);
            }
        } else {
            for (int jr = 0; jr < full; jr += NR) {
                stridedPanelB(b, bOff + jr * cs, rs, cs, kc, NR, dst, 4L * jr * kc);
            }
        }
        if (full < nc) {
            stridedPanelB(b, bOff + full * cs, rs, cs, kc, nc - full, dst, 4L * full * kc);
        }
    }

    /**
     * All full panels of a row-major B, row by row: each row of B is read once, front to back, and its NR-wide
     * pieces go to consecutive panels (faster than panel by panel, which walks B with a large stride).
     */
    private static void rowMajorPanelsB(float[] b, int bOff, int rs, int kc, int full, MemorySegment dst) {
        long panelBytes = 4L * NR * kc;
        for (int p = 0; p < kc; p++) {
            int src = bOff + p * rs;
            long o = 4L * NR * p;
            for (int jr = 0; jr < full; jr += NR, o += panelBytes) {
                FloatVector.fromArray(F, b, src + jr).intoMemorySegment(dst, o, ORDER);
                FloatVector.fromArray(F, b, src + jr + LANES).intoMemorySegment(dst, o + 4L * LANES, ORDER);
                FloatVector.fromArray(F, b, src + jr + 2 * LANES).intoMemorySegment(dst, o + 8L * LANES, ORDER);
                FloatVector.fromArray(F, b, src + jr + 3 * LANES).intoMemorySegment(dst, o + 12L * LANES, ORDER);
            }
        }
    }

    /** A full panel of a B whose columns are contiguous (a transposed view): 16×16 register transposes. */
    private static void columnMajorPanelB(float[] b, int base, int cs, int kc, MemorySegment dst, long o) {
        int p = 0;
        for (; p + 16 <= kc; p += 16) {
            for (int v = 0; v < NR; v += 16) {
                GemmShuffles.sixteenColumns(b, base + v * cs + p, cs, dst, o + 4L * (p * NR + v), 4L * NR);
            }
        }
        for (; p < kc; p++) {
            for (int j = 0; j < NR; j++) {
                dst.set(FLOAT, o + 4L * (p * NR + j), b[base + j * cs + p]);
            }
        }
    }

    /** One panel of nr &lt;= NR columns with any strides, zero-padded to NR. */
    private static void stridedPanelB(float[] b, int base, int rs, int cs, int kc, int nr, MemorySegment dst,
                                      long o) {
        for (int p = 0; p < kc; p++) {
            int src = base + p * rs;
            for (int j = 0; j < NR; j++) {
                dst.set(FLOAT, o + 4L * j, j < nr ? b[src + j * cs] : 0f);
            }
            o += 4L * NR;
        }
    }
}
