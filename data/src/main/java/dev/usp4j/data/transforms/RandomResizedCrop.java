package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.random.Generator;

/**
 * torchvision's {@code RandomResizedCrop}: picks a region whose area is a random fraction (in {@code scale}) of the
 * image and whose aspect ratio is log-uniform in {@code ratio}, crops it and resizes it to the output size. MAE's
 * and USP's pretraining use {@link #mae} (scale (0.2, 1), ratio (3/4, 4/3), bicubic).
 *
 * <p>Random draws: each call reserves 40 uniforms (10 Philox blocks) from the generator up front, whatever happens,
 * so the generator always advances by the same amount. Attempt k (0…9) uses block k: word 0 picks the area
 * fraction, word 1 the log aspect ratio, and, if the region fits, word 2 the top offset and word 3 the left offset
 * (each floor(u · (n + 1)) over the n + 1 valid offsets). After 10 misses it falls back, as torchvision does, to
 * the largest central crop with the ratio clamped into range. The arithmetic is double precision (torchvision's
 * float32 draws come from another stream anyway); sizes round half to even like Python's round.
 */
public final class RandomResizedCrop implements Transform {
    private static final int ATTEMPTS = 10;

    /** A crop region: top row, left column, height and width (torchvision's i, j, h, w). */
    public record Params(int top, int left, int height, int width) {
    }

    private final int width;
    private final int height;
    private final double scaleMin;
    private final double scaleMax;
    private final double ratioMin;
    private final double ratioMax;
    private final Filter filter;

    /** Output width × height, area fraction in [scaleMin, scaleMax], aspect ratio (w/h) in [ratioMin, ratioMax]. */
    public RandomResizedCrop(int width, int height, double scaleMin, double scaleMax, double ratioMin,
            double ratioMax, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("RandomResizedCrop: output size must be positive, got " + width + "×"
                    + height);
        }
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException("RandomResizedCrop: scale must satisfy 0 < min <= max <= 1, got ("
                    + scaleMin + ", " + scaleMax + ")");
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax && Double.isFinite(ratioMax))) {
            throw new IllegalArgumentException("RandomResizedCrop: ratio must satisfy 0 < min <= max, got ("
                    + ratioMin + ", " + ratioMax + ")");
        }
        this.width = width;
        this.height = height;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.ratioMin = ratioMin;
        this.ratioMax = ratioMax;
        this.filter = filter;
    }

    /** MAE's/USP's augmentation: a size × size output, scale (0.2, 1.0), ratio (3/4, 4/3), BICUBIC. */
    public static RandomResizedCrop mae(int size) {
        return new RandomResizedCrop(size, size, 0.2, 1.0, 3.0 / 4.0, 4.0 / 3.0, Filter.BICUBIC);
    }

    /** torchvision's defaults: scale (0.08, 1.0), ratio (3/4, 4/3), BILINEAR. */
    public static RandomResizedCrop torchvisionDefault(int size) {
        return new RandomResizedCrop(size, size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, Filter.BILINEAR);
    }

    /** torchvision's {@code get_params} for an image of imageWidth × imageHeight (draws as the class doc says). */
    public Params sample(int imageWidth, int imageHeight, Generator gen) {
        float[] u = RandomDraws.uniforms(gen, 4 * ATTEMPTS);
        double area = (double) imageWidth * imageHeight;
        double logMin = Math.log(ratioMin);
        double logMax = Math.log(ratioMax);
        for (int k = 0; k < ATTEMPTS; k++) {
            double targetArea = area * (scaleMin + (scaleMax - scaleMin) * u[4 * k]);
            double aspect = Math.exp(logMin + (logMax - logMin) * u[4 * k + 1]);
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (w > 0 && w <= imageWidth && h > 0 && h <= imageHeight) {
                int top = RandomDraws.below(u[4 * k + 2], imageHeight - h + 1);
                int left = RandomDraws.below(u[4 * k + 3], imageWidth - w + 1);
                return new Params(top, left, h, w);
            }
        }
        double inRatio = (double) imageWidth / imageHeight;
        int w = imageWidth;
        int h = imageHeight;
        if (inRatio < ratioMin) {
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            w = (int) Math.rint(h * ratioMax);
        }
        return new Params((imageHeight - h) / 2, (imageWidth - w) / 2, h, w);
    }

    /** The deterministic part (torchvision's {@code resized_crop}): crop {@code p}, then resize with the filter. */
    public Image cropAndResize(Image image, Params p) {
        return Resampler.resize(Images.crop(image, p.top(), p.left(), p.height(), p.width()), width, height, filter);
    }

    @Override
    public Image apply(Image image, Generator gen) {
        return cropAndResize(image, sample(image.width(), image.height(), gen));
    }

    @Override
    public String toString() {
        return "RandomResizedCrop(" + width + "×" + height + ", scale (" + scaleMin + ", " + scaleMax + "), ratio ("
                + ratioMin + ", " + ratioMax + "), " + filter + ")";
    }
}
