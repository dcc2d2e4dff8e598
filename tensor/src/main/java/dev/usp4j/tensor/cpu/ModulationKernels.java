package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.NDArray;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * DiT's adaLN conditioning on contiguous F32 arrays, each a single pass where the composed ops take several: the
 * modulated LayerNorm LN(x)·(1 + scale) + shift and the gated residual x + gate·branch, with their backward passes,
 * for tokens [N, T, D] and per-sample vectors [N, D].
 *
 * <p>Why: in a DiT-S/2 step on 8×8 latents every block modulates twice and gates twice; composed, each is two or
 * three broadcast ops forward, as many backward, and a sum over the tokens for the per-sample gradient, every one
 * a sweep of the whole activation plus an output allocation. Here the forward makes one output and the backward
 * reads the gradient once, keeping the per-sample sums in the row being written.
 *
 * <p>Numerics: the forward does the composed ops' float operations in their order (LayerNorm's own row code, then
 * a multiply by 1 + scale and an add), so its output is the same floats. The backward sums over tokens in token
 * order per sample, and the LayerNorm parameter gradients add per-sample partial rows in sample order: results do
 * not depend on the thread count. Parallel over rows forward and over samples backward.
 */
final class ModulationKernels {
    private ModulationKernels() {
    }

    /** x [N, T, D]; weight, bias [D] or null; shift, scale [N, D]; writes out [N, T, D] and mean, rstd [N, T]. */
    static void layerNormModulate(NDArray x, NDArray weight, NDArray bias, NDArray shift, NDArray scale, float eps,
                                  NDArray out, NDArray mean, NDArray rstd) {
        int t = x.size(1);
        float[] sh = CpuStorage.of(shift).floats();
        float[] sc = CpuStorage.of(scale).floats();
        int sho = shift.offset();
        int sco = scale.offset();
        NormKernels.layerNorm(x, x.size(0) * t, weight, bias, eps, out, mean, rstd, (r, y, yo, d) -> {
            int v = (r / t) * d;
            modulateRow(y, yo, sh, sho + v, sc, sco + v, d);
        });
    }

