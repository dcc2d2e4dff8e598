package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Backward of interpolate, avg_pool2d and the padding modes: each is the adjoint of its forward kernel, scattering
 * (interpolate, pooling) or gathering (pad) the output gradient into the input positions the forward read, with the
 * same index and weight tables. All write F32 gradients into a fresh contiguous array.
 *
 * <p>interpolate and avg_pool2d are parallel over the N·C planes: each plane's gradient belongs to one block, which
 * adds into it in a fixed order, so there are no races and no dependence on the thread count. Interpolation is
 * separable: the fast path first spreads each output row over the input rows it read (a vector multiply-add along
 * W), then spreads each such row along W; the scalar reference adds wh·ww·g per output element and tap. One
 * PyTorch 1.13 behaviour is mirrored: its nearest backward always maps out = in to the identity and out = 2·in to
 * {@code dst >> 1}, even for several channels, where its forward uses the formula; the two differ only for scale
 * factors that round the size to in or 2·in without being 1 or 2, and there PyTorch's gradient is not the adjoint.
 *
 * <p>pad is the tensor product of one selection per padded dim, so its adjoint is applied one dim at a time: each
 * input coordinate sums the output slices that were copied from it (in ascending order), parallel over those
 * slices. A coordinate that nothing copied (cropped by a negative CONSTANT pad) gets 0.
 */
