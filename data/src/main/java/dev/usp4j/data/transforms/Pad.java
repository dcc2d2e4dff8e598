package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.random.Generator;

/**
 * torchvision's {@code Pad} in constant mode: adds a border of a constant fill (one value, or one per channel) with
 * its own width on each side, as PIL's {@code ImageOps.expand}. Draws nothing from the generator.
 */
public final class Pad implements Transform {
    private final int left;
    private final int top;
    private final int right;
    private final int bottom;
    private final int[] fill;

    private Pad(int left, int top, int right, int bottom, int[] fill) {
        if (left < 0 || top < 0 || right < 0 || bottom < 0) {
            throw new IllegalArgumentException("Pad: padding must be non-negative, got left " + left + ", top " + top
                    + ", right " + right + ", bottom " + bottom);
        }
        if (fill.length != 1 && fill.length != 3) {
            throw new IllegalArgumentException("Pad: fill needs 1 value or 3 (RGB), got " + fill.length);
        }
        Images.fillBytes("Pad", fill, fill.length);
        this.left = left;
        this.top = top;
        this.right = right;
        this.bottom = bottom;
        this.fill = fill.clone();
    }

    /** The same padding on all four sides. */
    public static Pad all(int padding, int... fill) {
        return new Pad(padding, padding, padding, padding, fillOrZero(fill));
    }

    /** Per-side padding, in torchvision's order (left, top, right, bottom). */
    public static Pad of(int left, int top, int right, int bottom, int... fill) {
        return new Pad(left, top, right, bottom, fillOrZero(fill));
    }

    private static int[] fillOrZero(int[] fill) {
        return fill.length == 0 ? new int[] {0} : fill;
    }

    @Override
    public Image apply(Image image, Generator gen) {
        if (fill.length == 3 && image.channels() == 1) {
            throw new IllegalArgumentException("Pad: an RGB fill for a grey " + image.width() + "×" + image.height()
                    + " image");
        }
        return Images.pad(image, left, top, right, bottom, fill);
    }
}
