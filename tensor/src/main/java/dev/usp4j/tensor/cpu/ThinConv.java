package dev.usp4j.tensor.cpu;

import static dev.usp4j.tensor.cpu.KernelPath.F;
import static dev.usp4j.tensor.cpu.KernelPath.LANES;

import java.util.function.IntFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * {@link ShiftedConv}'s convolutions with one output channel or very few channel pairs, as vector dot products over
 * the same zero-padded planes instead of GEMM tiles.
 *
 * <p>Why: a GEMM tile is {@link GemmKernel#MR} output channels by {@code NR} columns, and its weight-gradient tiles
 * are input channels by whole vectors of output channels. A VAE's last convolution (32 channels to 1) and the input
 * gradient of its first (1 to 32) fill one sixth of the forward's tile rows, and their weight gradients one sixth
 * or one sixteenth of the tiles: 2.7-7.6 ms a call for 38 MFLOP. Here every multiply-add is useful; the loops are
 * bound by loads (one per multiply-add) and take a fraction of that.
 *
 * <p>Addressing is ShiftedConv's: pixel p of a plane reads p + off(tap) of the padded input plane, and in "same"
 * width mode the lanes whose tap column would cross a row end are zeroed with the row-end masks. Sums run in an order
 * fixed by the sizes alone (images in a fixed number of parts, each part's sum kept apart and added in order), so
 * results do not depend on the thread count.
 */
final class ThinConv {
    /** Parts the images are summed in for a weight gradient (as ShiftedConv's: not the thread count). */
    private static final int PARTS = 4;

    private ThinConv() {
    }

    /**
     * One image's output plane of a one-output-channel forward: out[oOff + p] = bias + Σ_c Σ_tap wr[tap·cin + c] ·
     * x'[xBase + c·xPlane + p + off[tap]] for p in [0, pixels), pixels a multiple of the vector length; masks
     * (null, or [kW][pixels / LANES] lane masks per tap column) zero the lanes that would cross a row end.
     *
     * <p>The sum is linear, so a tap column's mask is applied once to that column's partial sum rather than to every
     * load: the inner loop is loads and multiply-adds only (masking each load ran at a third of the speed). For
     * three tap columns (3×3 kernels), four output vectors go at a time with the three columns' sums apart: twelve
     * independent chains of multiply-adds, enough to hide their latency.
     */
    static void forwardImage(float[] xp, int xBase, int cin, int xPlane, int[] off, long[][] masks, int kw,
                             float[] wr, float bias, float[] out, int oOff, int pixels) {
        int vectors = pixels / LANES;
        int v = 0;
        if (kw == 3) {
            float[] tmp = new float[12 * LANES];
            int rows = off.length / 3;
            for (; v + 4 <= vectors; v += 4) {
                FloatVector z = FloatVector.zero(F);
                FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
                FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
                FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
                int p = v * LANES;
                for (int c = 0; c < cin; c++) {
                    int plane = xBase + c * xPlane + p;
                    for (int i = 0; i < rows; i++) {
                        int t = 3 * i;
                        int at = plane + off[t];
                        FloatVector w0 = FloatVector.broadcast(F, wr[t * cin + c]);
                        a00 = FloatVector.fromArray(F, xp, at).fma(w0, a00);
                        a01 = FloatVector.fromArray(F, xp, at + LANES).fma(w0, a01);
                        a02 = FloatVector.fromArray(F, xp, at + 2 * LANES).fma(w0, a02);
                        a03 = FloatVector.fromArray(F, xp, at + 3 * LANES).fma(w0, a03);
                        at = plane + off[t + 1];
                        FloatVector w1 = FloatVector.broadcast(F, wr[(t + 1) * cin + c]);
                        a10 = FloatVector.fromArray(F, xp, at).fma(w1, a10);
                        a11 = FloatVector.fromArray(F, xp, at + LANES).fma(w1, a11);
                        a12 = FloatVector.fromArray(F, xp, at + 2 * LANES).fma(w1, a12);
                        a13 = FloatVector.fromArray(F, xp, at + 3 * LANES).fma(w1, a13);
                        at = plane + off[t + 2];
                        FloatVector w2 = FloatVector.broadcast(F, wr[(t + 2) * cin + c]);
                        a20 = FloatVector.fromArray(F, xp, at).fma(w2, a20);
                        a21 = FloatVector.fromArray(F, xp, at + LANES).fma(w2, a21);
                        a22 = FloatVector.fromArray(F, xp, at + 2 * LANES).fma(w2, a22);
                        a23 = FloatVector.fromArray(F, xp, at + 3 * LANES).fma(w2, a23);
                    }
                }
                // Through an array: the column sums cross into a helper, which C2 may leave a call (this method
                // is large), and a vector crossing a call is boxed.
                a00.intoArray(tmp, 0);
                a01.intoArray(tmp, LANES);
                a02.intoArray(tmp, 2 * LANES);
                a03.intoArray(tmp, 3 * LANES);
                a10.intoArray(tmp, 4 * LANES);
                a11.intoArray(tmp, 5 * LANES);
                a12.intoArray(tmp, 6 * LANES);
                a13.intoArray(tmp, 7 * LANES);
                a20.intoArray(tmp, 8 * LANES);
                a21.intoArray(tmp, 9 * LANES);
                a22.intoArray(tmp, 10 * LANES);
                a23.intoArray(tmp, 11 * LANES);
                columns(tmp, 4, masks, v, bias, out, oOff + p);
            }
        }
        int rows = off.length / kw;
        for (; v < vectors; v++) {
            int p = v * LANES;
            FloatVector sum = FloatVector.broadcast(F, bias);
            for (int j = 0; j < kw; j++) {
                FloatVector a = FloatVector.zero(F);
                for (int c = 0; c < cin; c++) {
                    int plane = xBase + c * xPlane + p;
                    for (int i = 0; i < rows; i++) {
                        int tap = i * kw + j;
                        a = FloatVector.fromArray(F, xp, plane + off[tap])
                                .fma(FloatVector.broadcast(F, wr[tap * cin + c]), a);
                    }
                }
                sum = sum.add(masks == null ? a : a.blend(0f, VectorMask.fromLong(F, masks[j][v]).not()));
            }
            sum.intoArray(out, oOff + p);
        }
    }

    /**
     * out[o + u·LANES ..] = bias + Σ_j mask_j(vector v + u) · sums of column j, for u in [0, count): column j's sum
     * of vector u at tmp[(j·count + u)·LANES].
     */
    private static void columns(float[] tmp, int count, long[][] masks, int v, float bias, float[] out, int o) {
        for (int u = 0; u < count; u++) {
            FloatVector sum = FloatVector.broadcast(F, bias);
            for (int j = 0; j < 3; j++) {
                FloatVector a = FloatVector.fromArray(F, tmp, (j * count + u) * LANES);
                sum = sum.add(masks == null ? a : a.blend(0f, VectorMask.fromLong(F, masks[j][v + u]).not()));
            }
            sum.intoArray(out, o + u * LANES);
        }
    }

    /**
     * Whether the weight gradient of cin × cout channel pairs is cheaper as one dot product per pair and tap than
     * as GEMM tiles, which pad input channels to MR and output channels to whole vectors. A dot product here costs
     * about four tile multiply-adds (one load each instead of a register-blocked panel).
     */
    static boolean thinWeightGrad(int cin, int cout) {
        long padded = (long) ((cin + GemmKernel.MR - 1) / GemmKernel.MR * GemmKernel.MR)
                * ((cout + LANES - 1) / LANES * LANES);
        return 4L * cin * cout < padded;
    }

    /**
     * gw[co, c, tap] (row-major [Cout, Cin, taps] at gwOff) = Σ_img Σ_p x'_img[xBase + c·xPlane + p + shift[tap]] ·
     * g[gOff + (img·cout + co)·gPlane + p] over p in [0, gPlane), a multiple of the vector length, where x'_img is
     * what {@code image} returns for the image: its padded planes, in a buffer of the calling thread; masks as in
     * {@link #forwardImage}, indexed by the plane's vector. Overwrites gw.
     *
     * <p>The row-end mask of a tap column is applied to a copy of the gradient plane (x'·mask(g) = mask(x')·g), made
     * once per image and output channel, so that the dot products are loads and multiply-adds only. Each image's
     * dot product is reduced and added to its part's sum in image order.
     */
    static void weightGrad(IntFunction<float[]> image, int xBase, int xPlane, float[] ga, int gOff, int gPlane,
                           int n, int cin, int cout, int[] shift, long[][] masks, int kw, float[] gw, int gwOff) {
        int taps = shift.length;
        int pairs = cin * cout;
        int parts = Math.min(PARTS, n);
        float[] sums = new float[parts * pairs * taps];
        int vectors = gPlane / LANES;
        Parallel.forRange(parts, 1, (p0, p1) -> {
            float[] gm = masks == null ? null : new float[kw * gPlane];
            for (int part = p0; part < p1; part++) {
                int first = (int) ((long) n * part / parts);
                int last = (int) ((long) n * (part + 1) / parts);
                int base = part * pairs * taps;
                for (int img = first; img < last; img++) {
                    float[] xp = image.apply(img);
                    for (int co = 0; co < cout; co++) {
                        int gAt = gOff + (img * cout + co) * gPlane;
                        if (gm != null) {
                            for (int j = 0; j < kw; j++) {
                                for (int v = 0; v < vectors; v++) {
                                    FloatVector.fromArray(F, ga, gAt + v * LANES)
                                            .blend(0f, VectorMask.fromLong(F, masks[j][v]).not())
                                            .intoArray(gm, j * gPlane + v * LANES);
                                }
                            }
                        }
                        for (int c = 0; c < cin; c++) {
                            int xAt = xBase + c * xPlane;
                            for (int tap = 0; tap < taps; tap++) {
                                float d = gm == null ? dot(xp, xAt + shift[tap], ga, gAt, vectors)
                                        : dot(xp, xAt + shift[tap], gm, tap % kw * gPlane, vectors);
                                sums[base + (co * cin + c) * taps + tap] += d;
                            }
                        }
                    }
                }
            }
        });
        for (int i = 0; i < pairs * taps; i++) {
            float s = sums[i];
            for (int part = 1; part < parts; part++) {
                s += sums[part * pairs * taps + i];
            }
            gw[gwOff + i] = s;
        }
    }

    /** Σ a[ao + i]·b[bo + i] over i in [0, vectors·LANES), in four interleaved vector sums added in a fixed order. */
    private static float dot(float[] a, int ao, float[] b, int bo, int vectors) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        int v = 0;
        for (; v + 4 <= vectors; v += 4) {
            int i = v * LANES;
            s0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), s0);
            s1 = FloatVector.fromArray(F, a, ao + i + LANES).fma(FloatVector.fromArray(F, b, bo + i + LANES), s1);
            s2 = FloatVector.fromArray(F, a, ao + i + 2 * LANES)
                    .fma(FloatVector.fromArray(F, b, bo + i + 2 * LANES), s2);
            s3 = FloatVector.fromArray(F, a, ao + i + 3 * LANES)
                    .fma(FloatVector.fromArray(F, b, bo + i + 3 * LANES), s3);
        }
        for (; v < vectors; v++) {
            s0 = FloatVector.fromArray(F, a, ao + v * LANES).fma(FloatVector.fromArray(F, b, bo + v * LANES), s0);
        }
        return VectorMath.sumLanesFloat(s0.add(s1).add(s2.add(s3)));
    }
}
