package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.random.Generator;

/**
 * torchvision's {@code CenterCrop}: the width × height region at offsets int(round((H − h) / 2)) and
 * int(round((W − w) / 2)), with Python's round-half-to-even (so an odd margin of 21 gives 10, not 11). A crop larger
 * than the image is zero-padded first as torchvision does (floor of half the shortfall on the left/top, the rest on
 * the right/bottom), unless {@link #strict} asks for an error instead. Draws nothing from the generator.
 */
public final class CenterCrop implements Transform {
    private final int width;
    private final int height;
    private final boolean padIfSmaller;

    private CenterCrop(int width, int height, boolean padIfSmaller) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("CenterCrop: crop size must be positive, got " + width + "×" + height);
        }
        this.width = width;
        this.height = height;
        this.padIfSmaller = padIfSmaller;
    }

    /** A width × height crop, padding small images with zeros as torchvision does. */
    public static CenterCrop of(int width, int height) {
        return new CenterCrop(width, height, true);
    }

    /** A square crop, padding small images with zeros as torchvision does. */
    public static CenterCrop square(int size) {
        return new CenterCrop(size, size, true);
    }

    /** A width × height crop that rejects images smaller than the crop (for pipelines where that is a bug). */
    public static CenterCrop strict(int width, int height) {
        return new CenterCrop(width, height, false);
    }

    @Override
    public Image apply(Image image, Generator gen) {
        if (width > image.width() || height > image.height()) {
            if (!padIfSmaller) {
                throw new IllegalArgumentException("CenterCrop: crop of " + width + "×" + height
                        + " is larger than the " + image.width() + "×" + image.height() + " image (width×height)");
            }
            int dw = Math.max(width - image.width(), 0);
            int dh = Math.max(height - image.height(), 0);
            image = Images.pad(image, dw / 2, dh / 2, (dw + 1) / 2, (dh + 1) / 2, new int[] {0});
        }
        int top = (int) Math.rint((image.height() - height) / 2.0);
        int left = (int) Math.rint((image.width() - width) / 2.0);
        return Images.crop(image, top, left, height, width);
    }

    @Override
    public String toString() {
        return "CenterCrop(" + width + "×" + height + ")";
    }
}
