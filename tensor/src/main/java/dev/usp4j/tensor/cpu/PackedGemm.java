package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.GemmKernel.MR;
import static dev.usp4j.tensor.cpu.GemmKernel.NR;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.VectorMask;

/**
 * Single-precision GEMM, {@code C = A·B} or {@code C += A·B}, over Java arrays with arbitrary element strides for
 * A and B (so transposed views need no copy) and a row-major C.
 *
 * <p>The GotoBLAS/BLIS design: the K dimension is cut into blocks of at most {@link #KC}, N into panels of
 * {@link #NC} and M into blocks of {@link #MC}; each B panel (kc×nc) and A block (mc×kc) is packed into
 * micro-panels ({@link GemmPacking}) in 64-byte-aligned per-thread buffers ({@link GemmWorkspace}), and the
 * {@link GemmKernel} micro-kernel computes MR×NR tiles of C from them. Packing absorbs every stride, so a transposed
 * operand costs only its packing. Edge tiles are computed whole on the zero-padded panels into a scratch tile and
 * only their valid part is merged; the last panel of a C whose width is not a multiple of NR gets a narrower kernel.
 * Small products (under ~100³ multiply-adds) and products with at most 4 rows or 1 column skip packing when the
 * layout allows ({@link SmallGemm}).
 *
 * <p>Threads: C is cut into one contiguous slab of rows or of columns per thread (whichever balances better and
 * duplicates less packing), and each thread runs the blocked algorithm on its slab with its own buffers, so
 * threads never wait on each other. The K blocks depend only on k, so every C element is summed in the same order
 * whatever the thread count: results are bit-identical for 1 and 2 threads. Inside a parallel region (e.g. a
 * batch of GEMMs split across threads) it runs on the calling thread.
 */
public final class PackedGemm {
    /**
     * Largest K block. Larger blocks mean fewer passes over C (each pass loads and stores every C tile); 512 beat
     * 256 by 5–10% and 384–768 were within noise of it. A 6×512 A micro-panel (12 KiB) stays in L1, a 512×64 B
     * micro-panel (128 KiB) in L2.
     */
    static final int KC = 512;
    /** Rows of the packed A block (a multiple of MR): 96×512 floats = 192 KiB, in L2 beside a B micro-panel. */
    static final int MC = 96;
    /**
     * A column-major A (the weight gradient dW = dYᵀ·X) is packed this many A blocks at a time. Its step p is
     * one contiguous stretch of row p of dY, and packing one block reads only MC floats (6 cache lines) of each
     * row before jumping a whole row ahead, a pattern the hardware prefetchers do not follow across pages; four
     * blocks (384 floats a row; 0.5–0.8 MiB packed, still in L2) made the dW products of MAE's shapes 10–20%
     * faster, packing all of A at once no faster than four (bench/RESULTS.md, ninth session).
     */
    static final int COLUMN_MAJOR_A_BLOCKS = 4;
    /** Columns of the packed B panel (a multiple of NR): up to 6 MiB, in the shared L3. */
    static final int NC = 3072;
    /** Products with fewer multiply-adds than this (about 100³) skip packing when the layout allows. */
    private static final long SMALL_MACS = 1L << 20;
    /**
     * Products with fewer multiply-adds than this run on one thread: waking an idle pool thread costs ~100 µs on
     * the 2-vCPU machine, and 200³ ran slower on two threads than on one.
     */
    private static final long PARALLEL_MACS = 1L << 23;

    private PackedGemm() {
    }

