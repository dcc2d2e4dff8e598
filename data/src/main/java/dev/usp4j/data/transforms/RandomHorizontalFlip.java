package dev.usp4j.data.transforms;

import dev.usp4j.data.Image;
import dev.usp4j.data.Transform;
import dev.usp4j.tensor.random.Generator;

/**
 * torchvision's {@code RandomHorizontalFlip(p)}: mirrors the image with probability p. Each call draws exactly one
 * uniform u from the generator (one Philox block, as {@code NDArray.rand(gen, 1)}) and flips when u &lt; p, as
 * torchvision's {@code torch.rand(1) < p}; the draw is made even for p = 0 or 1 so that the generator advances the
 * same way whatever p is.
 */
public final class RandomHorizontalFlip implements Transform {
    private final double p;

    public RandomHorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("RandomHorizontalFlip: probability must be in [0, 1], got " + p);
        }
        this.p = p;
    }

    /** The usual p = 0.5. */
    public static RandomHorizontalFlip half() {
        return new RandomHorizontalFlip(0.5);
    }

    /** The deterministic flip (PIL's {@code transpose(FLIP_LEFT_RIGHT)}), drawing nothing. */
    public static Transform always() {
        return (image, gen) -> Images.flipHorizontal(image);
    }

    @Override
    public Image apply(Image image, Generator gen) {
        float u = RandomDraws.uniforms(gen, 1)[0];
        return u < p ? Images.flipHorizontal(image) : image;
    }

    @Override
    public String toString() {
        return "RandomHorizontalFlip(" + p + ")";
    }
}
