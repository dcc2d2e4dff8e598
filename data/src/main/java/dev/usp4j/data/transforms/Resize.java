package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.random.Generator;

/**
 * Resizes an image with one of PIL's filters (through {@link Resampler}, pixel-exact with PIL 9): either to a
 * fixed width × height, or as torchvision's {@code Resize(size)} with an int size, which scales the shorter side to
 * {@code size} and the longer one to {@code int(size · long / short)} (truncated, as torchvision computes it),
 * keeping the aspect ratio. torchvision's default filter is BILINEAR; pass BICUBIC for the ADM/MAE recipes. Draws
 * nothing from the generator.
 */
public final class Resize implements Transform {
    private final int width;
    private final int height;
    private final int shorterSide;
    private final Filter filter;

    private Resize(int width, int height, int shorterSide, Filter filter) {
        this.width = width;
        this.height = height;
        this.shorterSide = shorterSide;
        this.filter = filter;
    }

    /** Resize to exactly width × height. */
    public static Resize to(int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("Resize: target size must be positive, got " + width + "×" + height);
        }
        return new Resize(width, height, 0, filter);
    }

    /** torchvision's {@code Resize(size, interpolation)} with an int size: the shorter side becomes {@code size}. */
    public static Resize shorterSide(int size, Filter filter) {
        if (size <= 0) {
            throw new IllegalArgumentException("Resize: shorter-side size must be positive, got " + size);
        }
        return new Resize(0, 0, size, filter);
    }

    /** The output {width, height} for an input of width × height. */
    public int[] outputSize(int inWidth, int inHeight) {
        if (shorterSide == 0) {
            return new int[] {width, height};
        }
        int shortSide = Math.min(inWidth, inHeight);
        int longSide = Math.max(inWidth, inHeight);
        // Python's int(size * long / short): an exact integer product, a correctly rounded division, truncation.
        int newLong = (int) ((double) ((long) shorterSide * longSide) / shortSide);
        return inWidth <= inHeight ? new int[] {shorterSide, newLong} : new int[] {newLong, shorterSide};
    }

    @Override
    public Image apply(Image image, Generator gen) {
        int[] size = outputSize(image.width(), image.height());
        return Resampler.resize(image, size[0], size[1], filter);
    }

    @Override
    public String toString() {
        return shorterSide == 0 ? "Resize(" + width + "×" + height + ", " + filter + ")"
                : "Resize(shorter side " + shorterSide + ", " + filter + ")";
    }
}
