package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.GemmKernel.MR;
import static dev.usp4j.tensor.cpu.GemmKernel.NR;
import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies blocks of A and B into the micro-panel layouts {@link GemmKernel} reads: A as [mc/MR][kc][MR] and B as
 * [nc/NR][kc][NR], zero-padded to whole panels, so the kernel never sees a stride or an edge. Packing takes any
 * element strides; the common layouts get their own loop (row-major A and column-major B, i.e. a transposed
 * weight: register transposes from {@link GemmShuffles}; row-major B: vector copies; column-major A: one short
 * vector per step), everything else a scalar loop.
 */
final class GemmPacking {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** LANES shorts (half of F's width) and LANES ints (F's width): bf16 bits widened lane for lane. */
    private static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    private GemmPacking() {
    }

    /**
     * Packs A(i,p) = a[aOff + i·rs + p·cs] for i &lt; mc, p &lt; kc into {@code dst} from byte 0, as ceil(mc/MR)
     * panels of kc×MR floats.
     */
    static void packA(float[] a, int aOff, int rs, int cs, int mc, int kc, MemorySegment dst) {
        int full = mc - mc % MR;
        long o = 0;
        if (rs == 1 && cs != 1) {
            columnMajorPanelsA(a, aOff, cs, full, kc, dst);
            o = 4L * full * kc;
        } else {
            for (int ir = 0; ir < full; ir += MR) {
                int base = aOff + ir * rs;
                if (cs == 1) {
                    o = rowMajorPanelA(a, base, rs, kc, dst, o);
                } else {
                    o = stridedPanelA(a, base, rs, cs, MR, kc, dst, o);
                }
            }
        }
        if (full < mc) {
            stridedPanelA(a, aOff + full * rs, rs, cs, mc - full, kc, dst, o);
        }
    }

    /** One panel of mr &lt;= MR rows with any strides, zero-padded to MR rows. */
    private static long stridedPanelA(float[] a, int base, int rs, int cs, int mr, int kc, MemorySegment dst,
                                      long o) {
        for (int p = 0; p < kc; p++) {
            int src = base + p * cs;
            for (int i = 0; i < MR; i++) {
                dst.set(FLOAT, o + 4L * i, i < mr ? a[src + i * rs] : 0f);
            }
            o += 4L * MR;
        }
        return o;
    }