    /**
     * C[m×n] (+)= A[m×k]·B[k×n], where A(i,p) = a[aOff + i·aRowStride + p·aColStride], B(p,j) =
     * b[bOff + p·bRowStride + j·bColStride] and C(i,j) = c[cOff + i·ldc + j]. With {@code accumulate} false C is
     * overwritten (its old contents may be garbage). Runs in parallel unless called inside a parallel region.
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRowStride, int aColStride,
                             float[] b, int bOff, int bRowStride, int bColStride,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        if (KernelPath.SCALAR) {
            reference(m, n, k, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, cOff, ldc,
                    accumulate);
            return;
        }
        if (thin(m, n, k, aColStride, bRowStride, bColStride)) {
            // x·Wᵀ for a few rows (batch-1 inference): reading W once costs less than packing it.
            ThinGemm.f32(m, n, k, a, aOff, aRowStride, b, bOff, bColStride, c, cOff, ldc, accumulate);
            return;
        }
        long macs = (long) m * n * k;
        // Small, or few rows or one column: packing would cost as much as the product itself.
        boolean thin = m <= 4 || n == 1;
        if ((macs < SMALL_MACS || thin)
                && SmallGemm.supports(aColStride, bRowStride, bColStride)) {
            SmallGemm.gemm(m, n, k, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, cOff,
                    ldc, accumulate);
            return;
        }
        packed(m, n, k, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, cOff, ldc,
                accumulate);
    }

    /**
     * x·Wᵀ with a few rows of x, both contiguous along k, and x small enough to stay in L2 while every row of W
     * passes by ({@link ThinGemm} blocks nothing along k): it reads W once and packs nothing. (A convolution's
     * weight gradient, 8 rows of 65,536, would stream x from memory once per four rows of W.)
     */
    private static boolean thin(int m, int n, int k, int aColStride, int bRowStride, int bColStride) {
        return ThinGemm.fits(m, k) && aColStride == 1 && bRowStride == 1 && bColStride != 1 && n > 1
                && k >= LANES;
    }

    /**
     * C[m×n] = A[m×k]·B[k×n] + bias, bias[biasOff + j] added to column j of every row (a linear layer), with
     * operands as in {@link #sgemm}. The packed path writes each C tile's bias rows just before the tile's first
     * K block accumulates onto them, while the tile is in cache, rather than in a separate pass over all of C
     * beforehand; the floats are the same as that pass followed by an accumulating product.
     */
    public static void sgemmBias(int m, int n, int k,
                                 float[] a, int aOff, int aRowStride, int aColStride,
                                 float[] b, int bOff, int bRowStride, int bColStride,
                                 float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        long macs = (long) m * n * k;
        boolean small = macs < SMALL_MACS || m <= 4 || n == 1 || thin(m, n, k, aColStride, bRowStride, bColStride);
        if (k == 0 || KernelPath.SCALAR || small) {
            for (int i = 0; i < m; i++) {
                System.arraycopy(bias, biasOff, c, cOff + i * ldc, n);
            }
            sgemm(m, n, k, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, cOff, ldc, true);
            return;
        }
        packed(m, n, k, a, aOff, aRowStride, aColStride, b, null, bOff, bRowStride, bColStride, bias, biasOff, c,
                cOff, ldc, false);
    }

