package dev.usp4j.tensor;

/**
 * 2-D resampling modes of {@code interpolate}, with PyTorch's source-index rules: NEAREST takes
 * {@code min(floor(dst·scale), in−1)}; BILINEAR and BICUBIC (a = −0.75) map pixel centres,
 * {@code (dst+0.5)·scale−0.5} with align_corners=False or {@code dst·(in−1)/(out−1)} with align_corners=True, and
 * clamp taps to the border. BILINEAR also clamps a negative source index to 0; BICUBIC does not (its weights use the
 * unclamped position).
 */
public enum InterpolationMode {
    NEAREST, BILINEAR, BICUBIC
}
