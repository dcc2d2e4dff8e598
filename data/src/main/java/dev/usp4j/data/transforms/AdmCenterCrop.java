package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.random.Generator;

/**
 * ADM's {@code center_crop_arr} (guided-diffusion, reused by DiT, SiT and USP for generation; spec §7.1): while the
 * shorter side is at least twice the target, halve the image with PIL BOX (each side floored); then resize with
 * BICUBIC so that the shorter side equals the target (each side round(side · target / short), Python's
 * round-half-even); then crop target × target at offsets floor((H − target) / 2), floor((W − target) / 2). The
 * repeated halving is ADM's cheap antialiasing for large photos. Draws nothing from the generator.
 */
public final class AdmCenterCrop implements Transform {
    private final int size;

    public AdmCenterCrop(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("AdmCenterCrop: target size must be positive, got " + size);
        }
        this.size = size;
    }

    @Override
    public Image apply(Image image, Generator gen) {
        while (Math.min(image.width(), image.height()) >= 2 * size) {
            image = Resampler.resize(image, image.width() / 2, image.height() / 2, Filter.BOX);
        }
        double scale = (double) size / Math.min(image.width(), image.height());
        int w = (int) Math.rint(image.width() * scale);
        int h = (int) Math.rint(image.height() * scale);
        image = Resampler.resize(image, w, h, Filter.BICUBIC);
        // ADM crops the numpy array; floor division of non-negative margins.
        return Images.crop(image, (image.height() - size) / 2, (image.width() - size) / 2, size, size);
    }

    @Override
    public String toString() {
        return "AdmCenterCrop(" + size + ")";
    }
}