    /**
     * A linear layer with bfloat16 weights: C[m×n] = A[m×k]·Wᵀ (+ bias[biasOff + j] on column j when bias is not
     * null), where W [n×k] is stored as bf16 bits, W(j,p) = w[wOff + j·ldw + p], and A is as in {@link #sgemm}.
     * The result is that of {@link #sgemm} on the weights widened to float (up to the summation order): a few rows
     * take a kernel that reads the half-width weights directly ({@link ThinGemm}), more rows the
     * packed path, which widens each B panel as it packs it, so no float copy of W is ever made.
     */
    public static void sgemmBf16(int m, int n, int k, float[] a, int aOff, int aRowStride, int aColStride,
                                 short[] w, int wOff, int ldw, float[] bias, int biasOff, float[] c, int cOff,
                                 int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm_bf16: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || KernelPath.SCALAR) {
            referenceBf16(m, n, k, a, aOff, aRowStride, aColStride, w, wOff, ldw, bias, biasOff, c, cOff, ldc);
            return;
        }
        if (ThinGemm.fits(m, k) && aColStride == 1) {
            ThinGemm.bf16(m, n, k, a, aOff, aRowStride, w, wOff, ldw, bias, biasOff, c, cOff, ldc);
            return;
        }
        packed(m, n, k, a, aOff, aRowStride, aColStride, null, w, wOff, 1, ldw, bias, biasOff, c, cOff, ldc, false);
    }

    /** {@link #sgemmBf16} by its definition, each weight widened as it is read. */
    static void referenceBf16(int m, int n, int k, float[] a, int aOff, int ars, int acs, short[] w, int wOff,
                              int ldw, float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[aOff + i * ars + p * acs] * Float.intBitsToFloat(w[wOff + j * ldw + p] << 16);
                }
                c[cOff + i * ldc + j] = bias == null ? s : bias[biasOff + j] + s;
            }
        }
    }

    /** The packed algorithm for any m, n, k &gt; 0, split across threads when large enough (tests call it too). */
    static void packed(int m, int n, int k, float[] a, int aOff, int aRowStride, int aColStride, float[] b, int bOff,
                       int bRowStride, int bColStride, float[] c, int cOff, int ldc, boolean accumulate) {
        packed(m, n, k, a, aOff, aRowStride, aColStride, b, null, bOff, bRowStride, bColStride, null, 0, c, cOff,
                ldc, accumulate);
    }

    /**
     * As above, with B's elements either floats in b or bf16 bits in bHalf (the other null; bf16 B must have
     * contiguous columns); with a bias (not null) C starts from it instead of being overwritten or accumulated onto.
     */
    private static void packed(int m, int n, int k, float[] a, int aOff, int aRowStride, int aColStride, float[] b,
                               short[] bHalf, int bOff, int bRowStride, int bColStride, float[] bias, int biasOff,
                               float[] c, int cOff, int ldc, boolean accumulate) {
        long macs = (long) m * n * k;
        int threads = macs < PARALLEL_MACS || Parallel.inParallelRegion() ? 1 : Parallel.threads();
        if (threads == 1) {
            blocked(m, n, k, a, aOff, aRowStride, aColStride, b, bHalf, bOff, bRowStride, bColStride, bias, biasOff,
                    c, cOff, ldc, accumulate);
            return;
        }
        boolean byRows = splitRows(m, n, threads);
        int unit = byRows ? MR : NR;
        int extent = byRows ? m : n;
        int tiles = (extent + unit - 1) / unit;
        int parts = Math.min(threads, tiles);
        Parallel.forRange(parts, 1, (s, e) -> {
            for (int t = s; t < e; t++) {
                int lo = Math.min(extent, (int) ((long) tiles * t / parts) * unit);
                int hi = Math.min(extent, (int) ((long) tiles * (t + 1) / parts) * unit);
                if (byRows) {
                    blocked(hi - lo, n, k, a, aOff + lo * aRowStride, aRowStride, aColStride, b, bHalf, bOff,
                            bRowStride, bColStride, bias, biasOff, c, cOff + lo * ldc, ldc, accumulate);
                } else {
                    blocked(m, hi - lo, k, a, aOff, aRowStride, aColStride, b, bHalf, bOff + lo * bColStride,
                            bRowStride, bColStride, bias, biasOff + lo, c, cOff + lo, ldc, accumulate);
                }
            }
        });
    }

    /**
     * Whether to give each thread a slab of rows (else of columns). Each thread packs the whole of the operand it
     * shares (all of B for a row split, all of A for a column split), and the slab with the larger share of
     * tiles of the split dimension sets the time; the cheaper of the two estimates wins.
     */
    private static boolean splitRows(int m, int n, int threads) {
        // Work in multiply-adds per k; packing one element costs about as much as 24 (B) or 12 (A) of them.
        double rows = cost(m, MR, threads) * n + n * 24.0;
        double cols = cost(n, NR, threads) * m + m * 12.0;
        return rows <= cols;
    }

    /** The largest slab's extent (in elements, rounded to whole tiles) when extent is split over threads. */
    private static double cost(int extent, int unit, int threads) {
        int tiles = (extent + unit - 1) / unit;
        int biggest = (tiles + threads - 1) / threads;
        return (double) biggest * unit;
    }

    /** The blocked algorithm on the calling thread. */
    private static void blocked(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, short[] bHalf,
                                int bOff, int brs, int bcs, float[] bias, int biasOff, float[] c, int cOff, int ldc,
                                boolean accumulate) {
        GemmWorkspace ws = GemmWorkspace.get();
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        int ncMax = Math.min(n, NC);
        // Rows packed at a time: one A block, or several of a column-major A.
        int group = Math.min(m, ars == 1 && acs != 1 ? COLUMN_MAJOR_A_BLOCKS * MC : MC);
        MemorySegment bPack = ws.b((long) kcMax * roundUp(ncMax, NR));
        MemorySegment aPack = ws.a((long) kcMax * roundUp(group, MR));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int kb = 0; kb < kBlocks; kb++) {
                // K blocks of near-equal size, a function of k alone: the summation order never depends on the
                // thread split.
                int pc = (int) ((long) k * kb / kBlocks);
                int kc = (int) ((long) k * (kb + 1) / kBlocks) - pc;
                if (bHalf == null) {
                    GemmPacking.packB(b, bOff + pc * brs + jc * bcs, brs, bcs, kc, nc, bPack);
                } else {
                    GemmPacking.packBf16Columns(bHalf, bOff + pc * brs + jc * bcs, bcs, kc, nc, bPack,
                            ws.widened(NR * kc));
                }
                boolean acc = accumulate || kb > 0;
                float[] start = kb == 0 ? bias : null;
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    int inGroup = ic % group;
                    if (inGroup == 0) {
                        GemmPacking.packA(a, aOff + ic * ars + pc * acs, ars, acs, Math.min(group, m - ic), kc,
                                aPack);
                    }
                    macroKernel(mc, nc, kc, aPack, 4L * inGroup * kc, bPack, start, biasOff + jc, c,
                            cOff + ic * ldc + jc, ldc, acc, ws.tile);
                }
            }
        }
    }

    /**
     * All micro-tiles of one packed A block (from byte aBase of aPack) times one packed B panel; with a bias (not
     * null) each tile starts from the bias row (the main kernel adds it in registers, the narrow ones get it copied
     * into C's rows first) and the product accumulates onto it.
     */
    private static void macroKernel(int mc, int nc, int kc, MemorySegment aPack, long aBase, MemorySegment bPack,
                                    float[] bias, int biasOff, float[] c, int cOff, int ldc, boolean acc,
                                    float[] tile) {
        boolean fromBias = bias != null;
        VectorMask<Float> mode = GemmKernel.mode(acc || fromBias);
        // What the main kernel starts its tiles from: C itself, the bias row, or nothing (C is overwritten).
        float[] start = acc ? c : fromBias ? bias : GemmKernel.NEGATIVE_ZEROS;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            // The last panel may be narrower: use the kernel with just enough vectors.
            int vectors = (nr + LANES - 1) / LANES;
            long bo = 4L * jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                long ao = aBase + 4L * ir * kc;
                int ci = cOff + ir * ldc + jr;
                if (mr == MR && nr == NR) {
                    int so = acc ? ci : fromBias ? biasOff + jr : 0;
                    GemmKernel.tile(kc, aPack, ao, bPack, bo, start, so, acc ? ldc : 0, c, ci, ldc);
                } else if (mr == MR && nr == vectors * LANES) {
                    if (fromBias) {
                        for (int i = 0; i < MR; i++) {
                            System.arraycopy(bias, biasOff + jr, c, ci + i * ldc, nr);
                        }
                    }
                    tile(vectors, kc, aPack, ao, bPack, bo, c, ci, ldc, mode);
                } else {
                    tile(vectors, kc, aPack, ao, bPack, bo, tile, 0, NR, GemmKernel.STORE);
                    for (int i = 0; i < mr; i++) {
                        int row = ci + i * ldc;
                        for (int j = 0; j < nr; j++) {
                            float t = tile[i * NR + j];
                            c[row + j] = fromBias ? bias[biasOff + jr + j] + t : acc ? c[row + j] + t : t;
                        }
                    }
                }
            }
        }
    }

    /** One MR×(vectors·LANES) tile through the kernel with just enough vectors (the conv kernels call it too). */
    static void tile(int vectors, int kc, MemorySegment ap, long ao, MemorySegment bp, long bo, float[] c,
                             int co, int ldc, VectorMask<Float> acc) {
        switch (vectors) {
            case 1 -> GemmKernel.tile1(kc, ap, ao, bp, bo, c, co, ldc, acc);
            case 2 -> GemmKernel.tile2(kc, ap, ao, bp, bo, c, co, ldc, acc);
            case 3 -> GemmKernel.tile3(kc, ap, ao, bp, bo, c, co, ldc, acc);
            default -> {
                if (acc.anyTrue()) {
                    GemmKernel.tile(kc, ap, ao, bp, bo, c, co, ldc, c, co, ldc);
                } else {
                    GemmKernel.tile(kc, ap, ao, bp, bo, GemmKernel.NEGATIVE_ZEROS, 0, 0, c, co, ldc);
                }
            }
        }
    }

    private static int roundUp(int x, int unit) {
        return (x + unit - 1) / unit * unit;
    }

    /** The naive definition, kept as the reference the fast kernel is tested against. */
    public static void reference(int m, int n, int k,
                                 float[] a, int aOff, int aRowStride, int aColStride,
                                 float[] b, int bOff, int bRowStride, int bColStride,
                                 float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[aOff + i * aRowStride + p * aColStride] * b[bOff + p * bRowStride + j * bColStride];
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }
}
