package dev.usp4j.data;

import dev.usp4j.tensor.NDArray;

/**
 * The last step of an image pipeline: 8-bit HWC pixels to a float32 [C, H, W] array, scaled to [−1, 1]
 * (x/127.5 − 1, as DiT's and USP's Normalize(0.5, 0.5) after ToTensor gives), or to [0, 1], or normalised with
 * per-channel mean and std (ImageNet style: (x/255 − mean)/std).
 */
public final class ToTensor {
    private final float[] mean;
    private final float[] std;

    private ToTensor(float[] mean, float[] std) {
        this.mean = mean;
        this.std = std;
    }

    /** Pixels to [−1, 1]: Normalize(mean 0.5, std 0.5) after ToTensor. */
    public static ToTensor symmetric() {
        return new ToTensor(new float[] {0.5f}, new float[] {0.5f});
    }

    /** Pixels to [0, 1]: torchvision's ToTensor alone. */
    public static ToTensor unit() {
        return new ToTensor(new float[] {0f}, new float[] {1f});
    }

    /** Pixels to (x/255 − mean[c])/std[c], one value per channel (or one for all). */
    public static ToTensor normalized(float[] mean, float[] std) {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("ToTensor.normalized: mean and std need the same, non-zero length, got "
                    + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("ToTensor.normalized: std must be positive, got " + s);
            }
        }
        return new ToTensor(mean.clone(), std.clone());
    }

    /** The image as [C, H, W] float32. */
    public NDArray apply(Image image) {
        float[] out = new float[image.channels() * image.height() * image.width()];
        writeTo(image, out, 0);
        return NDArray.of(out, image.channels(), image.height(), image.width());
    }

    /** Writes the image's [C, H, W] values into {@code out} from {@code offset} (how a loader fills a batch). */
    public void writeTo(Image image, float[] out, int offset) {
        int c = image.channels();
        if (mean.length != 1 && mean.length != c) {
            throw new IllegalArgumentException("ToTensor: " + mean.length + " normalisation values for an image of "
                    + c + " channels");
        }
        int h = image.height();
        int w = image.width();
        byte[] px = image.pixels();
        for (int ch = 0; ch < c; ch++) {
            float m = mean[mean.length == 1 ? 0 : ch];
            float inv = 1f / std[std.length == 1 ? 0 : ch];
            int base = offset + ch * h * w;
            for (int i = 0; i < h * w; i++) {
                out[base + i] = ((px[i * c + ch] & 0xFF) / 255f - m) * inv;
            }
        }
    }
}
