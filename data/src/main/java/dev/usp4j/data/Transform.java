package dev.usp4j.data;

import dev.usp4j.tensor.random.Generator;

/**
 * An image-to-image step of a data pipeline (pad, resize, crop, flip, ...), as torchvision's transforms on PIL
 * images. Random transforms draw only from the {@link Generator} they are handed, which the loader derives from its
 * seed, the epoch and the sample index, so results never depend on thread scheduling. {@link #then} composes.
 */
@FunctionalInterface
public interface Transform {
    Image apply(Image image, Generator gen);

    /** This transform followed by {@code next}. */
    default Transform then(Transform next) {
        return (image, gen) -> next.apply(apply(image, gen), gen);
    }

    /** The transform that returns its input. */
    static Transform identity() {
        return (image, gen) -> image;
    }
}
