package dev.usp4j.data;

import dev.usp4j.tensor.NDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Model outputs back to 8-bit images: a float batch [N, C, H, W] in [−1, 1] (what the VAE decoder or a pixel-space
 * sampler gives) becomes N {@link Image}s by DiT's sample script's rule, {@code clamp(127.5·x + 128, 0, 255)} then
 * truncation to uint8 (the +128 rather than +127.5 makes the truncation round to nearest). NaN becomes 0.
 */
public final class FloatImages {
    private FloatImages() {
    }

    /** The images of {@code batch}, shape [N, C, H, W] with C = 1 or 3 (any dtype convertible to float). */
    public static List<Image> fromSymmetric(NDArray batch) {
        int[] s = batch.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException("FloatImages.fromSymmetric: expected an [N, C, H, W] array, got shape "
                    + Arrays.toString(s));
        }
        return fromSymmetric(batch.toFloatArray(), s[0], s[1], s[2], s[3]);
    }

    /** The images of {@code data}, laid out [n, c, h, w] row-major, values in [−1, 1]. */
    public static List<Image> fromSymmetric(float[] data, int n, int c, int h, int w) {
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("FloatImages.fromSymmetric: expected 1 or 3 channels, got " + c
                    + " (shape [" + n + ", " + c + ", " + h + ", " + w + "])");
        }
        if (n < 0 || h <= 0 || w <= 0 || data.length != (long) n * c * h * w) {
            throw new IllegalArgumentException("FloatImages.fromSymmetric: shape [" + n + ", " + c + ", " + h + ", "
                    + w + "] needs " + (long) n * c * h * w + " values, got " + data.length);
        }
        List<Image> out = new ArrayList<>(n);
        int plane = h * w;
        for (int i = 0; i < n; i++) {
            byte[] px = new byte[plane * c];
            int base = i * c * plane;
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < plane; p++) {
                    // Float arithmetic in the same order as torch's (mul, then add, unfused) for identical bytes.
                    float v = 127.5f * data[base + ch * plane + p] + 128f;
                    px[p * c + ch] = (byte) (int) Math.clamp(v, 0f, 255f);
                }
            }
            out.add(new Image(w, h, c, px));
        }
        return out;
    }
}
