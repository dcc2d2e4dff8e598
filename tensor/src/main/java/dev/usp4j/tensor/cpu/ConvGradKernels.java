package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;

/**
 * The weight gradient of a 2-D convolution, as im2col around {@link PackedGemm} (the input gradients are
 * convolutions themselves and need no kernel of their own).
 *
 * <p>For conv2d with input x [N, Cin, H, W] and output gradient g [N, Cout, OH, OW], the gradient of group
 * {@code grp}'s weight [Cout/g, Cin/g·kH·kW] is Σ over images of g_img [Cout/g, OH·OW] times the transposed
 * columns im2col(x_img) [Cin/g·kH·kW, OH·OW]. The output rows of all images are walked as one sequence
 * (image-major) and cut into chunks of at most {@link ConvKernels#colBudget} column floats; each chunk's patches
 * are unrolled side by side into one column buffer, so that small images (8×8 latents) still give GEMMs with a long
 * K instead of one short GEMM per image. When a chunk spans several images their gradient rows are gathered into a
 * buffer too; within one image the GEMM reads g in place. Each chunk's product is added to the weight gradient
 * (the first one overwrites it), so every element is summed chunk by chunk in a fixed order.
 *
 * <p>conv_transpose2d's weight gradient is the same computation with the roles swapped: its output gradient plays
 * the input (it is what the transposed convolution's taps read, in conv2d geometry) and its input plays the output
 * gradient, giving [Cin, Cout/g, kH, kW] directly. The kernel therefore takes OH×OW from the gradient it is given,
 * which may be fewer rows than a conv2d of x would produce (a transposed conv's output padding below the stride).
 *
 * <p>Parallel over groups when there are at least as many as threads (depthwise convolutions), otherwise over a
 * fixed number of parts of the chunk sequence, summed in order at the end; the chunks and parts depend only on the
 * sizes, so results do not depend on the thread count.
 */
final class ConvGradKernels {
    /** Fixed number of parts a weight gradient's chunks are summed in (at least the cores of this machine). */
    private static final int PARTS = 4;
    private static final ThreadLocal<float[][]> WORKSPACE = ThreadLocal.withInitial(() -> new float[3][0]);

    private ConvGradKernels() {
    }

    /**
     * This thread's buffer {@code which} (0: columns, 1: gathered gradient rows, 2: the parts' partial sums),
     * grown to {@code size}.
     */
    private static float[] workspace(int which, int size) {
        float[][] w = WORKSPACE.get();
        if (w[which].length < size) {
            w[which] = new float[size];
        }
        return w[which];
    }

    /**
     * gw [Cout, Cin/g, kH, kW] = Σ_n,oy,ox g[n, co, oy, ox] · x[n, ci, oy·sH − padTop + i·dH, ox·sW − padLeft +
     * j·dW] (0 outside x), for x [N, Cin, H, W] and g [N, Cout, OH, OW], all contiguous; gw is overwritten.
     */
    static void conv2dWeightGrad(NDArray x, NDArray g, Conv2dSpec s, NDArray gw) {
        int n = x.size(0);
        int cin = x.size(1);
        int h = x.size(2);
        int wd = x.size(3);
        int cout = g.size(1);
        int oh = g.size(2);
        int ow = g.size(3);
        int kh = gw.size(2);
        int kw = gw.size(3);
        int groups = s.groups();
        int cg = cin / groups;
        int coutg = cout / groups;
        int depth = cg * kh * kw;
        int ohw = oh * ow;
        float[] xa = CpuStorage.of(x).floats();
        float[] ga = CpuStorage.of(g).floats();
        float[] wa = CpuStorage.of(gw).floats();
        int wo = gw.offset();
        if (n == 0 || ohw == 0 || h * wd == 0) {
            Arrays.fill(wa, wo, wo + gw.numel(), 0f);
            return;
        }
        if (depth == 0 || coutg == 0) {
            return;
        }
        if (ShiftedConv.supports(s, kh, kw)) {
            ShiftedConv.weightGrad(x, g, s, gw);
            return;
        }
        int total = n * oh;
        int chunk = chunkRows(total, Math.clamp(ConvKernels.colBudget / Math.max(1, (long) depth * ow), 1, total));
        int chunks = (total + chunk - 1) / chunk;
        Geometry geo = new Geometry(x, g, s, xa, ga, cin, h, wd, cout, oh, ow, kh, kw, cg, coutg, depth, chunk, total);
        if (groups > 1 && groups >= Parallel.threads()) {
            Parallel.forRange(groups, 1, (g0, g1) -> {
                for (int grp = g0; grp < g1; grp++) {
                    accumulate(geo, grp, 0, chunks, wa, wo + grp * coutg * depth);
                }
            });
            return;
        }
        // The chunks of one group split into a fixed number of parts, each summed into its own buffer on whichever
        // thread takes it, then the parts added in order: both cores unroll columns (im2col is most of the time
        // for these narrow products), and the sum does not depend on the thread count.
        int parts = Math.min(chunks, PARTS);
        for (int grp = 0; grp < groups; grp++) {
            int wOff = wo + grp * coutg * depth;
            if (parts == 1) {
                accumulate(geo, grp, 0, chunks, wa, wOff);
                continue;
            }
            int size = coutg * depth;
            // Cleared, not fresh: a new array here is up to half a megabyte per call (the VAE's stride-2 layers),
            // allocated outside the thread's buffer into memory the VM may not have touched yet.
            float[] partial = workspace(2, (parts - 1) * size);
            Arrays.fill(partial, 0, (parts - 1) * size, 0f);
            int group = grp;
            Parallel.forRange(parts, 1, (p0, p1) -> {
                for (int part = p0; part < p1; part++) {
                    int c0 = (int) ((long) chunks * part / parts);
                    int c1 = (int) ((long) chunks * (part + 1) / parts);
                    if (part == 0) {
                        accumulate(geo, group, c0, c1, wa, wOff);
                    } else {
                        accumulate(geo, group, c0, c1, partial, (part - 1) * size);
                    }
                }
            });
            for (int part = 1; part < parts; part++) {
                int src = (part - 1) * size;
                for (int i = 0; i < size; i++) {
                    wa[wOff + i] += partial[src + i];
                }
            }
        }
    }

