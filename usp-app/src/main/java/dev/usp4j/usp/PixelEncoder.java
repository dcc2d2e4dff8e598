package dev.usp4j.usp;

import dev.usp4j.data.LatentEncoder;
import dev.usp4j.tensor.NDArray;
import java.util.List;

/**
 * The identity as a {@link LatentEncoder}: the "latents" are the images themselves (in [−1, 1]) with a log-variance
 * of −30 (a standard deviation of 3·10⁻⁷, so a posterior sample is the pixel value to float precision). It lets the
 * latent-space trainers run unchanged in pixel space: the pixel-MAE baseline of the reproduction study and the
 * logistic regression on raw pixels read a cache built with it.
 */
public final class PixelEncoder implements LatentEncoder {
    /** Log-variance stored for every pixel: the diagonal Gaussian's clamp floor. */
    public static final float LOGVAR = -30f;

    @Override
    public NDArray encodeMoments(NDArray images) {
        NDArray logvar = NDArray.full(LOGVAR, images.shape());
        return NDArray.cat(List.of(images.contiguous(), logvar), 1);
    }

    @Override
    public String identity() {
        return "pixels";
    }
}
