package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import jdk.incubator.vector.FloatVector;

/**
 * Nearest, bilinear and bicubic resizing of [N,C,H,W] planes, reproducing PyTorch 1.13's CPU upsample kernels.
 *
 * <p>Each axis gets a table of source taps (index and weight per output position, 1, 2 or 4 taps) computed once per
 * call with PyTorch's arithmetic: the scale is a float (in/out, 1/scale_factor, or (in−1)/(out−1) with
 * align_corners); nearest takes {@code min(floor(dst·scale), in−1)}; linear computes the source index in double,
 * clamps negative ones to 0 and uses the same index twice when out = in; cubic computes it in float without
 * clamping and clamps each of its four taps to the border (A = −0.75). The result is
 * {@code Σ_j wh_j · (Σ_i ww_i · x[h_j][w_i])}, summed in that order.
 *
 * <p>One quirk of PyTorch is kept on purpose: an NCHW tensor with one channel is also channels-last contiguous, and
 * PyTorch then runs its channels-last nearest kernel, which maps out = in to the identity and out = 2·in to
 * {@code dst >> 1} before applying the formula. The two differ only when a scale factor rounds the size to in or
 * 2·in without being 1 or 2 (say 1.05 or 2.1), so nearest here takes those shortcuts exactly when C = 1.
 *
 * <p>The fast path is separable: the input rows an output row needs are resampled along W once per plane into a
 * per-thread buffer, then each output row is a vector weighted sum of those rows (multiply and add, no FMA, so it
 * is bit-identical to the scalar reference, which evaluates the formula per output element). Parallel over planes.
 */
