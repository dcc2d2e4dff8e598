package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.BinaryOp;
import dev.usp4j.tensor.NDArray;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * LayerNorm and GroupNorm backward on contiguous F32 arrays, from the mean and rstd the forward saved.
 *
 * <p>With x̂ = (x − mean)·rstd and ĝ = g·w (w = 1 without a weight), the input gradient of a row (LayerNorm) or a
 * (sample, group) block (GroupNorm) of M elements is dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)); the weight gradient
 * is Σ g·x̂ and the bias gradient Σ g over everything but the normalised channel. Each row takes two passes: one
 * for the two sums (and the parameter sums), one writing dx.
 *
 * <p>Determinism: vector sums are reduced lane by lane in a fixed order (reduceLanes may change its order once
 * intrinsified). LayerNorm rows are cut into chunks whose size depends only on the row count; each chunk adds its
 * rows' g·x̂ and g into its own partial row, and the partials are then summed chunk by chunk in a fixed order
 * (parallel over columns). GroupNorm keeps Σ g and Σ g·(x − mean) per (sample, channel), which serve both the
 * block's dx and the parameter gradients (summed over samples in order). Nothing depends on the thread count.
 */
final class NormBackwardKernels {
    /** LayerNorm parameter gradients use at most this many partial rows. */
    private static final int MAX_CHUNKS = 64;

    private NormBackwardKernels() {
    }

    private static float[] floats(NDArray a) {
        return a == null ? null : CpuStorage.of(a).floats();
    }

    private static int off(NDArray a) {
        return a == null ? 0 : a.offset();
    }

    private static void zero(NDArray a) {
        if (a != null) {
            Arrays.fill(CpuStorage.of(a).floats(), a.offset(), a.offset() + a.numel(), 0f);
        }
    }

    /**
     * x and g [rows, C], mean and rstd [rows], weight [C] or null; writes gx [rows, C], gw and gb [C], each only
     * when not null.
     */
    static void layerNormBackward(NDArray x, NDArray g, NDArray mean, NDArray rstd, NDArray weight, int rows,
                                  NDArray gx, NDArray gw, NDArray gb) {
        int c = rows == 0 ? 0 : x.numel() / rows;
        if (rows == 0 || c == 0) {
            zero(gw);
            zero(gb);
            return;
        }
        float[] xs = floats(x);
        float[] gs = floats(g);
        float[] ms = floats(mean);
        float[] rs = floats(rstd);
        float[] ws = floats(weight);
        float[] dxs = floats(gx);
        int xo = x.offset();
        int go = g.offset();
        int wo = off(weight);
        int dxo = off(gx);
        boolean params = gw != null || gb != null;
        int chunkRows = Math.ceilDiv(rows, MAX_CHUNKS);
        int chunks = Math.ceilDiv(rows, chunkRows);
        float[] pw = gw == null ? null : new float[chunks * c];
        float[] pb = gb == null ? null : new float[chunks * c];
        int grain = (int) Math.max(1, StridedLoop.GRAIN / (4L * chunkRows * c));
        Parallel.forRange(chunks, grain, (k0, k1) -> {
            float[] sums = new float[2];
            float[] scratch = new float[LANES];
            for (int k = k0; k < k1; k++) {
                for (int r = k * chunkRows; r < Math.min(rows, (k + 1) * chunkRows); r++) {
                    int xr = xo + r * c;
                    int gr = go + r * c;
                    float m = ms[mean.offset() + r];
                    float rsd = rs[rstd.offset() + r];
                    if (params) {
                        paramSums(xs, xr, gs, gr, c, m, rsd, pw, pb, k * c);
                    }
                    if (dxs != null) {
                        rowSums(xs, xr, gs, gr, ws, wo, c, m, rsd, sums, scratch);
                        inputGrad(xs, xr, gs, gr, ws, wo, c, m, rsd, sums[0] / c, sums[1] / c, dxs, dxo + r * c);
                    }
                }
            }
        });
        if (params) {
            reduceChunks(pw, gw, chunks, c);
            reduceChunks(pb, gb, chunks, c);
        }
    }

