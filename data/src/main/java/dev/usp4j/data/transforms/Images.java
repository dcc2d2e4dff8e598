package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;

/**
 * The pixel-exact image operations the transforms are built from, each matching its PIL counterpart: crop (a
 * region inside the image), constant padding ({@code ImageOps.expand}), left-right flip
 * ({@code transpose(FLIP_LEFT_RIGHT)}) and mode conversion between RGB and L ({@code convert}). Every result is a
 * new image; inputs are never changed.
 */
public final class Images {
    private Images() {
    }

    /** The height × width region whose top-left corner is (left, top); it must lie inside the image. */
    public static Image crop(Image image, int top, int left, int height, int width) {
        if (height <= 0 || width <= 0 || top < 0 || left < 0 || top + height > image.height()
                || left + width > image.width()) {
            throw new IllegalArgumentException("crop: region of " + width + "×" + height + " at (left " + left
                    + ", top " + top + ") does not fit inside the " + image.width() + "×" + image.height()
                    + " image (sizes are width×height)");
        }
        int c = image.channels();
        byte[] src = image.pixels();
        byte[] dst = new byte[width * height * c];
        for (int y = 0; y < height; y++) {
            System.arraycopy(src, ((top + y) * image.width() + left) * c, dst, y * width * c, width * c);
        }
        return new Image(width, height, c, dst);
    }

    /**
     * The image with {@code left, top, right, bottom} pixels of constant {@code fill} added around it; {@code fill}
     * holds one value for every channel or one per channel.
     */
    public static Image pad(Image image, int left, int top, int right, int bottom, int[] fill) {
        if (left < 0 || top < 0 || right < 0 || bottom < 0) {
            throw new IllegalArgumentException("pad: padding must be non-negative, got left " + left + ", top " + top
                    + ", right " + right + ", bottom " + bottom);
        }
        int c = image.channels();
        byte[] fillBytes = fillBytes("pad", fill, c);
        int w = image.width() + left + right;
        int h = image.height() + top + bottom;
        byte[] dst = new byte[w * h * c];
        for (int p = 0; p < w * h; p++) {
            System.arraycopy(fillBytes, 0, dst, p * c, c);
        }
        byte[] src = image.pixels();
        for (int y = 0; y < image.height(); y++) {
            System.arraycopy(src, y * image.width() * c, dst, ((top + y) * w + left) * c, image.width() * c);
        }
        return new Image(w, h, c, dst);
    }

    /** The mirror image (left and right swapped). */
    public static Image flipHorizontal(Image image) {
        int c = image.channels();
        int w = image.width();
        byte[] src = image.pixels();
        byte[] dst = new byte[src.length];
        for (int y = 0; y < image.height(); y++) {
            int row = y * w * c;
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, row + x * c, dst, row + (w - 1 - x) * c, c);
            }
        }
        return new Image(w, image.height(), c, dst);
    }

    /**
     * PIL's {@code convert("L")}: ITU-R 601-2 luma. PIL documents L = R·299/1000 + G·587/1000 + B·114/1000 but
     * computes it in 16-bit fixed point (weights 19595, 38470, 7471, rounded by adding 2^15), which is what we
     * copy: the two can differ by one level. A grey image is returned as a copy.
     */
    public static Image toGrey(Image image) {
        if (image.channels() == 1) {
            return new Image(image.width(), image.height(), 1, image.pixels().clone());
        }
        byte[] src = image.pixels();
        int n = image.width() * image.height();
        byte[] dst = new byte[n];
        for (int i = 0; i < n; i++) {
            int r = src[3 * i] & 0xFF;
            int g = src[3 * i + 1] & 0xFF;
            int b = src[3 * i + 2] & 0xFF;
            dst[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16);
        }
        return new Image(image.width(), image.height(), 1, dst);
    }

    /** PIL's {@code convert("RGB")} of a grey image: the value in all three channels. An RGB image is copied. */
    public static Image toRgb(Image image) {
        if (image.channels() == 3) {
            return new Image(image.width(), image.height(), 3, image.pixels().clone());
        }
        byte[] src = image.pixels();
        byte[] dst = new byte[src.length * 3];
        for (int i = 0; i < src.length; i++) {
            dst[3 * i] = src[i];
            dst[3 * i + 1] = src[i];
            dst[3 * i + 2] = src[i];
        }
        return new Image(image.width(), image.height(), 3, dst);
    }

    /** Checks a fill (one value or one per channel, each 0…255) and spreads it over the channels. */
    static byte[] fillBytes(String op, int[] fill, int channels) {
        if (fill.length != 1 && fill.length != channels) {
            throw new IllegalArgumentException(op + ": fill needs 1 or " + channels + " values for a " + channels
                    + "-channel image, got " + fill.length);
        }
        byte[] out = new byte[channels];
        for (int ch = 0; ch < channels; ch++) {
            int v = fill[fill.length == 1 ? 0 : ch];
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException(op + ": fill values must be 0…255, got " + v);
            }
            out[ch] = (byte) v;
        }
        return out;
    }
}