    /** y = y·(1 + scale) + shift over one row, in place. */
    private static void modulateRow(float[] y, int yo, float[] sh, int sho, float[] sc, int sco, int d) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= d - LANES; i += LANES) {
                FloatVector s1 = FloatVector.fromArray(F, sc, sco + i).add(1f);
                FloatVector.fromArray(F, y, yo + i).mul(s1).add(FloatVector.fromArray(F, sh, sho + i))
                        .intoArray(y, yo + i);
            }
        }
        for (; i < d; i++) {
            y[yo + i] = y[yo + i] * (sc[sco + i] + 1f) + sh[sho + i];
        }
    }

    /**
     * Gradients of {@link #layerNormModulate} from g [N, T, D], x, mean, rstd, weight and bias (nullable) and scale
     * [N, D]: gx [N, T, D], gw and gb [D], gShift and gScale [N, D], each only when not null.
     */
    static void layerNormModulateBackward(NDArray x, NDArray g, NDArray mean, NDArray rstd, NDArray weight,
                                          NDArray bias, NDArray scale, NDArray gx, NDArray gw, NDArray gb,
                                          NDArray gShift, NDArray gScale) {
        int samples = x.size(0);
        int t = x.size(1);
        int d = x.size(2);
        float[] xs = CpuStorage.of(x).floats();
        float[] gs = CpuStorage.of(g).floats();
        float[] ms = CpuStorage.of(mean).floats();
        float[] rs = CpuStorage.of(rstd).floats();
        float[] ws = weight == null ? null : CpuStorage.of(weight).floats();
        float[] bs = bias == null ? null : CpuStorage.of(bias).floats();
        float[] sc = CpuStorage.of(scale).floats();
        float[] dxs = gx == null ? null : CpuStorage.of(gx).floats();
        float[] dsh = gShift == null ? null : CpuStorage.of(gShift).floats();
        float[] dsc = gScale == null ? null : CpuStorage.of(gScale).floats();
        int wo = weight == null ? 0 : weight.offset();
        int bo = bias == null ? 0 : bias.offset();
        int xo = x.offset();
        int go = g.offset();
        int sco = scale.offset();
        int dxo = gx == null ? 0 : gx.offset();
        int dsho = gShift == null ? 0 : gShift.offset();
        int dsco = gScale == null ? 0 : gScale.offset();
        boolean params = gw != null || gb != null;
        boolean lnGrads = params || dxs != null;
        // One partial row per sample: the samples are the parallel blocks, so the sums never race.
        float[] pw = gw == null ? null : new float[samples * d];
        float[] pb = gb == null ? null : new float[samples * d];
        int grain = (int) Math.max(1, StridedLoop.GRAIN / (4L * Math.max(1, t) * Math.max(1, d)));
        Parallel.forRange(samples, grain, (n0, n1) -> {
            float[] gm = new float[d];
            float[] sums = new float[2];
            float[] scratch = new float[LANES];
            for (int n = n0; n < n1; n++) {
                int vo = n * d;
                if (dsh != null) {
                    Arrays.fill(dsh, dsho + vo, dsho + vo + d, 0f);
                }
                if (dsc != null) {
                    Arrays.fill(dsc, dsco + vo, dsco + vo + d, 0f);
                }
                for (int r = n * t; r < (n + 1) * t; r++) {
                    int xr = xo + r * d;
                    int gr = go + r * d;
                    float m = ms[mean.offset() + r];
                    float rsd = rs[rstd.offset() + r];
                    modulationGrads(xs, xr, gs, gr, m, rsd, ws, wo, bs, bo, sc, sco + vo, d, dsh, dsho + vo, dsc,
                            dsco + vo, lnGrads ? gm : null);
                    if (params) {
                        NormBackwardKernels.paramSums(xs, xr, gm, 0, d, m, rsd, pw, pb, vo);
                    }
                    if (dxs != null) {
                        NormBackwardKernels.rowSums(xs, xr, gm, 0, ws, wo, d, m, rsd, sums, scratch);
                        NormBackwardKernels.inputGrad(xs, xr, gm, 0, ws, wo, d, m, rsd, sums[0] / d, sums[1] / d,
                                dxs, dxo + r * d);
                    }
                }
            }
        });
        if (params) {
            NormBackwardKernels.reduceChunks(pw, gw, samples, d);
            NormBackwardKernels.reduceChunks(pb, gb, samples, d);
        }
    }

    /**
     * One token row: dShift += g, dScale += g·LN(x) (LayerNorm's output, recomputed; either may be null) and gm = g·(1 + scale), the LayerNorm
     * output's gradient (when gm is not null).
     */
    private static void modulationGrads(float[] x, int xo, float[] g, int go, float m, float rs, float[] w, int wo,
                                        float[] b, int bo, float[] sc, int sco, int d, float[] dsh, int dsho,
                                        float[] dsc, int dsco, float[] gm) {
        int i = 0;
        if (!KernelPath.SCALAR) {
            for (; i <= d - LANES; i += LANES) {
                FloatVector gv = FloatVector.fromArray(F, g, go + i);
                if (dsh != null) {
                    gv.add(FloatVector.fromArray(F, dsh, dsho + i)).intoArray(dsh, dsho + i);
                }
                if (dsc != null) {
                    FloatVector ln = FloatVector.fromArray(F, x, xo + i).sub(m).mul(rs);
                    if (w != null && b != null) {
                        ln = ln.fma(FloatVector.fromArray(F, w, wo + i), FloatVector.fromArray(F, b, bo + i));
                    } else if (w != null) {
                        ln = ln.mul(FloatVector.fromArray(F, w, wo + i));
                    } else if (b != null) {
                        ln = ln.add(FloatVector.fromArray(F, b, bo + i));
                    }
                    gv.fma(ln, FloatVector.fromArray(F, dsc, dsco + i)).intoArray(dsc, dsco + i);
                }
                if (gm != null) {
                    gv.mul(FloatVector.fromArray(F, sc, sco + i).add(1f)).intoArray(gm, i);
                }
            }
        }
        for (; i < d; i++) {
            float gv = g[go + i];
            if (dsh != null) {
                dsh[dsho + i] += gv;
            }
            if (dsc != null) {
                float ln = (x[xo + i] - m) * rs;
                if (w != null && b != null) {
                    ln = Math.fma(ln, w[wo + i], b[bo + i]);
                } else if (w != null) {
                    ln *= w[wo + i];
                } else if (b != null) {
                    ln += b[bo + i];
                }
                dsc[dsco + i] = Math.fma(gv, ln, dsc[dsco + i]);
            }
            if (gm != null) {
                gm[i] = gv * (sc[sco + i] + 1f);
            }
        }
    }

    /** out = x + gate·branch for x, branch, out [N, T, D] and gate [N, D]. */
    static void gatedAdd(NDArray x, NDArray branch, NDArray gate, NDArray out) {
        int t = x.size(1);
        int d = x.size(2);
        int rows = x.size(0) * t;
        float[] xs = CpuStorage.of(x).floats();
        float[] bs = CpuStorage.of(branch).floats();
        float[] gs = CpuStorage.of(gate).floats();
        float[] ys = CpuStorage.of(out).floats();
        int xo = x.offset();
        int bo = branch.offset();
        int gto = gate.offset();
        int yo = out.offset();
        Parallel.forRange(rows, (int) Math.max(1, StridedLoop.GRAIN / Math.max(1L, d)), (start, end) -> {
            for (int r = start; r < end; r++) {
                int off = r * d;
                int go = gto + (r / t) * d;
                int i = 0;
                if (!KernelPath.SCALAR) {
                    for (; i <= d - LANES; i += LANES) {
                        FloatVector p = FloatVector.fromArray(F, gs, go + i).mul(FloatVector.fromArray(F, bs,
                                bo + off + i));
                        FloatVector.fromArray(F, xs, xo + off + i).add(p).intoArray(ys, yo + off + i);
                    }
                }
                for (; i < d; i++) {
                    ys[yo + off + i] = xs[xo + off + i] + gs[go + i] * bs[bo + off + i];
                }
            }
        });
    }

    /** gBranch = g·gate and gGate = Σ_t g·branch (either may be null) for g, branch [N, T, D], gate [N, D]. */
    static void gatedAddBackward(NDArray g, NDArray branch, NDArray gate, NDArray gBranch, NDArray gGate) {
        int samples = g.size(0);
        int t = g.size(1);
        int d = g.size(2);
        float[] gs = CpuStorage.of(g).floats();
        float[] bs = CpuStorage.of(branch).floats();
        float[] gts = CpuStorage.of(gate).floats();
        float[] dbs = gBranch == null ? null : CpuStorage.of(gBranch).floats();
        float[] dgs = gGate == null ? null : CpuStorage.of(gGate).floats();
        int go = g.offset();
        int bo = branch.offset();
        int gto = gate.offset();
        int dbo = gBranch == null ? 0 : gBranch.offset();
        int dgo = gGate == null ? 0 : gGate.offset();
        int grain = (int) Math.max(1, StridedLoop.GRAIN / (2L * Math.max(1, t) * Math.max(1, d)));
        Parallel.forRange(samples, grain, (n0, n1) -> {
            for (int n = n0; n < n1; n++) {
                int vo = n * d;
                if (dgs != null) {
                    Arrays.fill(dgs, dgo + vo, dgo + vo + d, 0f);
                }
                for (int r = n * t; r < (n + 1) * t; r++) {
                    int off = r * d;
                    int i = 0;
                    if (!KernelPath.SCALAR) {
                        for (; i <= d - LANES; i += LANES) {
                            FloatVector gv = FloatVector.fromArray(F, gs, go + off + i);
                            if (dbs != null) {
                                FloatVector.fromArray(F, gts, gto + vo + i).mul(gv).intoArray(dbs, dbo + off + i);
                            }
                            if (dgs != null) {
                                gv.fma(FloatVector.fromArray(F, bs, bo + off + i),
                                        FloatVector.fromArray(F, dgs, dgo + vo + i)).intoArray(dgs, dgo + vo + i);
                            }
                        }
                    }
                    for (; i < d; i++) {
                        float gv = gs[go + off + i];
                        if (dbs != null) {
                            dbs[dbo + off + i] = gts[gto + vo + i] * gv;
                        }
                        if (dgs != null) {
                            dgs[dgo + vo + i] = Math.fma(gv, bs[bo + off + i], dgs[dgo + vo + i]);
                        }
                    }
                }
            }
        });
    }
}
