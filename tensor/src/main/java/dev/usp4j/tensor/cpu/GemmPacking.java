package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.GemmKernel.MR;
import static dev.usp4j.tensor.cpu.GemmKernel.NR;
import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Copies blocks of A and B into the micro-panel layouts {@link GemmKernel} reads: A as [mc/MR][kc][MR] and B as
 * [nc/NR][kc][NR], zero-padded to whole panels, so the kernel never sees a stride or an edge. Packing takes any
 * element strides; the common layouts get their own loop (row-major B: vector copies; column-major B, i.e. a
 * transposed weight: 16-lane gathers; column-major A: MR contiguous floats per step), everything else a scalar loop.
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

    /** One full panel of a row-major A: MR row streams, interleaved step by step. */
    private static long rowMajorPanelA(float[] a, int base, int rs, int kc, MemorySegment dst, long o) {
        int r0 = base;
        int r1 = r0 + rs;
        int r2 = r1 + rs;
        int r3 = r2 + rs;
        int r4 = r3 + rs;
        int r5 = r4 + rs;
        for (int p = 0; p < kc; p++) {
            dst.set(FLOAT, o, a[r0 + p]);
            dst.set(FLOAT, o + 4, a[r1 + p]);
            dst.set(FLOAT, o + 8, a[r2 + p]);
            dst.set(FLOAT, o + 12, a[r3 + p]);
            dst.set(FLOAT, o + 16, a[r4 + p]);
            dst.set(FLOAT, o + 20, a[r5 + p]);
            o += 24;
        }
        return o;
    }

    /**
     * Packs B(p,j) = b[bOff + p·rs + j·cs] for p &lt; kc, j &lt; nc into {@code dst} from byte 0, as
     * ceil(nc/NR) panels of kc×NR floats. {@code index} is LANES ints of scratch for the gather path.
     */
    static void packB(float[] b, int bOff, int rs, int cs, int kc, int nc, MemorySegment dst, int[] index) {
        long o = 0;
        if (cs != 1 && rs == 1) {
            for (int j = 0; j < LANES; j++) {
                index[j] = j * cs;
            }
        }
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int base = bOff + jr * cs;
            if (cs == 1) {
                o = rowMajorPanelB(b, base, rs, kc, nr, dst, o);
            } else if (rs == 1 && nr == NR) {
                o = columnMajorPanelB(b, base, cs, kc, dst, o, index);
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = base + p * rs;
                    for (int j = 0; j < NR; j++) {
                        dst.set(FLOAT, o + 4L * j, j < nr ? b[src + j * cs] : 0f);
                    }
                    o += 4L * NR;
                }
            }
        }
    }

    private static long rowMajorPanelB(float[] b, int base, int rs, int kc, int nr, MemorySegment dst, long o) {
        if (nr == NR) {
            for (int p = 0, src = base; p < kc; p++, src += rs) {
                FloatVector.fromArray(F, b, src).intoMemorySegment(dst, o, ORDER);
                FloatVector.fromArray(F, b, src + LANES).intoMemorySegment(dst, o + 4L * LANES, ORDER);
                FloatVector.fromArray(F, b, src + 2 * LANES).intoMemorySegment(dst, o + 8L * LANES, ORDER);
                FloatVector.fromArray(F, b, src + 3 * LANES).intoMemorySegment(dst, o + 12L * LANES, ORDER);
                o += 4L * NR;
            }
            return o;
        }
        for (int p = 0, src = base; p < kc; p++, src += rs) {
            for (int v = 0; v < NR; v += LANES) {
                VectorMask<Float> m = F.indexInRange(v, nr);
                FloatVector.fromArray(F, b, src + v, m).intoMemorySegment(dst, o + 4L * v, ORDER);
            }
            o += 4L * NR;
        }
        return o;
    }

    /** A full panel of a B whose columns are contiguous (a transposed view): one gather per vector and step. */
    private static long columnMajorPanelB(float[] b, int base, int cs, int kc, MemorySegment dst, long o,
                                          int[] index) {
        int c1 = base + LANES * cs;
        int c2 = c1 + LANES * cs;
        int c3 = c2 + LANES * cs;
        for (int p = 0; p < kc; p++) {
            FloatVector.fromArray(F, b, base + p, index, 0).intoMemorySegment(dst, o, ORDER);
            FloatVector.fromArray(F, b, c1 + p, index, 0).intoMemorySegment(dst, o + 4L * LANES, ORDER);
            FloatVector.fromArray(F, b, c2 + p, index, 0).intoMemorySegment(dst, o + 8L * LANES, ORDER);
            FloatVector.fromArray(F, b, c3 + p, index, 0).intoMemorySegment(dst, o + 12L * LANES, ORDER);
            o += 4L * NR;
        }
        return o;
    }
}
