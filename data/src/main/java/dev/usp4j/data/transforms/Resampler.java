package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;

/**
 * PIL 9's {@code Image.resize} for 8-bit images, reproduced to the bit so that a pipeline gives the same pixels as
 * torchvision's on PIL: a separable two-pass convolution (horizontal first, then vertical) whose kernel support
 * widens by the downscale factor (antialiasing), weights normalised to sum 1 in double and then rounded to signed
 * 22-bit fixed point, sums started at one half and clipped to 0…255. NEAREST goes through PIL's affine scaling
 * instead (source coordinate accumulated in double, truncated).
 */
public final class Resampler {
    /** PIL's PRECISION_BITS for 8-bit images: 32 − 8 − 2 bits, leaving room for overshooting sums. */
    private static final int PRECISION_BITS = 22;

    private Resampler() {
    }

    /** {@code image} resized to width × height with {@code filter}, exactly as PIL's {@code resize}. */
    public static Image resize(Image image, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("Resampler.resize: target size must be positive, got " + width + "×"
                    + height + " for an image of " + image.width() + "×" + image.height());
        }
        if (width == image.width() && height == image.height()) {
            return new Image(width, height, image.channels(), image.pixels().clone());
        }
        if (filter == Filter.NEAREST) {
            return nearest(image, width, height);
        }
        Coefficients horizontal = Coefficients.of(image.width(), width, filter);
        Coefficients vertical = Coefficients.of(image.height(), height, filter);
        Image in = image;
        int rowOffset = 0;
        if (width != image.width()) {
            // Only the rows the vertical pass will read, as PIL does; it changes no value, only the work.
            int first = vertical.bounds[0];
            int last = vertical.bounds[2 * (height - 1)] + vertical.bounds[2 * (height - 1) + 1];
            in = horizontalPass(image, horizontal, first, last);
            rowOffset = first;
        }
        if (height != image.height()) {
            in = verticalPass(in, vertical, rowOffset);
        }
        return in;
    }

    private static Image horizontalPass(Image in, Coefficients co, int firstRow, int lastRow) {
        int c = in.channels();
        int inW = in.width();
        int outW = co.outSize;
        int rows = lastRow - firstRow;
        byte[] src = in.pixels();
        byte[] dst = new byte[outW * rows * c];
        for (int y = 0; y < rows; y++) {
            int srcRow = (y + firstRow) * inW * c;
            int dstRow = y * outW * c;
            for (int x = 0; x < outW; x++) {
                int xmin = co.bounds[2 * x];
                int count = co.bounds[2 * x + 1];
                int kBase = x * co.ksize;
                for (int ch = 0; ch < c; ch++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    int p = srcRow + xmin * c + ch;
                    for (int k = 0; k < count; k++, p += c) {
                        ss += (src[p] & 0xFF) * co.k[kBase + k];
                    }
                    dst[dstRow + x * c + ch] = clip8(ss);
                }
            }
        }
        return new Image(outW, rows, c, dst);
    }

    /** Vertical pass; {@code rowOffset} is the input's first row in the coefficients' coordinates. */
    private static Image verticalPass(Image in, Coefficients co, int rowOffset) {
        int c = in.channels();
        int w = in.width();
        int outH = co.outSize;
        int stride = w * c;
        byte[] src = in.pixels();
        byte[] dst = new byte[outH * stride];
        for (int y = 0; y < outH; y++) {
            int ymin = co.bounds[2 * y] - rowOffset;
            int count = co.bounds[2 * y + 1];
            int kBase = y * co.ksize;
            for (int i = 0; i < stride; i++) {
                int ss = 1 << (PRECISION_BITS - 1);
                int p = ymin * stride + i;
                for (int k = 0; k < count; k++, p += stride) {
                    ss += (src[p] & 0xFF) * co.k[kBase + k];
                }
                dst[y * stride + i] = clip8(ss);
            }
        }
        return new Image(w, outH, c, dst);
    }

    /** PIL's clip8: the arithmetic shift floors negative sums, then the lookup clamps to 0…255. */
    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /**
     * PIL's NEAREST resize: an affine scale whose source coordinate starts at half a step and is advanced by
     * repeated addition in double (not recomputed per pixel), so the truncation lands where PIL's does.
     */
    private static Image nearest(Image in, int width, int height) {
        int c = in.channels();
        int[] xs = nearestIndices(in.width(), width);
        int[] ys = nearestIndices(in.height(), height);
        byte[] src = in.pixels();
        byte[] dst = new byte[width * height * c];
        for (int y = 0; y < height; y++) {
            int srcRow = ys[y] * in.width() * c;
            int dstRow = y * width * c;
            for (int x = 0; x < width; x++) {
                System.arraycopy(src, srcRow + xs[x] * c, dst, dstRow + x * c, c);
            }
        }
        return new Image(width, height, c, dst);
    }

    private static int[] nearestIndices(int inSize, int outSize) {
        double step = (double) inSize / outSize;
        double pos = step * 0.5;
        int[] idx = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            // PIL leaves pixels that fall outside unchanged; with scale ≥ 0 they never do, the clamp is a guard.
            idx[i] = Math.min((int) pos, inSize - 1);
            pos += step;
        }
        return idx;
    }

    /** The per-output-pixel windows (first input index, count) and 22-bit fixed-point weights of one axis. */
    private static final class Coefficients {
        final int outSize;
        final int ksize;
        final int[] bounds;
        final int[] k;

        private Coefficients(int outSize, int ksize, int[] bounds, int[] k) {
            this.outSize = outSize;
            this.ksize = ksize;
            this.bounds = bounds;
            this.k = k;
        }

        /** PIL's precompute_coeffs + normalize_coeffs_8bpc for the box (0, inSize). */
        static Coefficients of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support() * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[2 * outSize];
            int[] k = new int[outSize * ksize];
            double[] w = new double[ksize];
            double ss = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                // (int) truncates toward zero as C's cast does; PIL relies on it for the "+ 0.5" rounding.
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double sum = 0.0;
                for (int x = 0; x < xmax; x++) {
                    w[x] = filter.weight((x + xmin - center + 0.5) * ss);
                    sum += w[x];
                }
                for (int x = 0; x < xmax; x++) {
                    double v = sum != 0.0 ? w[x] / sum : w[x];
                    double scaled = v * (1 << PRECISION_BITS);
                    k[xx * ksize + x] = (int) (v < 0 ? -0.5 + scaled : 0.5 + scaled);
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
            return new Coefficients(outSize, ksize, bounds, k);
        }
    }
}
