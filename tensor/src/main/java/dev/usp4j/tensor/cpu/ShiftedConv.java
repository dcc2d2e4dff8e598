package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.GemmKernel.MR;
import static dev.usp4j.tensor.cpu.GemmKernel.NR;
import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.NDArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Stride-1 convolutions without an im2col buffer: the forward (and, through flipped weights, the transposed
 * convolution that is a stride-1 conv2d's input gradient) and the weight gradient, over a zero-padded copy of the
 * input whose planes have width W' = W + padLeft + padRight.
 *
 * <p>On that grid output pixel p = oy·W' + ox reads padded pixel p + off(i, j), off = i·dH·W' + j·dW, for tap
 * (i, j): every tap is the same operand read from a shifted start, and the pixels that wrap into the next row land
 * in the W' − OW padded output columns, which are computed and dropped (K or N grows by W'/OW, 25% on 8×8 latents
 * with padding 1). For "same"-width convolutions (padLeft + padRight = the kernel's dilated extent, OW = W, the
 * VAE's 3×3 with padding 1) the planes keep width W instead: off = i·dH·W + j·dW − padLeft, and the reads that
 * would cross a row end are zeroed while packing (lane masks in the forward's B rows, zeroed rows of B per tap
 * column in the weight gradient), so no column is wasted.
 *
 * <ul>
 *   <li>Forward: C [Cout, pixels] = W [Cout, (tap, Cin)] · X [(tap, Cin), pixels], X(tap·Cin + c, p) =
 *       x'[c, p + off(tap)]. Each row of a packed B panel is then NR consecutive floats of one padded plane: the
 *       panels are packed straight from x' with vector copies (im2col and packing in one pass), and the pixels of
 *       all images run as one long N, so the weight is packed once per call. B is packed a few panels at a time,
 *       just before their tiles, so that it is read back from L2. Where every NR-column panel is part of one
 *       image's output plane ("same" width, planes of a multiple of NR pixels: the VAE's 8×8 to 32×32) the tiles
 *       are written straight into the output with the bias as their start; otherwise C goes to a [Cout, pixels]
 *       buffer from which the valid columns are copied out with the bias.</li>
 *   <li>Weight gradient: gw[·, ·, i, j]ᵀ [Cin, Cout] = Σ_p x'[c, p + off(i, j)] · g'[co, p] (g' is the output
 *       gradient on the padded width, its extra columns zero). The shift is along K, and in the micro-panel layout
 *       of {@link GemmPacking} a shift by one step of K is a shift by MR floats: one packed block of x' (with a
 *       halo of (kH−1)·dH rows) serves all kH·kW taps, so x' and g' are packed once each where im2col + GEMM moved
 *       the kH·kW-fold column matrix three times (unroll, read, pack). K runs over segments of whole output rows of
 *       one image; the segments are summed in a fixed number of parts, each in its own buffer, added in order.</li>
 * </ul>
 *
 * <p>Every output element is summed in an order fixed by the sizes alone, so results do not depend on the thread
 * count. One group only; other strides and grouped convolutions take the im2col paths of {@link ConvKernels} and
 * {@link ConvGradKernels}.
 */
