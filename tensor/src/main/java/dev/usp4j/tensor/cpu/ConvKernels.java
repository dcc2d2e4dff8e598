package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;

/**
 * 2-D convolution and transposed convolution as im2col/col2im around {@link PackedGemm}.
 *
 * <p>conv2d: for each (image, group) the input patches of a band of output rows are unrolled into a column buffer
 * [Cin/g·kH·kW, rows·OW] (a reused per-thread workspace) and one GEMM multiplies the group's weight
 * [Cout/g, Cin/g·kH·kW] by it, straight into the output, which was first filled with the bias (so the GEMM
 * accumulates, as PyTorch's slow_conv2d does). A 1×1, stride-1, unpadded convolution skips im2col: the input plane
 * is already the right-hand operand. conv_transpose2d: the transposed group weight (a strided view, no copy) times
 * the input gives columns [Cout/g·kH·kW, rows·W], which col2im scatters (adds) into the output.
 *
 * <p>Work is parallel over (image, group) units when there are at least as many as threads; otherwise units run one
 * after another and the GEMM, im2col and col2im parallelise inside each. Each output element is accumulated in a
 * fixed order (bias, then the GEMM's own order, or bands → kernel taps → input positions for col2im), so results do
 * not depend on the thread count. Bands bound the workspace to about {@link #colBudget} floats.
 */
final class ConvKernels {
    /** Floats a column band may take (4 MiB); a band holds at least one output row. Tests lower it. */
    static int colBudget = 1 << 20;

    private static final ThreadLocal<float[]> WORKSPACE = ThreadLocal.withInitial(() -> new float[0]);

    private ConvKernels() {
    }

    /** This thread's column buffer, grown to at least {@code size} floats. */
    private static float[] workspace(int size) {
        float[] w = WORKSPACE.get();
        if (w.length < size) {
            w = new float[size];
            WORKSPACE.set(w);
        }
        return w;
    }

    /** Runs units [0, n) in parallel when there are enough of them, else serially (letting the GEMM fan out). */
    private static void forUnits(int n, Parallel.Range body) {
        if (n > 1 && n >= Parallel.threads()) {
            Parallel.forRange(n, 1, body);
        } else {
            body.run(0, n);
        }
    }

    // ---- conv2d ---------------------------------------------------------------------------------------------

