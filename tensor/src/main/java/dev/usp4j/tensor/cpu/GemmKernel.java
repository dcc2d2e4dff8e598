package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The register-blocked micro-kernels of {@link PackedGemm}: one {@value #MR}×{@code NR} tile of C (NR = four
 * vectors, 64 floats with AVX-512; two, 16 floats, with AVX2: {@link #VECTORS}) from a packed A micro-panel ([kc][MR], one broadcast per row) and a packed B
 * micro-panel ([kc][NR], four vector loads per step), plus narrower variants (one to three vectors) for the last
 * panel of a C whose width is not a multiple of NR, so that e.g. a 16-column C does not pay for 64.
 *
 * <p>Why 6×64: the 24 accumulators, 4 B vectors and 1 broadcast use 29 of AVX-512's 32 zmm registers, and each k
 * step issues 24 FMAs against 10 loads, enough independent work to keep both FMA pipes busy through the 4-cycle
 * FMA latency. Measured on the 2-core AVX-512 machine with all operands in L1: ~205 GFLOP/s of a ~220 peak per
 * core (8×48 and 12×32 ran 3–5% slower inside the full GEMM; 14×32 spilled). The accumulators are written out
 * inline, not through a helper: C2 stops inlining helpers in a method this large, and a vector that crosses a
 * non-inlined call is boxed (10× slower). All kernels: C(i,j) = c[co + i·ldc + j]; the narrow ones overwrite it
 * when {@code acc} is {@link #STORE} and add to it when it is {@link #ADD}, the main one starts from a given matrix
 * or row; Apanel(i,p) at byte ao + 4(p·MR + i) of ap; Bpanel(p,j) at
 * byte bo + 4(p·NR + j) of bp; the whole tile must lie inside c (edge tiles go through a scratch tile).
 */
final class GemmKernel {
    /** Rows of a micro-tile. */
    static final int MR = 6;
    /**
     * Vectors across a micro-tile: four where vectors are 16 floats (AVX-512 has 32 registers), two where they are
     * narrower (AVX2 has 16: 12 accumulators, 2 B vectors and a broadcast fit; the 6×4 tile's 24 accumulators
     * spilled to the stack every k step: a 1024³ product ran at ~29 GFLOP/s on two AVX2 cores, ~77 with the
     * 6×16 tile; bench/RESULTS.md, "An AVX2 machine").
     */
    static final int VECTORS = LANES >= 16 ? 4 : 2;
    /** Columns of a micro-tile. */
    static final int NR = VECTORS * LANES;

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Bytes of one vector, of one packed A step and of one packed B step. */
    private static final long VB = 4L * LANES;
    private static final long A_STEP = 4L * MR;
    private static final long B_STEP = 4L * NR;

    /**
     * The two modes of a kernel, as lane masks rather than a boolean: the old C is always loaded and added under
     * the mask. A branch on a boolean here was profiled as never taken while the first products (K ≤ KC, one K
     * block) ran, compiled as an uncommon trap, and in about one JVM in four the recompilation never came: every
     * later tile with K &gt; KC then finished in the interpreter and those products ran 6–8× slower for the whole
     * run (bench/RESULTS.md, "The accumulate branch"). A masked add has no branch to mispredict or to prune.
     */
    static final VectorMask<Float> ADD = F.maskAll(true);
    /** See {@link #ADD}: C is overwritten (its old contents, garbage or NaN, are loaded but never used). */
    static final VectorMask<Float> STORE = F.maskAll(false);

    /** A start row of −0.0 (x + −0.0 is x for every float, −0.0 included): the main kernel overwriting C. */
    static final float[] NEGATIVE_ZEROS = negativeZeros();

    private GemmKernel() {
    }

    private static float[] negativeZeros() {
        float[] z = new float[NR];
        java.util.Arrays.fill(z, -0.0f);
        return z;
    }

    /** {@link #ADD} or {@link #STORE}. */
    static VectorMask<Float> mode(boolean accumulate) {
        return accumulate ? ADD : STORE;
    }

    /**
     * C[0:MR, 0:NR] = S + Apanel·Bpanel: the main kernel. S(i,j) = start[so + i·sld + j] is C itself to accumulate
     * (start = c, so = co, sld = ldc), a bias row (sld = 0) or {@link #NEGATIVE_ZEROS} to overwrite: unlike the
     * masks of the narrow kernels, a tile that overwrites C never reads it. Reading C before writing it costs a
     * miss per line that the stores alone would leave to the store buffer; K ≤ {@link PackedGemm#KC} products
     * (a single K block: every forward linear layer of a ViT-S) ran 3–8% faster, batches of 256×64·64×256 10–20%
     * (bench/RESULTS.md, ninth session). Still no branch on the mode (see {@link #ADD}).
     */
    static void tile(int kc, MemorySegment ap, long ao, MemorySegment bp, long bo, float[] start, int so, int sld,
                     float[] c, int co, int ldc) {
        if (VECTORS == 4) {  // a constant: C2 keeps one of the two calls
            tile4(kc, ap, ao, bp, bo, start, so, sld, c, co, ldc);
        } else {
            tile2(kc, ap, ao, bp, bo, start, so, sld, c, co, ldc);
        }
    }

    /** {@link #tile} with four vectors across (the AVX-512 tile). */
    private static void tile4(int kc, MemorySegment ap, long ao, MemorySegment bp, long bo, float[] start, int so,
                              int sld, float[] c, int co, int ldc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
        FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, bp, bo, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(F, bp, bo + VB, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(F, bp, bo + 2 * VB, ORDER);
            FloatVector b3 = FloatVector.fromMemorySegment(F, bp, bo + 3 * VB, ORDER);
            FloatVector x;
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao));
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 4));
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 8));
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 12));
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 16));
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 20));
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
            ao += A_STEP;
            bo += B_STEP;
        }
        int r0 = so;
        c00 = c00.add(FloatVector.fromArray(F, start, r0));
        c01 = c01.add(FloatVector.fromArray(F, start, r0 + LANES));
        c02 = c02.add(FloatVector.fromArray(F, start, r0 + 2 * LANES));
        c03 = c03.add(FloatVector.fromArray(F, start, r0 + 3 * LANES));
        int r1 = so + sld;
        c10 = c10.add(FloatVector.fromArray(F, start, r1));
        c11 = c11.add(FloatVector.fromArray(F, start, r1 + LANES));
        c12 = c12.add(FloatVector.fromArray(F, start, r1 + 2 * LANES));
        c13 = c13.add(FloatVector.fromArray(F, start, r1 + 3 * LANES));
        int r2 = so + 2 * sld;
        c20 = c20.add(FloatVector.fromArray(F, start, r2));
        c21 = c21.add(FloatVector.fromArray(F, start, r2 + LANES));
        c22 = c22.add(FloatVector.fromArray(F, start, r2 + 2 * LANES));
        c23 = c23.add(FloatVector.fromArray(F, start, r2 + 3 * LANES));
        int r3 = so + 3 * sld;
        c30 = c30.add(FloatVector.fromArray(F, start, r3));
        c31 = c31.add(FloatVector.fromArray(F, start, r3 + LANES));
        c32 = c32.add(FloatVector.fromArray(F, start, r3 + 2 * LANES));
        c33 = c33.add(FloatVector.fromArray(F, start, r3 + 3 * LANES));
        int r4 = so + 4 * sld;
        c40 = c40.add(FloatVector.fromArray(F, start, r4));
        c41 = c41.add(FloatVector.fromArray(F, start, r4 + LANES));
        c42 = c42.add(FloatVector.fromArray(F, start, r4 + 2 * LANES));
        c43 = c43.add(FloatVector.fromArray(F, start, r4 + 3 * LANES));
        int r5 = so + 5 * sld;
        c50 = c50.add(FloatVector.fromArray(F, start, r5));
        c51 = c51.add(FloatVector.fromArray(F, start, r5 + LANES));
        c52 = c52.add(FloatVector.fromArray(F, start, r5 + 2 * LANES));
        c53 = c53.add(FloatVector.fromArray(F, start, r5 + 3 * LANES));
        int s0 = co;
        c00.intoArray(c, s0);
        c01.intoArray(c, s0 + LANES);
        c02.intoArray(c, s0 + 2 * LANES);
        c03.intoArray(c, s0 + 3 * LANES);
        int s1 = co + ldc;
        c10.intoArray(c, s1);
        c11.intoArray(c, s1 + LANES);
        c12.intoArray(c, s1 + 2 * LANES);
        c13.intoArray(c, s1 + 3 * LANES);
        int s2 = co + 2 * ldc;
        c20.intoArray(c, s2);
        c21.intoArray(c, s2 + LANES);
        c22.intoArray(c, s2 + 2 * LANES);
        c23.intoArray(c, s2 + 3 * LANES);
        int s3 = co + 3 * ldc;
        c30.intoArray(c, s3);
        c31.intoArray(c, s3 + LANES);
        c32.intoArray(c, s3 + 2 * LANES);
        c33.intoArray(c, s3 + 3 * LANES);
        int s4 = co + 4 * ldc;
        c40.intoArray(c, s4);
        c41.intoArray(c, s4 + LANES);
        c42.intoArray(c, s4 + 2 * LANES);
        c43.intoArray(c, s4 + 3 * LANES);
        int s5 = co + 5 * ldc;
        c50.intoArray(c, s5);
        c51.intoArray(c, s5 + LANES);
        c52.intoArray(c, s5 + 2 * LANES);
        c53.intoArray(c, s5 + 3 * LANES);
    }

    /** {@link #tile} with two vectors across (the tile of 16-register machines, AVX2). */
    private static void tile2(int kc, MemorySegment ap, long ao, MemorySegment bp, long bo, float[] start, int so,
                              int sld, float[] c, int co, int ldc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        // Offsets from 0 in slices of exactly kc steps, each a multiple of the loop index: C2 then proves the
        // accesses in bounds once, before the loop. Advancing ao and bo instead left a bounds check on each of
        // the eight loads, a spill and reloads in every k step: ~30 scalar instructions beside 12 FMAs, which
        // held this tile to ~60% of the FMA rate (with AVX-512's 24 FMAs a step the same overhead hid).
        MemorySegment as = ap.asSlice(ao, kc * A_STEP);
        MemorySegment bs = bp.asSlice(bo, kc * B_STEP);
        for (int p = 0; p < kc; p++) {
            long pa = p * A_STEP;
            long pb = p * B_STEP;
            FloatVector b0 = FloatVector.fromMemorySegment(F, bs, pb, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(F, bs, pb + VB, ORDER);
            FloatVector x;
            x = FloatVector.broadcast(F, as.get(FLOAT, pa));
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, as.get(FLOAT, pa + 4));
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, as.get(FLOAT, pa + 8));
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, as.get(FLOAT, pa + 12));
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, as.get(FLOAT, pa + 16));
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, as.get(FLOAT, pa + 20));
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        int r0 = so;
        c00.add(FloatVector.fromArray(F, start, r0)).intoArray(c, co);
        c01.add(FloatVector.fromArray(F, start, r0 + LANES)).intoArray(c, co + LANES);
        int r1 = so + sld;
        c10.add(FloatVector.fromArray(F, start, r1)).intoArray(c, co + ldc);
        c11.add(FloatVector.fromArray(F, start, r1 + LANES)).intoArray(c, co + ldc + LANES);
        int r2 = so + 2 * sld;
        c20.add(FloatVector.fromArray(F, start, r2)).intoArray(c, co + 2 * ldc);
        c21.add(FloatVector.fromArray(F, start, r2 + LANES)).intoArray(c, co + 2 * ldc + LANES);
        int r3 = so + 3 * sld;
        c30.add(FloatVector.fromArray(F, start, r3)).intoArray(c, co + 3 * ldc);
        c31.add(FloatVector.fromArray(F, start, r3 + LANES)).intoArray(c, co + 3 * ldc + LANES);
        int r4 = so + 4 * sld;
        c40.add(FloatVector.fromArray(F, start, r4)).intoArray(c, co + 4 * ldc);
        c41.add(FloatVector.fromArray(F, start, r4 + LANES)).intoArray(c, co + 4 * ldc + LANES);
        int r5 = so + 5 * sld;
        c50.add(FloatVector.fromArray(F, start, r5)).intoArray(c, co + 5 * ldc);
        c51.add(FloatVector.fromArray(F, start, r5 + LANES)).intoArray(c, co + 5 * ldc + LANES);
    }

    /** C[0:MR, 0:3·LANES] (+)= Apanel·Bpanel[:, 0:3·LANES], for a last panel of 33–48 columns. */
    static void tile3(int kc, MemorySegment ap, long ao, MemorySegment bp, long bo, float[] c, int co, int ldc,
                      VectorMask<Float> acc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c02 = z;
        FloatVector c10 = z, c11 = z, c12 = z;
        FloatVector c20 = z, c21 = z, c22 = z;
        FloatVector c30 = z, c31 = z, c32 = z;
        FloatVector c40 = z, c41 = z, c42 = z;
        FloatVector c50 = z, c51 = z, c52 = z;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, bp, bo, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(F, bp, bo + VB, ORDER);
            FloatVector b2 = FloatVector.fromMemorySegment(F, bp, bo + 2 * VB, ORDER);
            FloatVector x;
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao));
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 4));
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 8));
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 12));
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 16));
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 20));
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
            ao += A_STEP;
            bo += B_STEP;
        }
        int r0 = co;
        c00 = c00.add(FloatVector.fromArray(F, c, r0), acc);
        c01 = c01.add(FloatVector.fromArray(F, c, r0 + LANES), acc);
        c02 = c02.add(FloatVector.fromArray(F, c, r0 + 2 * LANES), acc);
        int r1 = co + ldc;
        c10 = c10.add(FloatVector.fromArray(F, c, r1), acc);
        c11 = c11.add(FloatVector.fromArray(F, c, r1 + LANES), acc);
        c12 = c12.add(FloatVector.fromArray(F, c, r1 + 2 * LANES), acc);
        int r2 = co + 2 * ldc;
        c20 = c20.add(FloatVector.fromArray(F, c, r2), acc);
        c21 = c21.add(FloatVector.fromArray(F, c, r2 + LANES), acc);
        c22 = c22.add(FloatVector.fromArray(F, c, r2 + 2 * LANES), acc);
        int r3 = co + 3 * ldc;
        c30 = c30.add(FloatVector.fromArray(F, c, r3), acc);
        c31 = c31.add(FloatVector.fromArray(F, c, r3 + LANES), acc);
        c32 = c32.add(FloatVector.fromArray(F, c, r3 + 2 * LANES), acc);
        int r4 = co + 4 * ldc;
        c40 = c40.add(FloatVector.fromArray(F, c, r4), acc);
        c41 = c41.add(FloatVector.fromArray(F, c, r4 + LANES), acc);
        c42 = c42.add(FloatVector.fromArray(F, c, r4 + 2 * LANES), acc);
        int r5 = co + 5 * ldc;
        c50 = c50.add(FloatVector.fromArray(F, c, r5), acc);
        c51 = c51.add(FloatVector.fromArray(F, c, r5 + LANES), acc);
        c52 = c52.add(FloatVector.fromArray(F, c, r5 + 2 * LANES), acc);
        int s0 = co;
        c00.intoArray(c, s0);
        c01.intoArray(c, s0 + LANES);
        c02.intoArray(c, s0 + 2 * LANES);
        int s1 = co + ldc;
        c10.intoArray(c, s1);
        c11.intoArray(c, s1 + LANES);
        c12.intoArray(c, s1 + 2 * LANES);
        int s2 = co + 2 * ldc;
        c20.intoArray(c, s2);
        c21.intoArray(c, s2 + LANES);
        c22.intoArray(c, s2 + 2 * LANES);
        int s3 = co + 3 * ldc;
        c30.intoArray(c, s3);
        c31.intoArray(c, s3 + LANES);
        c32.intoArray(c, s3 + 2 * LANES);
        int s4 = co + 4 * ldc;
        c40.intoArray(c, s4);
        c41.intoArray(c, s4 + LANES);
        c42.intoArray(c, s4 + 2 * LANES);
        int s5 = co + 5 * ldc;
        c50.intoArray(c, s5);
        c51.intoArray(c, s5 + LANES);
        c52.intoArray(c, s5 + 2 * LANES);
    }

    /** C[0:MR, 0:2·LANES] (+)= Apanel·Bpanel[:, 0:2·LANES], for a last panel of 17–32 columns. */
    static void tile2(int kc, MemorySegment ap, long ao, MemorySegment bp, long bo, float[] c, int co, int ldc,
                      VectorMask<Float> acc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, bp, bo, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(F, bp, bo + VB, ORDER);
            FloatVector x;
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao));
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 4));
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 8));
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 12));
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 16));
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 20));
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            ao += A_STEP;
            bo += B_STEP;
        }
        int r0 = co;
        c00 = c00.add(FloatVector.fromArray(F, c, r0), acc);
        c01 = c01.add(FloatVector.fromArray(F, c, r0 + LANES), acc);
        int r1 = co + ldc;
        c10 = c10.add(FloatVector.fromArray(F, c, r1), acc);
        c11 = c11.add(FloatVector.fromArray(F, c, r1 + LANES), acc);
        int r2 = co + 2 * ldc;
        c20 = c20.add(FloatVector.fromArray(F, c, r2), acc);
        c21 = c21.add(FloatVector.fromArray(F, c, r2 + LANES), acc);
        int r3 = co + 3 * ldc;
        c30 = c30.add(FloatVector.fromArray(F, c, r3), acc);
        c31 = c31.add(FloatVector.fromArray(F, c, r3 + LANES), acc);
        int r4 = co + 4 * ldc;
        c40 = c40.add(FloatVector.fromArray(F, c, r4), acc);
        c41 = c41.add(FloatVector.fromArray(F, c, r4 + LANES), acc);
        int r5 = co + 5 * ldc;
        c50 = c50.add(FloatVector.fromArray(F, c, r5), acc);
        c51 = c51.add(FloatVector.fromArray(F, c, r5 + LANES), acc);
        int s0 = co;
        c00.intoArray(c, s0);
        c01.intoArray(c, s0 + LANES);
        int s1 = co + ldc;
        c10.intoArray(c, s1);
        c11.intoArray(c, s1 + LANES);
        int s2 = co + 2 * ldc;
        c20.intoArray(c, s2);
        c21.intoArray(c, s2 + LANES);
        int s3 = co + 3 * ldc;
        c30.intoArray(c, s3);
        c31.intoArray(c, s3 + LANES);
        int s4 = co + 4 * ldc;
        c40.intoArray(c, s4);
        c41.intoArray(c, s4 + LANES);
        int s5 = co + 5 * ldc;
        c50.intoArray(c, s5);
        c51.intoArray(c, s5 + LANES);
    }

    /** C[0:MR, 0:LANES] (+)= Apanel·Bpanel[:, 0:LANES], for a last panel of 1–16 columns. */
    static void tile1(int kc, MemorySegment ap, long ao, MemorySegment bp, long bo, float[] c, int co, int ldc,
                      VectorMask<Float> acc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z;
        FloatVector c10 = z;
        FloatVector c20 = z;
        FloatVector c30 = z;
        FloatVector c40 = z;
        FloatVector c50 = z;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, bp, bo, ORDER);
            FloatVector x;
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao));
            c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 4));
            c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 8));
            c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 12));
            c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 16));
            c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(F, ap.get(FLOAT, ao + 20));
            c50 = x.fma(b0, c50);
            ao += A_STEP;
            bo += B_STEP;
        }
        int r0 = co;
        c00 = c00.add(FloatVector.fromArray(F, c, r0), acc);
        int r1 = co + ldc;
        c10 = c10.add(FloatVector.fromArray(F, c, r1), acc);
        int r2 = co + 2 * ldc;
        c20 = c20.add(FloatVector.fromArray(F, c, r2), acc);
        int r3 = co + 3 * ldc;
        c30 = c30.add(FloatVector.fromArray(F, c, r3), acc);
        int r4 = co + 4 * ldc;
        c40 = c40.add(FloatVector.fromArray(F, c, r4), acc);
        int r5 = co + 5 * ldc;
        c50 = c50.add(FloatVector.fromArray(F, c, r5), acc);
        int s0 = co;
        c00.intoArray(c, s0);
        int s1 = co + ldc;
        c10.intoArray(c, s1);
        int s2 = co + 2 * ldc;
        c20.intoArray(c, s2);
        int s3 = co + 3 * ldc;
        c30.intoArray(c, s3);
        int s4 = co + 4 * ldc;
        c40.intoArray(c, s4);
        int s5 = co + 5 * ldc;
        c50.intoArray(c, s5);
    }
}