public final class InterpolationKernels {
    private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[0]);

    private InterpolationKernels() {
    }

    /** Source taps of one axis: for output o and tap t, index idx[o·taps + t] and weight wt[o·taps + t] (null
     * for nearest, whose one tap weighs 1). Public so that device backends upload the same tables. */
    public record Taps(int taps, int[] idx, float[] wt) {
    }

    static void interpolate(NDArray x, InterpolationMode mode, boolean alignCorners, double scaleH, double scaleW,
                            NDArray out) {
        int planes = x.size(0) * x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int oh = out.size(2);
        int ow = out.size(3);
        boolean shortcuts = x.size(1) == 1;
        Taps th = taps(mode, h, oh, alignCorners, scaleH, shortcuts);
        Taps tw = taps(mode, w, ow, alignCorners, scaleW, shortcuts);
        boolean[] needed = new boolean[h];
        for (int i : th.idx()) {
            needed[i] = true;
        }
        float[] xa = CpuStorage.of(x).floats();
        float[] oa = CpuStorage.of(out).floats();
        int xOff = x.offset();
        int oOff = out.offset();
        int work = Math.max(1, oh * ow * th.taps() * tw.taps());
        Parallel.forRange(planes, Math.max(1, 16384 / work), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                if (KernelPath.SCALAR) {
                    reference(xa, xOff + p * h * w, w, th, tw, oa, oOff + p * oh * ow, oh, ow);
                } else {
                    separable(xa, xOff + p * h * w, h, w, th, tw, needed, oa, oOff + p * oh * ow, oh, ow);
                }
            }
        });
    }

    /**
     * The tap table of one axis resized from {@code in} to {@code out} (scale = source per destination);
     * {@code nearestShortcuts} applies PyTorch's channels-last nearest rules (see the class comment).
     */
    public static Taps taps(InterpolationMode mode, int in, int out, boolean alignCorners, double scale,
                            boolean nearestShortcuts) {
        return switch (mode) {
            case NEAREST -> nearest(in, out, (float) scale, nearestShortcuts);
            case BILINEAR -> linear(in, out, linearScale(in, out, alignCorners, scale), alignCorners);
            case BICUBIC -> cubic(in, out, linearScale(in, out, alignCorners, scale), alignCorners);
        };
    }

    /** PyTorch's area_pixel_compute_scale, in float. */
    private static float linearScale(int in, int out, boolean alignCorners, double scale) {
        if (alignCorners) {
            return out > 1 ? (float) (in - 1) / (out - 1) : 0f;
        }
        return (float) scale;
    }

    private static Taps nearest(int in, int out, float scale, boolean shortcuts) {
        int[] idx = new int[out];
        for (int o = 0; o < out; o++) {
            if (shortcuts && out == in) {
                idx[o] = o;
            } else if (shortcuts && out == 2 * in) {
                idx[o] = o >> 1;
            } else {
                idx[o] = Math.min((int) Math.floor((float) o * scale), in - 1);
            }
        }
        return new Taps(1, idx, null);
    }

    private static Taps linear(int in, int out, float scale, boolean alignCorners) {
        int[] idx = new int[2 * out];
        float[] wt = new float[2 * out];
        for (int o = 0; o < out; o++) {
            int i0;
            float l1;
            if (out == in) {
                i0 = o;
                l1 = 0f;
                idx[2 * o + 1] = o;
            } else {
                // The source index is computed in double from the float scale (PyTorch's acc_type on CPU).
                double src = alignCorners ? (double) scale * o : (double) scale * (o + 0.5) - 0.5;
                if (src < 0) {
                    src = 0;
                }
                i0 = (int) src;
                l1 = (float) (src - i0);
                idx[2 * o + 1] = i0 + (i0 < in - 1 ? 1 : 0);
            }
            idx[2 * o] = i0;
            wt[2 * o] = 1f - l1;
            wt[2 * o + 1] = l1;
        }
        return new Taps(2, idx, wt);
    }

    private static Taps cubic(int in, int out, float scale, boolean alignCorners) {
        int[] idx = new int[4 * out];
        float[] wt = new float[4 * out];
        float a = -0.75f;
        for (int o = 0; o < out; o++) {
            float src = alignCorners ? scale * o : scale * (o + 0.5f) - 0.5f;
            int i0 = (int) Math.floor(src);
            float t = src - i0;
            float x1 = t + 1f;
            float x2 = 1f - t;
            float x3 = x2 + 1f;
            wt[4 * o] = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a;
            wt[4 * o + 1] = ((a + 2) * t - (a + 3)) * t * t + 1;
            wt[4 * o + 2] = ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1;
            wt[4 * o + 3] = ((a * x3 - 5 * a) * x3 + 8 * a) * x3 - 4 * a;
            for (int k = 0; k < 4; k++) {
                idx[4 * o + k] = Math.clamp(i0 - 1 + k, 0, in - 1);
            }
        }
        return new Taps(4, idx, wt);
    }

    /** The definition, one output element at a time. */
    private static void reference(float[] xa, int src, int w, Taps th, Taps tw, float[] oa, int dst, int oh, int ow) {
        int nh = th.taps();
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                float acc = 0f;
                for (int j = 0; j < nh; j++) {
                    int row = src + th.idx()[oy * nh + j] * w;
                    float t = rowTap(xa, row, tw, ox);
                    float v = nh == 1 ? t : t * th.wt()[oy * nh + j];
                    acc = j == 0 ? v : acc + v;
                }
                oa[dst + oy * ow + ox] = acc;
            }
        }
    }

    /** Σ_i ww_i · x[row + w_i] for output column ox, in tap order (a plain read for nearest). */
    private static float rowTap(float[] xa, int row, Taps tw, int ox) {
        int nw = tw.taps();
        if (nw == 1) {
            return xa[row + tw.idx()[ox]];
        }
        float s = xa[row + tw.idx()[ox * nw]] * tw.wt()[ox * nw];
        for (int i = 1; i < nw; i++) {
            s += xa[row + tw.idx()[ox * nw + i]] * tw.wt()[ox * nw + i];
        }
        return s;
    }

    private static void separable(float[] xa, int src, int h, int w, Taps th, Taps tw, boolean[] needed,
                                  float[] oa, int dst, int oh, int ow) {
        float[] rows = ROWS.get();
        if (rows.length < h * ow) {
            rows = new float[h * ow];
            ROWS.set(rows);
        }
        for (int iy = 0; iy < h; iy++) {
            if (needed[iy]) {
                int row = src + iy * w;
                int r = iy * ow;
                for (int ox = 0; ox < ow; ox++) {
                    rows[r + ox] = rowTap(xa, row, tw, ox);
                }
            }
        }
        int nh = th.taps();
        int bound = F.loopBound(ow);
        for (int oy = 0; oy < oh; oy++) {
            int o = dst + oy * ow;
            if (nh == 1) {
                System.arraycopy(rows, th.idx()[oy] * ow, oa, o, ow);
                continue;
            }
            int[] ri = th.idx();
            float[] rw = th.wt();
            int base = oy * nh;
            int ox = 0;
            for (; ox < bound; ox += LANES) {
                FloatVector acc = FloatVector.fromArray(F, rows, ri[base] * ow + ox).mul(rw[base]);
                for (int j = 1; j < nh; j++) {
                    acc = acc.add(FloatVector.fromArray(F, rows, ri[base + j] * ow + ox).mul(rw[base + j]));
                }
                acc.intoArray(oa, o + ox);
            }
            for (; ox < ow; ox++) {
                float acc = rows[ri[base] * ow + ox] * rw[base];
                for (int j = 1; j < nh; j++) {
                    acc += rows[ri[base + j] * ow + ox] * rw[base + j];
                }
                oa[o + ox] = acc;
            }
        }
    }
}