    static void conv2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec s, NDArray out) {
        int n = x.size(0);
        int cin = x.size(1);
        int h = x.size(2);
        int wd = x.size(3);
        int cout = w.size(0);
        int kh = w.size(2);
        int kw = w.size(3);
        int oh = out.size(2);
        int ow = out.size(3);
        int g = s.groups();
        int cg = cin / g;
        int coutg = cout / g;
        int depth = cg * kh * kw;
        float[] xa = CpuStorage.of(x).floats();
        float[] wa = CpuStorage.of(w).floats();
        float[] oa = CpuStorage.of(out).floats();
        float[] ba = bias == null ? null : CpuStorage.of(bias).floats();
        int bo = bias == null ? 0 : bias.offset();
        int ohw = oh * ow;
        if (ShiftedConv.supportsForward(s, kh, kw, oh, ow)) {
            ShiftedConv.conv2d(x, w, bias, s, out);
            return;
        }
        boolean direct = kh == 1 && kw == 1 && s.strideH() == 1 && s.strideW() == 1 && s.padTop() == 0
                && s.padBottom() == 0 && s.padLeft() == 0 && s.padRight() == 0;
        int band = direct ? oh : Math.clamp(colBudget / Math.max(1, depth * ow), 1, Math.max(1, oh));
        forUnits(n * g, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int img = u / g;
                int grp = u % g;
                int outOff = out.offset() + (img * cout + grp * coutg) * ohw;
                int xOff = x.offset() + (img * cin + grp * cg) * h * wd;
                int wOff = w.offset() + grp * coutg * depth;
                for (int co = 0; co < coutg; co++) {
                    Arrays.fill(oa, outOff + co * ohw, outOff + (co + 1) * ohw,
                            ba == null ? 0f : ba[bo + grp * coutg + co]);
                }
                if (depth == 0 || coutg == 0) {
                    continue;
                }
                if (direct) {
                    PackedGemm.sgemm(coutg, ohw, depth, wa, wOff, depth, 1, xa, xOff, h * wd, 1,
                            oa, outOff, ohw, true);
                    continue;
                }
                float[] col = workspace(depth * band * ow);
                for (int oy0 = 0; oy0 < oh; oy0 += band) {
                    int rows = Math.min(band, oh - oy0);
                    int cols = rows * ow;
                    im2col(xa, xOff, cg, h, wd, kh, kw, s, oy0, rows, ow, col);
                    PackedGemm.sgemm(coutg, cols, depth, wa, wOff, depth, 1, col, 0, cols, 1,
                            oa, outOff + oy0 * ow, ohw, true);
                }
            }
        });
    }

    /**
     * Unrolls output rows [oy0, oy0+rows) of one group's input (cg planes of h×w at xOff) into
     * col[(c·kh + i)·kw + j][(oy−oy0)·ow + ox] = x[c][oy·sh − padTop + i·dh][ox·sw − padLeft + j·dw] (0 outside).
     */
    static void im2col(float[] xa, int xOff, int cg, int h, int w, int kh, int kw, Conv2dSpec s,
                       int oy0, int rows, int ow, float[] col) {
        im2col(xa, xOff, cg, h, w, kh, kw, s, oy0, rows, ow, col, 0, rows * ow);
    }

    /**
     * As above, into the columns [colOff, colOff + rows·ow) of a column buffer whose rows are {@code ld} floats
     * apart, so that the patches of several images can sit side by side (the weight gradient does that).
     */
    static void im2col(float[] xa, int xOff, int cg, int h, int w, int kh, int kw, Conv2dSpec s,
                       int oy0, int rows, int ow, float[] col, int colOff, int ld) {
        int cols = rows * ow;
        int sh = s.strideH();
        int sw = s.strideW();
        int dh = s.dilationH();
        int dw = s.dilationW();
        int pt = s.padTop();
        int pl = s.padLeft();
        Parallel.forRange(cg * kh * kw, Math.max(1, 8192 / Math.max(1, cols)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int c = r / (kh * kw);
                int i = r / kw % kh;
                int j = r % kw;
                int ix0 = j * dw - pl;
                int dst = colOff + r * ld;
                if (KernelPath.SCALAR) {
                    for (int oy = oy0; oy < oy0 + rows; oy++) {
                        int iy = oy * sh - pt + i * dh;
                        for (int ox = 0; ox < ow; ox++, dst++) {
                            int ix = ox * sw + ix0;
                            col[dst] = iy >= 0 && iy < h && ix >= 0 && ix < w ? xa[xOff + (c * h + iy) * w + ix] : 0f;
                        }
                    }
                    continue;
                }
                // Output columns whose tap lands inside the row: ox·sw + ix0 in [0, w).
                int lo = Math.clamp(Math.ceilDiv(-ix0, sw), 0, ow);
                int hi = Math.clamp(Math.floorDiv(w - 1 - ix0, sw) + 1, lo, ow);
                for (int oy = oy0; oy < oy0 + rows; oy++, dst += ow) {
                    int iy = oy * sh - pt + i * dh;
                    if (iy < 0 || iy >= h) {
                        Arrays.fill(col, dst, dst + ow, 0f);
                        continue;
                    }
                    int src = xOff + (c * h + iy) * w + ix0;
                    Arrays.fill(col, dst, dst + lo, 0f);
                    if (sw == 1) {
                        System.arraycopy(xa, src + lo, col, dst + lo, hi - lo);
                    } else {
                        for (int ox = lo; ox < hi; ox++) {
                            col[dst + ox] = xa[src + ox * sw];
                        }
                    }
                    Arrays.fill(col, dst + hi, dst + ow, 0f);
                }
            }
        });
    }

    // ---- conv_transpose2d -----------------------------------------------------------------------------------

    static void convTranspose2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec s, NDArray out) {
        int n = x.size(0);
        int cin = x.size(1);
        int h = x.size(2);
        int wd = x.size(3);
        int coutg = w.size(1);
        int kh = w.size(2);
        int kw = w.size(3);
        int oh = out.size(2);
        int ow = out.size(3);
        int g = s.groups();
        int cing = cin / g;
        int cout = coutg * g;
        if (ShiftedConv.supportsTransposed(s, kh, kw)) {
            ShiftedConv.convTranspose2d(x, w, bias, s, out);
            return;
        }
        int m = coutg * kh * kw;
        float[] xa = CpuStorage.of(x).floats();
        float[] wa = CpuStorage.of(w).floats();
        float[] oa = CpuStorage.of(out).floats();
        float[] ba = bias == null ? null : CpuStorage.of(bias).floats();
        int bo = bias == null ? 0 : bias.offset();
        int ohw = oh * ow;
        int hw = h * wd;
        int band = Math.clamp(colBudget / Math.max(1, m * wd), 1, Math.max(1, h));
        forUnits(n * g, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int img = u / g;
                int grp = u % g;
                int outOff = out.offset() + (img * cout + grp * coutg) * ohw;
                int xOff = x.offset() + (img * cin + grp * cing) * hw;
                // A(i, p) = w[grp·cing + p][i]: the group's [cing, m] weight read transposed through its strides.
                int wOff = w.offset() + grp * cing * m;
                for (int co = 0; co < coutg; co++) {
                    Arrays.fill(oa, outOff + co * ohw, outOff + (co + 1) * ohw,
                            ba == null ? 0f : ba[bo + grp * coutg + co]);
                }
                if (cing == 0 || m == 0) {
                    continue;
                }
                float[] col = workspace(m * band * wd);
                for (int iy0 = 0; iy0 < h; iy0 += band) {
                    int rows = Math.min(band, h - iy0);
                    int cols = rows * wd;
                    PackedGemm.sgemm(m, cols, cing, wa, wOff, 1, m, xa, xOff + iy0 * wd, hw, 1,
                            col, 0, cols, false);
                    col2im(col, coutg, kh, kw, s, iy0, rows, wd, oa, outOff, oh, ow);
                }
            }
        });
    }

    /**
     * Adds columns col[(co·kh + i)·kw + j][(iy−iy0)·w + ix] of input rows [iy0, iy0+rows) into the output planes at
     * outOff: out[co][iy·sh − padTop + i·dh][ix·sw − padLeft + j·dw], skipping positions cropped away.
     */
    static void col2im(float[] col, int coutg, int kh, int kw, Conv2dSpec s, int iy0, int rows, int w,
                       float[] oa, int outOff, int oh, int ow) {
        int cols = rows * w;
        int sh = s.strideH();
        int sw = s.strideW();
        int dh = s.dilationH();
        int dw = s.dilationW();
        int pt = s.padTop();
        int pl = s.padLeft();
        // Parallel over output channels: each owns its plane, so the order of additions stays fixed.
        Parallel.forRange(coutg, Math.max(1, 8192 / Math.max(1, kh * kw * cols)), (c0, c1) -> {
            for (int co = c0; co < c1; co++) {
                int plane = outOff + co * oh * ow;
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        int src = ((co * kh + i) * kw + j) * cols;
                        int ox0 = j * dw - pl;
                        // Input columns whose output lands inside the row: ix·sw + ox0 in [0, ow).
                        int lo = Math.clamp(Math.ceilDiv(-ox0, sw), 0, w);
                        int hi = Math.clamp(Math.floorDiv(ow - 1 - ox0, sw) + 1, lo, w);
                        for (int iy = iy0; iy < iy0 + rows; iy++, src += w) {
                            int oy = iy * sh - pt + i * dh;
                            if (oy < 0 || oy >= oh) {
                                continue;
                            }
                            int dst = plane + oy * ow + ox0;
                            if (sw == 1) {
                                ArrayLoops.addInto(oa, dst + lo, col, src + lo, hi - lo);
                            } else {
                                for (int ix = lo; ix < hi; ix++) {
                                    oa[dst + ix * sw] += col[src + ix];
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