    /** pw[p + i] += g·x̂ and pb[p + i] += g along one row (either may be null). */
    static void paramSums(float[] x, int xo, float[] g, int go, int n, float m, float rs, float[] pw,
                                  float[] pb, int p) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector gv = FloatVector.fromArray(F, g, go + i);
                if (pw != null) {
                    FloatVector xh = FloatVector.fromArray(F, x, xo + i).sub(m).mul(rs);
                    gv.fma(xh, FloatVector.fromArray(F, pw, p + i)).intoArray(pw, p + i);
                }
                if (pb != null) {
                    gv.add(FloatVector.fromArray(F, pb, p + i)).intoArray(pb, p + i);
                }
            }
        }
        for (; i < n; i++) {
            if (pw != null) {
                pw[p + i] = Math.fma(g[go + i], (x[xo + i] - m) * rs, pw[p + i]);
            }
            if (pb != null) {
                pb[p + i] += g[go + i];
            }
        }
    }

    /** out[i] = Σ_k partial[k·n + i] in chunk order, parallel over columns; out may be null. */
    static void reduceChunks(float[] partial, NDArray out, int chunks, int n) {
        if (out == null) {
            return;
        }
        float[] o = CpuStorage.of(out).floats();
        int oo = out.offset();
        Parallel.forRange(n, Math.max(LANES, StridedLoop.GRAIN / Math.max(1, chunks)), (c0, c1) -> {
            for (int i = c0; i < c1; i++) {
                float s = 0f;
                for (int k = 0; k < chunks; k++) {
                    s += partial[k * n + i];
                }
                o[oo + i] = s;
            }
        });
    }

    /** sums = {Σ ĝ, Σ ĝ·x̂} over one row, ĝ = g·w. */
    static void rowSums(float[] x, int xo, float[] g, int go, float[] w, int wo, int n, float m, float rs,
                                float[] sums, float[] scratch) {
        float sa = 0f;
        float sb = 0f;
        int i = 0;
        if (!KernelPath.SCALAR) {
            FloatVector va = FloatVector.zero(F);
            FloatVector vb = FloatVector.zero(F);
            for (; i <= n - LANES; i += LANES) {
                FloatVector gh = FloatVector.fromArray(F, g, go + i);
                if (w != null) {
                    gh = gh.mul(FloatVector.fromArray(F, w, wo + i));
                }
                FloatVector xh = FloatVector.fromArray(F, x, xo + i).sub(m).mul(rs);
                va = va.add(gh);
                vb = gh.fma(xh, vb);
            }
            va.intoArray(scratch, 0);
            sa = (float) VectorMath.sumLanes(scratch);
            vb.intoArray(scratch, 0);
            sb = (float) VectorMath.sumLanes(scratch);
        }
        for (; i < n; i++) {
            float gh = w == null ? g[go + i] : g[go + i] * w[wo + i];
            sa += gh;
            sb = Math.fma(gh, (x[xo + i] - m) * rs, sb);
        }
        sums[0] = sa;
        sums[1] = sb;
    }

    /** dx = rstd·(ĝ − ma − x̂·mb) over one row, where ma = mean(ĝ) and mb = mean(ĝ·x̂). */
    static void inputGrad(float[] x, int xo, float[] g, int go, float[] w, int wo, int n, float m, float rs,
                                  float ma, float mb, float[] dx, int dxo) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector gh = FloatVector.fromArray(F, g, go + i);
                if (w != null) {
                    gh = gh.mul(FloatVector.fromArray(F, w, wo + i));
                }
                FloatVector xh = FloatVector.fromArray(F, x, xo + i).sub(m).mul(rs);
                gh.sub(ma).sub(xh.mul(mb)).mul(rs).intoArray(dx, dxo + i);
            }
        }
        for (; i < n; i++) {
            float gh = w == null ? g[go + i] : g[go + i] * w[wo + i];
            float xh = (x[xo + i] - m) * rs;
            dx[dxo + i] = (gh - ma - xh * mb) * rs;
        }
    }

    /**
     * x and g [N, C, *], mean and rstd [N, groups], weight [C] or null; writes gx [N, C, *], gw and gb [C], each
     * only when not null.
     */
    static void groupNormBackward(NDArray x, NDArray g, NDArray mean, NDArray rstd, NDArray weight, int groups,
                                  NDArray gx, NDArray gw, NDArray gb) {
        groupNormBackward(x, g, mean, rstd, weight, null, groups, 0f, false, gx, gw, gb);
    }

    /**
     * GroupNorm's backward, or with {@code silu} the backward of SiLU(GroupNorm(x)) from the gradient of the SiLU's
     * output: per (sample, group) the normalised block is recomputed from x (the forward's code, so it is the value
     * the forward had) into a cache-sized buffer, the SiLU derivative applied there, and that block's gradient
     * enters the GroupNorm backward. The normalised activation is never stored and the SiLU gradient never makes a
     * pass through memory of its own. bias and eps are only read with {@code silu}.
     */
    static void groupNormBackward(NDArray x, NDArray g, NDArray mean, NDArray rstd, NDArray weight, NDArray bias,
                                  int groups, float eps, boolean silu, NDArray gx, NDArray gw, NDArray gb) {
        int n = x.size(0);
        int ch = x.size(1);
        if (x.numel() == 0) {
            zero(gw);
            zero(gb);
            return;
        }
        int hw = x.numel() / (n * ch);
        int cg = ch / groups;
        int block = cg * hw;
        float[] xs = floats(x);
        float[] gs = floats(g);
        float[] ms = floats(mean);
        float[] rs = floats(rstd);
        float[] ws = floats(weight);
        float[] dxs = floats(gx);
        float[] bs = floats(bias);
        int bo = off(bias);
        int xo = x.offset();
        int go = g.offset();
        int wo = off(weight);
        int dxo = off(gx);
        // Per (sample, channel): Σ g and Σ g·(x − mean).
        float[] sg = new float[n * ch];
        float[] sgx = new float[n * ch];
        int grain = (int) Math.max(1, StridedLoop.GRAIN / (4L * block));
        Parallel.forRange(n * groups, grain, (u0, u1) -> {
            float[] sums = new float[2];
            float[] scratch = new float[LANES];
            float[] normed = silu ? new float[block] : null;
            float[] siluGrad = silu ? new float[block] : null;
            double[] dev = new double[2];
            for (int u = u0; u < u1; u++) {
                float m = ms[mean.offset() + u];
                float rsd = rs[rstd.offset() + u];
                int c0 = (u % groups) * cg;
                int nc0 = (u / groups) * ch + c0;
                // The gradient entering the GroupNorm backward, ga[gBase + o] for o inside this block.
                float[] ga = gs;
                int gBase = go;
                if (silu) {
                    NormKernels.Stats st = NormKernels.stats(xs, xo + u * block, block, eps, dev, scratch);
                    for (int j = 0; j < cg; j++) {
                        float scale = st.rstd() * (ws == null ? 1f : ws[wo + c0 + j]);
                        float shift = bs == null ? 0f : bs[bo + c0 + j];
                        NormKernels.channel(xs, xo + u * block + j * hw, normed, j * hw, hw, st.hi(), st.lo(), scale,
                                shift);
                    }
                    BinaryKernels.f32Row(BinaryOp.SILU_BACKWARD, gs, go + u * block, 1, normed, 0, 1, siluGrad, 0, 1,
                            block);
                    ga = siluGrad;
                    gBase = -u * block;
                }
                double a = 0;
                double b = 0;
                for (int j = 0; j < cg; j++) {
                    int o = u * block + j * hw;
                    channelSums(xs, xo + o, ga, gBase + o, hw, m, sums, scratch);
                    sg[nc0 + j] = sums[0];
                    sgx[nc0 + j] = sums[1];
                    double wc = ws == null ? 1 : ws[wo + c0 + j];
                    a += wc * sums[0];
                    b += wc * sums[1];
                }
                if (dxs == null) {
                    continue;
                }
                float k0 = (float) (-rsd * a / block);
                float k1 = (float) ((double) rsd * rsd * rsd * b / block);
                for (int j = 0; j < cg; j++) {
                    int o = u * block + j * hw;
                    float scale = ws == null ? rsd : rsd * ws[wo + c0 + j];
                    channelGrad(xs, xo + o, ga, gBase + o, hw, m, scale, k0, k1, dxs, dxo + o);
                }
            }
        });
        float[] dw = floats(gw);
        float[] db = floats(gb);
        for (int c = 0; c < ch; c++) {
            double sw = 0;
            double sb = 0;
            for (int s = 0; s < n; s++) {
                sw += (double) sgx[s * ch + c] * rs[rstd.offset() + s * groups + c / cg];
                sb += sg[s * ch + c];
            }
            if (dw != null) {
                dw[gw.offset() + c] = (float) sw;
            }
            if (db != null) {
                db[gb.offset() + c] = (float) sb;
            }
        }
    }

    /** sums = {Σ g, Σ g·(x − m)} over one channel of n elements. */
    private static void channelSums(float[] x, int xo, float[] g, int go, int n, float m, float[] sums,
                                    float[] scratch) {
        float s1 = 0f;
        float s2 = 0f;
        int i = 0;
        if (!KernelPath.SCALAR) {
            FloatVector v1 = FloatVector.zero(F);
            FloatVector v2 = FloatVector.zero(F);
            for (; i <= n - LANES; i += LANES) {
                FloatVector gv = FloatVector.fromArray(F, g, go + i);
                v1 = v1.add(gv);
                v2 = gv.fma(FloatVector.fromArray(F, x, xo + i).sub(m), v2);
            }
            v1.intoArray(scratch, 0);
            s1 = (float) VectorMath.sumLanes(scratch);
            v2.intoArray(scratch, 0);
            s2 = (float) VectorMath.sumLanes(scratch);
        }
        for (; i < n; i++) {
            s1 += g[go + i];
            s2 = Math.fma(g[go + i], x[xo + i] - m, s2);
        }
        sums[0] = s1;
        sums[1] = s2;
    }

    /** dx = scale·g + k0 − (x − m)·k1 along one channel (scale = rstd·w, k0 = −rstd·mean ĝ, k1 = rstd³·mean ĝ(x−m)). */
    private static void channelGrad(float[] x, int xo, float[] g, int go, int n, float m, float scale, float k0,
                                    float k1, float[] dx, int dxo) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= n - LANES; i += LANES) {
                FloatVector d = FloatVector.fromArray(F, x, xo + i).sub(m).mul(-k1).add(k0);
                FloatVector.fromArray(F, g, go + i).mul(scale).add(d).intoArray(dx, dxo + i);
            }
        }
        for (; i < n; i++) {
            dx[dxo + i] = g[go + i] * scale + ((x[xo + i] - m) * -k1 + k0);
        }
    }
}