    /**
     * All full panels of a column-major A (a transposed view, as in dW = dYᵀ·X), step by step across the panels:
     * step p of every panel comes from one contiguous stretch of A (its p-th column), so A is read front to back
     * instead of panel by panel with a stride of cs floats per step. Four columns are read side by side, four
     * streams the prefetchers follow (one at a time, each stretch of a few hundred floats started cold: the dW
     * products ran 5–10% slower), and their four steps go to each panel as one 96-byte run. Each MR-float piece is
     * copied as one whole vector of the preferred species whose extra lanes spill into the next two steps of the
     * same panel, overwritten by the stores that follow (masked stores, which write only MR lanes, made this twice
     * as slow); the last steps, whose spill would reach the next panel, and any window crossing the end of the array
     * go element by element. Not a narrower species (an 8-float vector had done it): that makes the JDK's shared
     * call-site profiles of {@code fromArray}/{@code intoMemorySegment} bimorphic, and C2 then boxes the vectors —
     * heap-allocating one per load — of unrelated kernels compiled afterwards (the packing of B and attention's
     * softmax allocated ~1.7 GB a MAE step; bench/RESULTS.md, eleventh session).
     */
    private static void columnMajorPanelsA(float[] a, int aOff, int cs, int full, int kc, MemorySegment dst) {
        long panelBytes = 4L * MR * kc;
        long stepBytes = 4L * MR;
        int p = 0;
        if (LANES >= MR) {
            // A vector stored at step q covers steps q .. q + ceil(LANES / MR) - 1 of its panel.
            int reach = (LANES + MR - 1) / MR;
            for (; p + 3 + reach <= kc && aOff + (p + 3) * cs + full - MR + LANES <= a.length; p += 4) {
                int src = aOff + p * cs;
                long o = stepBytes * p;
                for (int ir = 0; ir < full; ir += MR, o += panelBytes) {
                    FloatVector v0 = FloatVector.fromArray(F, a, src + ir);
                    FloatVector v1 = FloatVector.fromArray(F, a, src + cs + ir);
                    FloatVector v2 = FloatVector.fromArray(F, a, src + 2 * cs + ir);
                    FloatVector v3 = FloatVector.fromArray(F, a, src + 3 * cs + ir);
                    v0.intoMemorySegment(dst, o, ORDER);
                    v1.intoMemorySegment(dst, o + stepBytes, ORDER);
                    v2.intoMemorySegment(dst, o + 2 * stepBytes, ORDER);
                    v3.intoMemorySegment(dst, o + 3 * stepBytes, ORDER);
                }
            }
        }
        for (; p < kc; p++) {
            int src = aOff + p * cs;
            long o = stepBytes * p;
            for (int ir = 0; ir < full; ir += MR, o += panelBytes) {
                for (int i = 0; i < MR; i++) {
                    dst.set(FLOAT, o + 4L * i, a[src + ir + i]);
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
                columnMajorPanelB(b, bOff + jr * cs, cs, kc, NR, dst, 4L * jr * kc);
            }
            // A last panel of whole 16-column groups (Cout = 32 in a convolution's weight gradient) transposes
            // too, with its missing columns zeroed.
            int rest = nc - full;
            if (rest > 0 && rest % 16 == 0) {
                columnMajorPanelB(b, bOff + full * cs, cs, kc, rest, dst, 4L * full * kc);
                return;
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
     * Packs B(p,j) = bf16 w[wOff + j·ldw + p] (the transposed view of bf16 weights [n, k], as a linear layer reads
     * them) for p &lt; kc, j &lt; nc, as {@link #packB} would pack the same values as floats: each panel's columns are
     * first widened into {@code scratch} (NR·kc floats), which is then packed as a column-major float B.
     */
    static void packBf16Columns(short[] w, int wOff, int ldw, int kc, int nc, MemorySegment dst, float[] scratch) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            for (int j = 0; j < nr; j++) {
                widen(w, wOff + (jr + j) * ldw, scratch, j * kc, kc);
            }
            packB(scratch, 0, 1, kc, kc, nr, dst.asSlice(4L * jr * kc));
        }
    }

    /** dst[to + p] = the float of bf16 bits src[from + p] for p &lt; n (a bf16 value is a float's top half). */
    static void widen(short[] src, int from, float[] dst, int to, int n) {
        int p = 0;
        if (!KernelPath.SCALAR) {
            for (; p <= n - LANES; p += LANES) {
                ((IntVector) ShortVector.fromArray(HALF, src, from + p).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, to + p);
            }
        }
        for (; p < n; p++) {
            dst[to + p] = Float.intBitsToFloat(src[from + p] << 16);
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
                for (int v = 0; v < NR; v += LANES) {
                    FloatVector.fromArray(F, b, src + jr + v).intoMemorySegment(dst, o + 4L * v, ORDER);
                }
            }
        }
    }

    /**
     * A panel of nr columns (a multiple of 16, up to NR) of a B whose columns are contiguous (a transposed view):
     * 16×16 register transposes; columns nr..NR are zeroed.
     */
    private static void columnMajorPanelB(float[] b, int base, int cs, int kc, int nr, MemorySegment dst, long o) {
        int p = 0;
        for (; p + 16 <= kc; p += 16) {
            for (int v = 0; v < nr; v += 16) {
                GemmShuffles.sixteenColumns(b, base + v * cs + p, cs, dst, o + 4L * (p * NR + v), 4L * NR);
            }
        }
        for (; p < kc; p++) {
            for (int j = 0; j < nr; j++) {
                dst.set(FLOAT, o + 4L * (p * NR + j), b[base + j * cs + p]);
            }
        }
        if (nr < NR) {
            FloatVector zero = FloatVector.zero(F);
            for (p = 0; p < kc; p++) {
                for (int j = nr; j < NR; j += LANES) {
                    zero.intoMemorySegment(dst, o + 4L * (p * NR + j), ORDER);
                }
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