final class ShiftedConv {
    /** Parts the segments are summed in: a fixed number (at least the cores), so the order never depends on them. */
    private static final int PARTS = 4;
    /** Grid pixels (columns of C) per forward chunk: its padded planes, B block and C stay in L2. */
    private static final int CHUNK_COLUMNS = 1024;
    /** Largest output plane {@link #conv2d} takes (see {@link #supportsForward}). */
    private static final int FORWARD_MAX_PIXELS = 16 * 16;
    /**
     * Off (system property {@code usp4j.conv.im2col=true}): every convolution takes im2col, so that a benchmark can
     * put the two side by side ({@code bench/run-conv.sh}).
     */
    static boolean enabled = !Boolean.getBoolean("usp4j.conv.im2col");
    /**
     * Per calling thread: the padded input, the padded output gradient (weight gradient) or the [Cout, pixels]
     * product (forward), and the reordered weight (forward) or the parts' sums (weight gradient); grown, never shrunk.
     */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][0]);
    /**
     * Columns of B packed at a time in the forward: with K blocks of up to {@link PackedGemm#KC} the block (and the
     * packed weight) stays in L2 between its packing and its tiles.
     */
    private static final int B_COLUMNS = 4 * NR;
    /** Floats past the last padded plane, so that a vector copy of the last panel stays inside the array. */
    private static final int TAIL = 2 * NR;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private ShiftedConv() {
    }

    /**
     * Whether these kernels handle the geometry (the callers' fallback is im2col). 1×1 kernels included: their
     * weight and input gradients as one product over all images' pixels ran 1.1-2x faster than per-image GEMMs,
     * and 5-10x on the VAE's 4- and 8-channel layers, where each per-image GEMM was mostly call overhead.
     */
    static boolean supports(Conv2dSpec s, int kh, int kw) {
        return enabled && !KernelPath.SCALAR && s.strideH() == 1 && s.strideW() == 1 && s.groups() == 1
                && kh * kw > 0;
    }

    /**
     * Whether {@link #conv2d} should take the geometry: as {@link #supports}, for "same"-width convolutions (padLeft
     * + padRight = the kernel's dilated extent, so OW = W: no padded columns) at any size, others for output planes
     * of at most {@link #FORWARD_MAX_PIXELS}. With padded columns, at 32×32 im2col's per-image GEMM (which writes
     * the output in place) was as fast: the padded columns (6%) and the copy-out cost what the unrolling saved
     * (bench/RESULTS.md). The transposed convolution replaces im2col + col2im and wins at every size. A 1×1
     * forward on larger planes stays with the per-image GEMM, which reads the input in place (no padded copy).
     */
    static boolean supportsForward(Conv2dSpec s, int kh, int kw, int oh, int ow) {
        boolean small = (long) oh * ow <= FORWARD_MAX_PIXELS;
        return supports(s, kh, kw) && (kh * kw > 1 || small)
                && (sameWidth(s.padLeft(), s.padRight(), kw, s.dilationW()) || small);
    }

    /** Whether the forward keeps the planes' width and masks row ends (see {@link #forward}). */
    private static boolean sameWidth(int pl, int pr, int kw, int dw) {
        return pl + pr == (kw - 1) * dw && pl < LANES;
    }

    /**
     * Whether {@link #convTranspose2d} handles the geometry: as {@link #supports}, and padding no larger than the
     * kernel's dilated extent on each side (the equivalent convolution's padding is that extent minus it).
     */
    static boolean supportsTransposed(Conv2dSpec s, int kh, int kw) {
        int eh = s.dilationH() * (kh - 1);
        int ew = s.dilationW() * (kw - 1);
        return supports(s, kh, kw) && s.padTop() <= eh && s.padBottom() <= eh && s.padLeft() <= ew
                && s.padRight() <= ew;
    }

    /** out [N, Cout, OH, OW] = conv2d(x, w) + bias for contiguous x [N, Cin, H, W] and w [Cout, Cin, kH, kW]. */
    static void conv2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec s, NDArray out) {
        int cout = w.size(0);
        int cin = x.size(1);
        float[] wr = tapMajor(w, cout, cin, false);
        forward(x, wr, cout, w.size(2), w.size(3), s.padTop(), s.padBottom(), s.padLeft(), s.padRight(),
                s.dilationH(), s.dilationW(), bias, out);
    }

    /**
     * The forward's weight [Cout, (tap, Cin)] row-major, in this thread's buffer: from a conv2d weight
     * [Cout, Cin, kH, kW], or ({@code transposed}) from a conv_transpose2d weight [Cin, Cout, kH, kW] with the taps
     * flipped in both spatial dims.
     */
    private static float[] tapMajor(NDArray w, int cout, int cin, boolean transposed) {
        int taps = w.size(2) * w.size(3);
        float[] wa = CpuStorage.of(w).floats();
        int wo = w.offset();
        float[] wr = grow(BUFFERS.get(), 2, (long) cout * taps * cin);
        for (int co = 0; co < cout; co++) {
            for (int c = 0; c < cin; c++) {
                int from = wo + (transposed ? c * cout + co : co * cin + c) * taps;
                for (int tap = 0; tap < taps; tap++) {
                    wr[(co * taps + tap) * cin + c] = wa[from + (transposed ? taps - 1 - tap : tap)];
                }
            }
        }
        return wr;
    }

    /**
     * out = conv_transpose2d(x, w) + bias for contiguous x [N, Cin, H, W] and w [Cin, Cout, kH, kW], stride 1: the
     * convolution of x with w flipped in both spatial dims and its channel dims swapped, padded by the kernel's
     * dilated extent minus the transposed convolution's padding (plus the output padding below and right).
     */
    static void convTranspose2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec s, NDArray out) {
        int cin = x.size(1);
        int cout = w.size(1);
        int kh = w.size(2);
        int kw = w.size(3);
        float[] wr = tapMajor(w, cout, cin, true);
        int eh = s.dilationH() * (kh - 1);
        int ew = s.dilationW() * (kw - 1);
        forward(x, wr, cout, kh, kw, eh - s.padTop(), eh - s.padBottom() + s.outputPaddingH(), ew - s.padLeft(),
                ew - s.padRight() + s.outputPaddingW(), s.dilationH(), s.dilationW(), bias, out);
    }

    /**
     * The forward over the padded grid: wr is the weight as [Cout, (tap, Cin)] row-major; pads and dilation are
     * the convolution's; out's extent is the padded input's minus the dilated kernel's. Images go in chunks of
     * about {@link #CHUNK_COLUMNS} grid pixels, each padded, multiplied and copied out by one thread while its
     * buffers are still in cache (one pass of the whole batch through memory-sized buffers ran at 2/3 the speed on
     * two cores).
     */
    private static void forward(NDArray x, float[] wr, int cout, int kh, int kw, int pt, int pb, int pl, int pr,
                                int dh, int dw, NDArray bias, NDArray out) {
        int n = x.size(0);
        int cin = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int oh = out.size(2);
        int ow = out.size(3);
        // One zero row below each plane (and a tail after the last): the vector copies of a plane's last columns
        // read past its last output row's window; what they read only reaches dropped columns, but must be finite.
        int hp = h + pt + pb + 1;
        if (ow + (kw - 1) * dw != w + pl + pr || oh + (kh - 1) * dh != hp - 1) {
            throw new IllegalStateException("conv2d: output " + oh + "x" + ow + " does not match the padded input "
                    + (hp - 1) + "x" + (w + pl + pr) + " and the dilated kernel");
        }
        // "Same" width (OW = W, as the VAE's 3×3 with padding 1): the planes keep their width, and the lanes of a
        // tap that would read across a row end are zeroed while packing, instead of computing W' − OW padded
        // columns per row (a quarter of the work on 8×8 planes). Otherwise the planes are padded to W'.
        boolean same = sameWidth(pl, pr, kw, dw);
        int wp = same ? w : w + pl + pr;
        int margin = same ? LANES : 0;
        int taps = kh * kw;
        int depth = taps * cin;
        if (n == 0 || cout == 0) {
            return;
        }
        if (depth == 0) {
            // No input channels: the output is the bias.
            float[] oa = CpuStorage.of(out).floats();
            float[] ba = bias == null ? null : CpuStorage.of(bias).floats();
            for (int r = 0; r < n * cout; r++) {
                int from = out.offset() + r * oh * ow;
                Arrays.fill(oa, from, from + oh * ow, ba == null ? 0f : ba[bias.offset() + r % cout]);
            }
            return;
        }
        // Each image's pixels on the padded grid, rounded to whole vectors so that no vector spans two images.
        int span = roundUp(oh * wp, LANES);
        int[] off = new int[taps];
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                off[i * kw + j] = i * dh * wp + j * dw - (same ? pl : 0);
            }
        }
        long[][] masks = same ? rowEndMasks(w, oh, span, kw, dw, pl) : null;
        if (cout == 1 && same && span == oh * ow) {
            // One output channel: dot products over the padded planes ({@link ThinConv}), not 1-of-6-row tiles.
            thinForward(x, wr, cin, h, w, pt, hp, margin, span, off, masks, kw, bias, out);
            return;
        }
        int kBlocks = (depth + PackedGemm.KC - 1) / PackedGemm.KC;
        int kcMax = (depth + kBlocks - 1) / kBlocks;
        long aBlock = (long) roundUp(cout, MR) * kcMax;
        MemorySegment aPack = GemmWorkspace.get().a(kBlocks * aBlock);
        for (int kb = 0; kb < kBlocks; kb++) {
            int pc = (int) ((long) depth * kb / kBlocks);
            int kc = (int) ((long) depth * (kb + 1) / kBlocks) - pc;
            GemmPacking.packA(wr, pc, depth, 1, cout, kc, aPack.asSlice(4L * kb * aBlock));
        }
        // Straight into the output when each image's grid pixels are its output plane (no padded columns) and
        // every micro-panel of NR columns falls inside one image.
        boolean direct = same && span == oh * ow && span % NR == 0;
        int chunk = Math.clamp(CHUNK_COLUMNS / span, 1, n);
        int units = (n + chunk - 1) / chunk;
        Grid q = new Grid(CpuStorage.of(x).floats(), x.offset(), cin, h, w, pt, same ? 0 : pl, hp, wp, margin, span,
                off, masks, kw, depth, kBlocks, aBlock, cout, chunk, aPack, CpuStorage.of(out).floats(),
                out.offset(), oh, ow, bias == null ? null : CpuStorage.of(bias).floats(),
                bias == null ? 0 : bias.offset(), direct, direct ? biasTile(bias, cout) : null);
        long macs = (long) cout * depth * span * n;
        int grain = macs < (1L << 23) ? units : 1;
        Parallel.forRange(units, grain, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int i0 = u * chunk;
                chunk(q, i0, Math.min(n, i0 + chunk) - i0);
            }
        });
    }

    /**
     * The forward of a one-output-channel "same"-width convolution: images in chunks as {@link #chunk}, each padded
     * into this thread's buffer, then {@link ThinConv#forwardImage} per image.
     */
    private static void thinForward(NDArray x, float[] wr, int cin, int h, int w, int pt, int hp, int margin,
                                    int span, int[] off, long[][] masks, int kw, NDArray bias, NDArray out) {
        int n = x.size(0);
        float[] xa = CpuStorage.of(x).floats();
        float[] oa = CpuStorage.of(out).floats();
        float b = bias == null ? 0f : CpuStorage.of(bias).floats()[bias.offset()];
        int xPlane = hp * w;
        int chunk = Math.clamp(CHUNK_COLUMNS / span, 1, n);
        int units = (n + chunk - 1) / chunk;
        long macs = (long) cin * off.length * span * n;
        Parallel.forRange(units, macs < (1L << 22) ? units : 1, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int i0 = u * chunk;
                int count = Math.min(n, i0 + chunk) - i0;
                float[] xp = padded(BUFFERS.get(), xa, x.offset() + i0 * cin * h * w, count * cin, h, w, pt, 0,
                        hp, w, margin);
                for (int img = 0; img < count; img++) {
                    ThinConv.forwardImage(xp, margin + img * cin * xPlane, cin, xPlane, off, masks, kw, wr, b, oa,
                            out.offset() + (i0 + img) * span, span);
                }
            }
        });
    }

    /** [roundUp(Cout, MR), NR]: row co is bias[co] (or 0) in every column, the direct tiles' starting values. */
    private static float[] biasTile(NDArray bias, int cout) {
        float[] t = new float[roundUp(cout, MR) * NR];
        if (bias != null) {
            float[] ba = CpuStorage.of(bias).floats();
            for (int co = 0; co < cout; co++) {
                Arrays.fill(t, co * NR, (co + 1) * NR, ba[bias.offset() + co]);
            }
        }
        return t;
    }

    /**
     * For "same"-width planes: masks[j][v] has bit l set where lane l of the image's vector v may read tap column j
     * (0 ≤ ox + j·dW − padLeft &lt; W for its pixel ox); lanes past the image's pixels are left set (dropped anyway).
     */
    private static long[][] rowEndMasks(int w, int oh, int span, int kw, int dw, int pl) {
        long[][] masks = new long[kw][span / LANES];
        for (int j = 0; j < kw; j++) {
            int dx = j * dw - pl;
            for (int p = 0; p < span; p++) {
                int ox = p % w;
                if (p >= oh * w || (ox + dx >= 0 && ox + dx < w)) {
                    masks[j][p / LANES] |= 1L << (p % LANES);
                }
            }
        }
        return masks;
    }

    /**
     * One forward call's operands and sizes. pl is the left padding written into the planes (0 in "same" mode),
     * margin the zero floats before the first plane, masks null unless "same".
     */
    private record Grid(float[] xa, int xOff, int cin, int h, int w, int pt, int pl, int hp, int wp, int margin,
                        int span, int[] off, long[][] masks, int kw, int depth, int kBlocks, long aBlock, int cout,
                        int chunk, MemorySegment aPack, float[] oa, int oOff, int oh, int ow, float[] ba, int bo,
                        boolean direct, float[] biasTile) {
    }

    /**
     * Images [i0, i0 + count): pads them into this thread's buffer and forms C [Cout, their grid pixels] block of
     * columns by block of columns, each block's B packed straight from the padded planes just before its tiles run
     * (so that it is still in L2), K block by K block. C goes straight to the output when every micro-panel lies in
     * one image's contiguous output plane ({@link Grid#direct}), the bias entering as the first K block's start
     * tile; otherwise it goes to a buffer whose valid pixels are copied out with the bias.
     */
    private static void chunk(Grid q, int i0, int count) {
        int xPlane = q.hp * q.wp;
        int qPad = roundUp(count * q.span, NR);
        float[][] buf = BUFFERS.get();
        float[] xp = padded(buf, q.xa, q.xOff + i0 * q.cin * q.h * q.w, count * q.cin, q.h, q.w, q.pt, q.pl, q.hp,
                q.wp, q.margin);
        float[] cbuf = q.direct ? null : grow(buf, 1, (long) roundUp(q.cout, MR) * qPad);
        int kcMax = (int) (q.aBlock / roundUp(q.cout, MR));
        int block = Math.min(qPad, B_COLUMNS);
        GemmWorkspace ws = GemmWorkspace.get();
        MemorySegment bPack = ws.b((long) kcMax * block);
        int vectors = qPad / LANES;
        int[] src = new int[vectors];
        for (int v = 0; v < vectors; v++) {
            int col = v * LANES;
            int img = col / q.span;
            // Columns past the last image (panel padding) read the first plane; they are never copied out.
            src[v] = q.margin + (img < count ? img * q.cin * xPlane + col % q.span : 0);
        }
        // The row-end masks by the chunk's vector index, so that packing does no division per vector.
        long[][] masks = null;
        if (q.masks != null) {
            int perImage = q.span / LANES;
            masks = new long[q.kw][vectors];
            for (int j = 0; j < q.kw; j++) {
                for (int v = 0; v < vectors; v++) {
                    masks[j][v] = q.masks[j][v % perImage];
                }
            }
        }
        int ohw = q.oh * q.ow;
        for (int j0 = 0; j0 < qPad; j0 += block) {
            int cols = Math.min(block, qPad - j0);
            for (int kb = 0; kb < q.kBlocks; kb++) {
                int pc = (int) ((long) q.depth * kb / q.kBlocks);
                int kc = (int) ((long) q.depth * (kb + 1) / q.kBlocks) - pc;
                packShifted(xp, q.cin, xPlane, q.off, src, j0 / LANES, cols / LANES, pc, kc, masks, q.kw, bPack);
                long aBase = 4L * kb * q.aBlock;
                for (int jr = 0; jr < cols; jr += NR) {
                    long bo = 4L * jr * kc;
                    if (q.direct) {
                        int col = j0 + jr;
                        int to = q.oOff + (i0 + col / q.span) * q.cout * ohw + col % q.span;
                        directTiles(q, kc, aBase, bPack, bo, kb > 0, to, ohw, ws.tile);
                    } else {
                        VectorMask<Float> mode = GemmKernel.mode(kb > 0);
                        for (int ir = 0; ir < q.cout; ir += MR) {
                            PackedGemm.tile(GemmKernel.VECTORS, kc, q.aPack, aBase + 4L * ir * kc, bPack, bo, cbuf,
                                    ir * qPad + j0 + jr, qPad, mode);
                        }
                    }
                }
            }
        }
        if (q.direct) {
            return;
        }
        for (int img = 0; img < count; img++) {
            for (int co = 0; co < q.cout; co++) {
                float b = q.ba == null ? 0f : q.ba[q.bo + co];
                int src0 = co * qPad + img * q.span;
                int dst = q.oOff + ((i0 + img) * q.cout + co) * ohw;
                for (int oy = 0; oy < q.oh; oy++, src0 += q.wp, dst += q.ow) {
                    for (int ox = 0; ox < q.ow; ox++) {
                        q.oa[dst + ox] = cbuf[src0 + ox] + b;
                    }
                }
            }
        }
    }

    /**
     * One micro-panel's column of tiles written straight into the output: rows are output channels (stride ohw),
     * {@code to} is channel 0's first pixel. The first K block starts from the bias tile, later ones from the output
     * itself. A last tile of fewer than MR channels goes through {@code tmp}, since its spare rows would land on the
     * next image's channels, which another thread may be writing.
     */
    private static void directTiles(Grid q, int kc, long aBase, MemorySegment bPack, long bo, boolean accumulate,
                                    int to, int ohw, float[] tmp) {
        float[] oa = q.oa;
        for (int ir = 0; ir < q.cout; ir += MR) {
            long ao = aBase + 4L * ir * kc;
            int c = to + ir * ohw;
            int mr = Math.min(MR, q.cout - ir);
            if (mr == MR) {
                if (accumulate) {
                    GemmKernel.tile(kc, q.aPack, ao, bPack, bo, oa, c, ohw, oa, c, ohw);
                } else {
                    GemmKernel.tile(kc, q.aPack, ao, bPack, bo, q.biasTile, ir * NR, NR, oa, c, ohw);
                }
                continue;
            }
            if (accumulate) {
                for (int i = 0; i < mr; i++) {
                    System.arraycopy(oa, c + i * ohw, tmp, i * NR, NR);
                }
                GemmKernel.tile(kc, q.aPack, ao, bPack, bo, tmp, 0, NR, tmp, 0, NR);
            } else {
                GemmKernel.tile(kc, q.aPack, ao, bPack, bo, q.biasTile, ir * NR, NR, tmp, 0, NR);
            }
            for (int i = 0; i < mr; i++) {
                System.arraycopy(tmp, i * NR, oa, c + i * ohw, NR);
            }
        }
    }

    /**
     * Packs rows [pc, pc + kc) of X (row tap·Cin + c: plane c of each image read from off(tap)) for the chunk's
     * vectors [v0, v0 + count) (vector v's first column at xp[src[v]] + the row's offset) into B micro-panels; with
     * masks ("same" width), the lanes that would read across a row end are zeroed.
     */
    private static void packShifted(float[] xp, int cin, int xPlane, int[] off, int[] src, int v0, int count,
                                    int pc, int kc, long[][] masks, int kw, MemorySegment bPack) {
        long panelBytes = 4L * kc * NR;
        FloatVector zero = FloatVector.zero(F);
        for (int r = 0; r < kc; r++) {
            int k = pc + r;
            int tap = k / cin;
            int base = k % cin * xPlane + off[tap];
            long row = 4L * r * NR;
            if (masks == null) {
                for (int u = 0; u < count; u++) {
                    long dst = (u / GemmKernel.VECTORS) * panelBytes + row + 4L * (u % GemmKernel.VECTORS) * LANES;
                    FloatVector.fromArray(F, xp, src[v0 + u] + base).intoMemorySegment(bPack, dst, ORDER);
                }
            } else {
                long[] m = masks[tap % kw];
                for (int u = 0; u < count; u++) {
                    int v = v0 + u;
                    long dst = (u / GemmKernel.VECTORS) * panelBytes + row + 4L * (u % GemmKernel.VECTORS) * LANES;
                    VectorMask<Float> valid = VectorMask.fromLong(F, m[v]);
                    zero.blend(FloatVector.fromArray(F, xp, src[v] + base), valid).intoMemorySegment(bPack, dst,
                            ORDER);
                }
            }
        }
    }

    /** gw [Cout, Cin, kH, kW] = Σ g ⋆ x for contiguous x [N, Cin, H, W] and g [N, Cout, OH, OW]; overwritten. */
    static void weightGrad(NDArray x, NDArray g, Conv2dSpec s, NDArray gw) {
        int n = x.size(0);
        int cin = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int cout = g.size(1);
        int oh = g.size(2);
        int ow = g.size(3);
        int kh = gw.size(2);
        int kw = gw.size(3);
        int pl = s.padLeft();
        int dw = s.dilationW();
        // One zero row below each padded plane: packing a plane's last segment (its rows plus the taps' halo) reads
        // up to (kW−1)·dW steps past the padded rows. Those steps only ever meet zero columns of g' (or masked
        // rows), but they must be finite (0·NaN is NaN) and inside the buffer.
        int hp = h + s.padTop() + s.padBottom() + 1;
        if (ow + (kw - 1) * dw > w + pl + s.padRight() || oh + (kh - 1) * s.dilationH() > hp - 1) {
            throw new IllegalStateException("conv weight grad: output gradient " + oh + "x" + ow
                    + " does not fit the padded input " + (hp - 1) + "x" + (w + pl + s.padRight()));
        }
        // "Same" width (OW = W): the planes keep their width and g is read in place; for each tap column the rows
        // of B (output pixels) whose window would cross a row end are zeroed, in one copy of packed B per column.
        boolean same = sameWidth(pl, s.padRight(), kw, dw) && ow == w;
        int wp = same ? w : w + pl + s.padRight();
        int margin = same ? LANES : 0;
        int xPlane = hp * wp;
        int gPlane = oh * wp;
        float[][] buf = BUFFERS.get();
        float[] ga;
        int gOff;
        if (same) {
            ga = CpuStorage.of(g).floats();
            gOff = g.offset();
        } else {
            ga = grow(buf, 1, (long) n * cout * gPlane);
            gOff = 0;
            padGradient(CpuStorage.of(g).floats(), g.offset(), n * cout, oh, ow, wp, ga);
        }
        float[] xa = CpuStorage.of(x).floats();
        if (ThinConv.thinWeightGrad(cin, cout) && gPlane % LANES == 0) {
            int[] shift = new int[kh * kw];
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    shift[i * kw + j] = i * s.dilationH() * wp + j * dw;
                }
            }
            // Each image padded just before its dot products, into the thread's buffer (in L2), rather than the
            // whole batch in one pass through memory and back.
            ThinConv.weightGrad(img -> padded(BUFFERS.get(), xa, x.offset() + img * cin * h * w, cin, h, w,
                    s.padTop(), same ? 0 : pl, hp, wp, margin), margin - (same ? pl : 0), xPlane, ga, gOff, gPlane, n,
                    cin, cout, shift, same ? rowEndMasks(w, oh, gPlane, kw, dw, pl) : null, kw,
                    CpuStorage.of(gw).floats(), gw.offset());
            return;
        }
        float[] xp = padded(buf, xa, x.offset(), n * cin, h, w, s.padTop(), same ? 0 : pl, hp, wp, margin);
        int bands = Math.max(1, (gPlane + PackedGemm.KC - 1) / PackedGemm.KC);
        int rowsPerBand = (oh + bands - 1) / bands;
        bands = (oh + rowsPerBand - 1) / rowsPerBand;
        int segments = n * bands;
        int parts = Math.min(PARTS, segments);
        int taps = kh * kw;
        int cinPad = roundUp(cin, MR);
        int coutPad = roundUp(cout, LANES);
        int partSize = taps * cinPad * coutPad;
        // The parts' sums in this thread's buffer, cleared: a fresh array here was 0.6 MB on the VAE's 64-channel
        // layers, a humongous object per call that G1 placed in a region of its own, often one never touched
        // before, and page faults made the weight gradient 2-3x slower inside a training step than alone.
        float[] sums = grow(buf, 2, (long) parts * partSize);
        Arrays.fill(sums, 0, parts * partSize, 0f);
        Layout q = new Layout(xp, margin - (same ? pl : 0), ga, gOff, same, pl, cin, cout, oh, kh, kw, s.dilationH(),
                dw, wp, xPlane, gPlane, bands, rowsPerBand, cinPad, coutPad);
        Parallel.forRange(parts, 1, (p0, p1) -> {
            for (int part = p0; part < p1; part++) {
                int first = (int) ((long) segments * part / parts);
                int last = (int) ((long) segments * (part + 1) / parts);
                for (int seg = first; seg < last; seg++) {
                    accumulate(q, seg, sums, part * partSize);
                }
            }
        });
        float[] out = CpuStorage.of(gw).floats();
        int o = gw.offset();
        for (int co = 0; co < cout; co++) {
            for (int c = 0; c < cin; c++) {
                for (int tap = 0; tap < taps; tap++) {
                    int src = (tap * cinPad + c) * coutPad + co;
                    float v = sums[src];
                    for (int part = 1; part < parts; part++) {
                        v += sums[part * partSize + src];
                    }
                    out[o++] = v;
                }
            }
        }
    }

    /**
     * Sizes of one call: the padded input (its packing starts at xBase + the segment's first row), the (padded)
     * output gradient at gOff, whether row ends are masked ("same" width, left padding pl), and how K is cut.
     */
    private record Layout(float[] xp, int xBase, float[] ga, int gOff, boolean same, int pl, int cin, int cout,
                          int oh, int kh, int kw, int dh, int dw, int wp, int xPlane, int gPlane, int bands,
                          int rowsPerBand, int cinPad, int coutPad) {
    }

    /** Per thread: the packed B of each tap column with its row-crossing rows zeroed ("same" width). */
    private static final ThreadLocal<MemorySegment[]> COLUMN_B =
            ThreadLocal.withInitial(() -> new MemorySegment[] {MemorySegment.NULL});

    /**
     * For each tap column j, packed B (kcB rows of whole NR-wide panels) with the rows of output pixels ox whose
     * ox + j·dW − padLeft falls outside [0, W) zeroed; columns that need no zeroing share bPack.
     */
    private static MemorySegment[] columnVariants(Layout q, MemorySegment bPack, int kcB) {
        int panels = roundUp(q.cout, NR) / NR;
        long bytes = 4L * panels * NR * kcB;
        MemorySegment[] holder = COLUMN_B.get();
        if (holder[0].byteSize() < bytes * q.kw) {
            holder[0] = Arena.ofAuto().allocate(bytes * q.kw, 64);
        }
        MemorySegment[] variants = new MemorySegment[q.kw];
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < q.kw; j++) {
            int dx = j * q.dw - q.pl;
            if (dx == 0) {
                variants[j] = bPack;
                continue;
            }
            MemorySegment v = holder[0].asSlice(j * bytes, bytes);
            MemorySegment.copy(bPack, 0, v, 0, bytes);
            for (int p = 0; p < kcB; p++) {
                int ox = p % q.wp;
                if (ox + dx >= 0 && ox + dx < q.wp) {
                    continue;
                }
                for (int panel = 0; panel < panels; panel++) {
                    long o = 4L * ((long) panel * kcB + p) * NR;
                    for (int l = 0; l < NR; l += LANES) {
                        zero.intoMemorySegment(v, o + 4L * l, ORDER);
                    }
                }
            }
            variants[j] = v;
        }
        return variants;
    }

    /** Adds segment {@code seg}'s product for every tap into sums[base + (tap·cinPad + c)·coutPad + co]. */
    private static void accumulate(Layout q, int seg, float[] sums, int base) {
        int img = seg / q.bands;
        int r0 = seg % q.bands * q.rowsPerBand;
        int rows = Math.min(q.rowsPerBand, q.oh - r0);
        int kcB = rows * q.wp;
        int kcA = (rows + (q.kh - 1) * q.dh) * q.wp + (q.kw - 1) * q.dw;
        GemmWorkspace ws = GemmWorkspace.get();
        MemorySegment aPack = ws.a((long) q.cinPad * kcA);
        MemorySegment bPack = ws.b((long) roundUp(q.cout, NR) * kcB);
        // In "same" mode packed A starts padLeft steps before the segment (xBase), so tap (i, j) reads from step
        // i·dH·W + j·dW: pixel ox's column ox + j·dW − padLeft.
        GemmPacking.packA(q.xp, q.xBase + img * q.cin * q.xPlane + r0 * q.wp, q.xPlane, 1, q.cin, kcA, aPack);
        GemmPacking.packB(q.ga, q.gOff + img * q.cout * q.gPlane + r0 * q.wp, 1, q.gPlane, kcB, q.cout, bPack);
        MemorySegment[] columnB = q.same ? columnVariants(q, bPack, kcB) : null;
        for (int i = 0; i < q.kh; i++) {
            for (int j = 0; j < q.kw; j++) {
                int tap = i * q.kw + j;
                long shift = 4L * MR * (i * q.dh * q.wp + j * q.dw);
                MemorySegment b = columnB == null ? bPack : columnB[j];
                for (int jr = 0; jr < q.cout; jr += NR) {
                    int vectors = (Math.min(NR, q.cout - jr) + LANES - 1) / LANES;
                    long bo = 4L * jr * kcB;
                    for (int ir = 0; ir < q.cin; ir += MR) {
                        PackedGemm.tile(vectors, kcB, aPack, 4L * ir * kcA + shift, b, bo, sums,
                                base + (tap * q.cinPad + ir) * q.coutPad + jr, q.coutPad, GemmKernel.ADD);
                    }
                }
            }
        }
    }

    /**
     * planes × [h, w] at xOff padded ({@link #padInput}) into buffer 0 of buf after {@code margin} zeros, with
     * {@link #TAIL} zeros after the last plane.
     */
    private static float[] padded(float[][] buf, float[] xa, int xOff, int planes, int h, int w, int top, int left,
                                  int hp, int wp, int margin) {
        int end = margin + planes * hp * wp;
        float[] xp = grow(buf, 0, (long) end + TAIL);
        Arrays.fill(xp, 0, margin, 0f);
        padInput(xa, xOff, planes, h, w, top, left, hp, wp, xp, margin);
        Arrays.fill(xp, end, end + TAIL, 0f);
        return xp;
    }

    /** planes × [h, w] at xOff into planes × [hp, wp] from xp[dstOff], shifted by (top, left), zero around. */
    private static void padInput(float[] xa, int xOff, int planes, int h, int w, int top, int left, int hp, int wp,
                                 float[] xp, int dstOff) {
        Parallel.forRange(planes, Math.max(1, 16384 / (hp * wp)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int dst = dstOff + p * hp * wp;
                Arrays.fill(xp, dst, dst + top * wp, 0f);
                if (left == 0 && wp == w) {
                    // "Same" width: the plane's rows stay contiguous, one copy instead of a call per row.
                    System.arraycopy(xa, xOff + p * h * w, xp, dst + top * wp, h * w);
                    Arrays.fill(xp, dst + (top + h) * wp, dst + hp * wp, 0f);
                    continue;
                }
                for (int y = 0; y < h; y++) {
                    int row = dst + (top + y) * wp;
                    Arrays.fill(xp, row, row + left, 0f);
                    System.arraycopy(xa, xOff + (p * h + y) * w, xp, row + left, w);
                    Arrays.fill(xp, row + left + w, row + wp, 0f);
                }
                Arrays.fill(xp, dst + (top + h) * wp, dst + hp * wp, 0f);
            }
        });
    }

    /** planes × [oh, ow] at gOff into planes × [oh, wp], the columns past ow zero. */
    private static void padGradient(float[] ga, int gOff, int planes, int oh, int ow, int wp, float[] gp) {
        Parallel.forRange(planes, Math.max(1, 16384 / (oh * wp)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                for (int y = 0; y < oh; y++) {
                    int row = (p * oh + y) * wp;
                    System.arraycopy(ga, gOff + (p * oh + y) * ow, gp, row, ow);
                    Arrays.fill(gp, row + ow, row + wp, 0f);
                }
            }
        });
    }

    private static float[] grow(float[][] buf, int which, long size) {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("conv weight grad: padded operand of " + size
                    + " floats exceeds a Java array");
        }
        if (buf[which].length < size) {
            buf[which] = new float[(int) size];
        }
        return buf[which];
    }

    private static int roundUp(int x, int unit) {
        return (x + unit - 1) / unit * unit;
    }
}