final class ResampleBackwardKernels {
    private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[0]);

    private ResampleBackwardKernels() {
    }

    // ---- interpolate ----------------------------------------------------------------------------------------

    static void interpolateBackward(NDArray g, InterpolationMode mode, boolean alignCorners, double scaleH,
                                    double scaleW, NDArray gx) {
        int planes = gx.size(0) * gx.size(1);
        int h = gx.size(2);
        int w = gx.size(3);
        int oh = g.size(2);
        int ow = g.size(3);
        var th = InterpolationKernels.taps(mode, h, oh, alignCorners, scaleH, true);
        var tw = InterpolationKernels.taps(mode, w, ow, alignCorners, scaleW, true);
        float[] ga = CpuStorage.of(g).floats();
        float[] xa = CpuStorage.of(gx).floats();
        int gOff = g.offset();
        int xOff = gx.offset();
        int work = Math.max(1, oh * ow * th.taps() * tw.taps());
        Parallel.forRange(planes, Math.max(1, 16384 / work), (p0, p1) -> {
            boolean[] touched = new boolean[h];
            for (int p = p0; p < p1; p++) {
                int dst = xOff + p * h * w;
                Arrays.fill(xa, dst, dst + h * w, 0f);
                if (KernelPath.SCALAR) {
                    scatter(ga, gOff + p * oh * ow, oh, ow, th, tw, xa, dst, w);
                } else {
                    separable(ga, gOff + p * oh * ow, oh, ow, th, tw, xa, dst, h, w, touched);
                }
            }
        });
    }

    /** The definition: gx[h_j][w_i] += wh_j·ww_i·g[oy][ox] for every output element and tap, in order. */
    private static void scatter(float[] ga, int src, int oh, int ow, InterpolationKernels.Taps th,
                                InterpolationKernels.Taps tw, float[] xa, int dst, int w) {
        int nh = th.taps();
        int nw = tw.taps();
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                float v = ga[src + oy * ow + ox];
                for (int j = 0; j < nh; j++) {
                    float vh = nh == 1 ? v : v * th.wt()[oy * nh + j];
                    int row = dst + th.idx()[oy * nh + j] * w;
                    for (int i = 0; i < nw; i++) {
                        xa[row + tw.idx()[ox * nw + i]] += nw == 1 ? vh : vh * tw.wt()[ox * nw + i];
                    }
                }
            }
        }
    }

    private static void separable(float[] ga, int src, int oh, int ow, InterpolationKernels.Taps th,
                                  InterpolationKernels.Taps tw, float[] xa, int dst, int h, int w,
                                  boolean[] touched) {
        float[] rows = ROWS.get();
        if (rows.length < h * ow) {
            rows = new float[h * ow];
            ROWS.set(rows);
        }
        Arrays.fill(rows, 0, h * ow, 0f);
        Arrays.fill(touched, false);
        int nh = th.taps();
        int bound = F.loopBound(ow);
        // Along H: rows[ih] += wh·g[oy] for each output row and tap.
        for (int oy = 0; oy < oh; oy++) {
            int gr = src + oy * ow;
            for (int j = 0; j < nh; j++) {
                int ih = th.idx()[oy * nh + j];
                touched[ih] = true;
                int r = ih * ow;
                if (nh == 1) {
                    int ox = 0;
                    for (; ox < bound; ox += LANES) {
                        FloatVector.fromArray(F, ga, gr + ox).add(FloatVector.fromArray(F, rows, r + ox))
                                .intoArray(rows, r + ox);
                    }
                    for (; ox < ow; ox++) {
                        rows[r + ox] += ga[gr + ox];
                    }
                    continue;
                }
                float wh = th.wt()[oy * nh + j];
                int ox = 0;
                for (; ox < bound; ox += LANES) {
                    FloatVector.fromArray(F, ga, gr + ox).mul(wh).add(FloatVector.fromArray(F, rows, r + ox))
                            .intoArray(rows, r + ox);
                }
                for (; ox < ow; ox++) {
                    rows[r + ox] += ga[gr + ox] * wh;
                }
            }
        }
        // Along W: gx[ih][w_i] += ww_i·rows[ih][ox].
        int nw = tw.taps();
        int[] wi = tw.idx();
        float[] ww = tw.wt();
        for (int ih = 0; ih < h; ih++) {
            if (!touched[ih]) {
                continue;
            }
            int r = ih * ow;
            int d = dst + ih * w;
            if (nw == 1) {
                for (int ox = 0; ox < ow; ox++) {
                    xa[d + wi[ox]] += rows[r + ox];
                }
                continue;
            }
            for (int ox = 0; ox < ow; ox++) {
                float v = rows[r + ox];
                for (int i = 0; i < nw; i++) {
                    xa[d + wi[ox * nw + i]] += v * ww[ox * nw + i];
                }
            }
        }
    }

    // ---- avg_pool2d ---------------------------------------------------------------------------------------

    /** Each output gradient divided by its window's divisor (the forward's rules) and added to the window. */
    static void avgPool2dBackward(NDArray g, Pool2dSpec p, NDArray gx) {
        int planes = gx.size(0) * gx.size(1);
        int h = gx.size(2);
        int w = gx.size(3);
        int oh = g.size(2);
        int ow = g.size(3);
        float[] ga = CpuStorage.of(g).floats();
        float[] xa = CpuStorage.of(gx).floats();
        int gOff = g.offset();
        int xOff = gx.offset();
        int work = Math.max(1, oh * ow * p.kernelH() * p.kernelW());
        Parallel.forRange(planes, Math.max(1, 32768 / work), (p0, p1) -> {
            for (int pl = p0; pl < p1; pl++) {
                int src = gOff + pl * oh * ow;
                int dst = xOff + pl * h * w;
                Arrays.fill(xa, dst, dst + h * w, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = oy * p.strideH() - p.padH();
                    int y1 = Math.min(y0 + p.kernelH(), h + p.padH());
                    int padded = y1 - y0;
                    y0 = Math.max(y0, 0);
                    y1 = Math.min(y1, h);
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = ox * p.strideW() - p.padW();
                        int x1 = Math.min(x0 + p.kernelW(), w + p.padW());
                        int poolSize = padded * (x1 - x0);
                        x0 = Math.max(x0, 0);
                        x1 = Math.min(x1, w);
                        if (y0 >= y1 || x0 >= x1) {
                            continue;
                        }
                        int divisor = p.divisorOverride() != 0 ? p.divisorOverride()
                                : p.countIncludePad() ? poolSize : (y1 - y0) * (x1 - x0);
                        float v = ga[src + oy * ow + ox] / divisor;
                        for (int iy = y0; iy < y1; iy++) {
                            int row = dst + iy * w;
                            for (int ix = x0; ix < x1; ix++) {
                                xa[row + ix] += v;
                            }
                        }
                    }
                }
            }
        });
    }

    // ---- pad ---------------------------------------------------------------------------------------------------

    /**
     * The gradient of pad(x, pads, mode) for x of gx's shape: gx[i] = Σ over the output positions o copied from i
     * of g[o]. g and gx F32 and contiguous.
     */
    static void padBackward(NDArray g, int[] pads, PadMode mode, NDArray gx) {
        int rank = gx.rank();
        int[] in = gx.shape();
        int[] cur = g.shape();
        float[] src = CpuStorage.of(g).floats();
        int srcOff = g.offset();
        float[] out = CpuStorage.of(gx).floats();
        if (gx.numel() == 0) {
            return;
        }
        int last = -1;
        for (int d = 0; d < rank; d++) {
            if (needsPass(pads, rank, d)) {
                last = d;
            }
        }
        if (last < 0) {
            System.arraycopy(src, srcOff, out, gx.offset(), gx.numel());
            return;
        }
        for (int d = 0; d <= last; d++) {
            if (!needsPass(pads, rank, d)) {
                continue;
            }
            int k = rank - 1 - d;
            int[] map = mode.axisMap(in[d], pads[2 * k], cur[d]);
            int[] next = cur.clone();
            next[d] = in[d];
            // Intermediates from the pool and back to it: fresh multi-megabyte arrays are humongous objects in
            // regions of their own, and on a VM where first touches of memory are dear they cost more than the pass.
            float[] dst = d == last ? out : UninitializedArrays.floats(numel(next));
            int dstOff = d == last ? gx.offset() : 0;
            gatherAxis(src, srcOff, cur, d, map, in[d], dst, dstOff);
            if (src != CpuStorage.of(g).floats()) {
                UninitializedArrays.recycle(src);
            }
            src = dst;
            srcOff = dstOff;
            cur = next;
        }
    }

    private static boolean needsPass(int[] pads, int rank, int d) {
        int k = rank - 1 - d;
        return 2 * k < pads.length && (pads[2 * k] != 0 || pads[2 * k + 1] != 0);
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /**
     * Along dim d of a [outer, m, inner] source: dst[outer][i][:] = Σ_{o : map[o] = i} src[outer][o][:], o
     * ascending, for i in [0, n).
     */
    private static void gatherAxis(float[] src, int srcOff, int[] shape, int d, int[] map, int n, float[] dst,
                                   int dstOff) {
        int m = shape[d];
        int outer = 1;
        for (int i = 0; i < d; i++) {
            outer *= shape[i];
        }
        int inner = 1;
        for (int i = d + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        int[][] csr = PadMode.preimages(map, n);
        int[] from = csr[0];
        int[] list = csr[1];
        int len = inner;
        Parallel.forRange(outer * n, Math.max(1, 16384 / Math.max(1, len * Math.max(1, m / Math.max(1, n)))),
                (r0, r1) -> {
                    for (int r = r0; r < r1; r++) {
                        int b = r / n;
                        int i = r % n;
                        int dRow = dstOff + r * len;
                        if (from[i] == from[i + 1]) {
                            Arrays.fill(dst, dRow, dRow + len, 0f);
                            continue;
                        }
                        int sBase = srcOff + b * m * len;
                        System.arraycopy(src, sBase + list[from[i]] * len, dst, dRow, len);
                        for (int q = from[i] + 1; q < from[i + 1]; q++) {
                            ArrayLoops.addInto(dst, dRow, src, sBase + list[q] * len, len);
                        }
                    }
                });
    }
}
