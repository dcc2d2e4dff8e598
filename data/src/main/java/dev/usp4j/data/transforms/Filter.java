package dev.usp4j.data.transforms;

/**
 * The resampling filters of PIL's {@code Image.resize} that the pipelines use (NEAREST, BOX, BILINEAR, BICUBIC with
 * a = −0.5), each with PIL's kernel and support radius at scale 1, and PIL's integer codes (torchvision's
 * {@code interpolation=3} is BICUBIC). {@link Resampler} widens the support by the downscale factor.
 */
public enum Filter {
    /** Nearest neighbour: PIL takes it through its affine scaling, not the convolution. */
    NEAREST(0, 0.0),
    /** Box (area average when downscaling). */
    BOX(4, 0.5),
    /** Triangle (linear). */
    BILINEAR(2, 1.0),
    /** Keys cubic convolution with a = −0.5, as PIL (not the −0.75 of OpenCV and torch's tensor resize). */
    BICUBIC(3, 2.0);

    private final int pilCode;
    private final double support;

    Filter(int pilCode, double support) {
        this.pilCode = pilCode;
        this.support = support;
    }

    /** PIL's {@code Image.Resampling} value (also torchvision's legacy int interpolation). */
    public int pilCode() {
        return pilCode;
    }

    /** The kernel's radius at scale 1. */
    public double support() {
        return support;
    }

    /** The filter of a PIL code (0 NEAREST, 2 BILINEAR, 3 BICUBIC, 4 BOX). */
    public static Filter ofPilCode(int code) {
        for (Filter f : values()) {
            if (f.pilCode == code) {
                return f;
            }
        }
        throw new IllegalArgumentException("Filter: no supported PIL filter with code " + code
                + " (expected 0 NEAREST, 2 BILINEAR, 3 BICUBIC or 4 BOX)");
    }

    /** The kernel at x (in input pixels at scale 1); the intervals' open and closed ends are PIL's. */
    double weight(double x) {
        switch (this) {
            case BOX:
                return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            case BILINEAR: {
                double ax = Math.abs(x);
                return ax < 1.0 ? 1.0 - ax : 0.0;
            }
            case BICUBIC: {
                final double a = -0.5;
                double ax = Math.abs(x);
                if (ax < 1.0) {
                    return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1;
                }
                if (ax < 2.0) {
                    return (((ax - 5) * ax + 8) * ax - 4) * a;
                }
                return 0.0;
            }
            default:
                throw new IllegalStateException("Filter " + this + " has no convolution kernel");
        }
    }
}
