package dev.usp4j.data;

import java.util.Arrays;

/**
 * An 8-bit image as a decoder hands it over and as PIL holds it: width × height pixels of 1 (grey) or 3 (RGB)
 * channels, interleaved row-major (HWC), values 0…255 in unsigned bytes. The geometric transforms work on this type
 * and round back to 8 bits after each step, as torchvision's PIL pipeline does, so that their results can agree with
 * PIL's; {@link ToTensor} turns the final image into a float array for the model.
 */
public final class Image {
    private final int width;
    private final int height;
    private final int channels;
    private final byte[] pixels;

    /** Wraps {@code pixels} (HWC, length width·height·channels; not copied). */
    public Image(int width, int height, int channels, byte[] pixels) {
        if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("Image: expected positive width and height and 1 or 3 channels, got "
                    + width + "×" + height + "×" + channels);
        }
        if (pixels.length != (long) width * height * channels) {
            throw new IllegalArgumentException("Image: " + width + "×" + height + "×" + channels + " needs "
                    + (long) width * height * channels + " bytes, got " + pixels.length);
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.pixels = pixels;
    }

    /** A blank (black) image. */
    public static Image blank(int width, int height, int channels) {
        return new Image(width, height, channels, new byte[width * height * channels]);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int channels() {
        return channels;
    }

    /** The pixel bytes, HWC (shared, not copied: callers that change them own the image). */
    public byte[] pixels() {
        return pixels;
    }

    /** The value 0…255 at (x, y) in channel c. */
    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * channels + c] & 0xFF;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image i && i.width == width && i.height == height && i.channels == channels
                && Arrays.equals(i.pixels, pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * width + height) + channels) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "Image(" + width + "×" + height + "×" + channels + ")";
    }
}