    /**
     * Rows per chunk: at most {@code budget}, and a whole multiple of PARTS chunks where there is more than one, so
     * that the parts hold equal work (3 chunks in 3 parts on 2 cores left one core idle for a third of the call on
     * the VAE's 8×8 layers).
     */
    static int chunkRows(int total, int budget) {
        int chunks = (total + budget - 1) / budget;
        if (chunks <= 1 || chunks % PARTS == 0) {
            return budget;
        }
        int want = (chunks + PARTS - 1) / PARTS * PARTS;
        return (total + want - 1) / want;
    }

    /** The sizes and arrays of one weight-gradient call. */
    private record Geometry(NDArray x, NDArray g, Conv2dSpec s, float[] xa, float[] ga, int cin, int h, int wd,
                            int cout, int oh, int ow, int kh, int kw, int cg, int coutg, int depth, int chunk,
                            int total) {
    }

    /**
     * dst[dOff ..] (group grp's [coutg, depth] weight gradient) = Σ over chunks c0 ≤ c &lt; c1 of the chunk's
     * product; the first chunk overwrites.
     */
    private static void accumulate(Geometry q, int grp, int c0, int c1, float[] dst, int dOff) {
        int ow = q.ow;
        int oh = q.oh;
        int ohw = oh * ow;
        int depth = q.depth;
        int coutg = q.coutg;
        float[] col = workspace(0, depth * q.chunk * ow);
        for (int c = c0; c < c1; c++) {
            int r0 = c * q.chunk;
            int r1 = Math.min(r0 + q.chunk, q.total);
            int k = (r1 - r0) * ow;
            int img0 = r0 / oh;
            int img1 = (r1 - 1) / oh;
            float[] a;
            int aOff;
            int aRow;
            if (img0 == img1) {
                a = q.ga;
                aOff = q.g.offset() + (img0 * q.cout + grp * coutg) * ohw + (r0 - img0 * oh) * ow;
                aRow = ohw;
            } else {
                a = workspace(1, coutg * k);
                aOff = 0;
                aRow = k;
            }
            for (int img = img0; img <= img1; img++) {
                int oy0 = Math.max(r0, img * oh) - img * oh;
                int oy1 = Math.min(r1, (img + 1) * oh) - img * oh;
                int colOff = (img * oh + oy0 - r0) * ow;
                int xOff = q.x.offset() + (img * q.cin + grp * q.cg) * q.h * q.wd;
                ConvKernels.im2col(q.xa, xOff, q.cg, q.h, q.wd, q.kh, q.kw, q.s, oy0, oy1 - oy0, ow, col, colOff, k);
                if (img0 != img1) {
                    int src = q.g.offset() + (img * q.cout + grp * coutg) * ohw + oy0 * ow;
                    for (int co = 0; co < coutg; co++) {
                        System.arraycopy(q.ga, src + co * ohw, a, co * k + colOff, (oy1 - oy0) * ow);
                    }
                }
            }
            // gw_grp[coutg, depth] (+)= A[coutg, k] · colᵀ, col read transposed through its strides.
            PackedGemm.sgemm(coutg, depth, k, a, aOff, aRow, 1, col, 0, 1, k, dst, dOff, depth, c > c0);
        }
    }
}
