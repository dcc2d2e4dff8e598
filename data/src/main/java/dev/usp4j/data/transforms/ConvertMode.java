package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.random.Generator;

/**
 * PIL's {@code convert("L")} / {@code convert("RGB")} as a transform (torchvision's {@code Grayscale} with one
 * output channel, or making a grey dataset fit an RGB model), with PIL's rounding (see {@link Images#toGrey}).
 * Images already in the target mode pass through unchanged. Draws nothing from the generator.
 */
public final class ConvertMode implements Transform {
    private final int channels;

    private ConvertMode(int channels) {
        this.channels = channels;
    }

    /** To one grey channel (PIL mode L). */
    public static ConvertMode toGrey() {
        return new ConvertMode(1);
    }

    /** To three channels (PIL mode RGB). */
    public static ConvertMode toRgb() {
        return new ConvertMode(3);
    }

    @Override
    public Image apply(Image image, Generator gen) {
        if (image.channels() == channels) {
            return image;
        }
        return channels == 1 ? Images.toGrey(image) : Images.toRgb(image);
    }

    @Override
    public String toString() {
        return channels == 1 ? "ConvertMode(L)" : "ConvertMode(RGB)";
    }
}
