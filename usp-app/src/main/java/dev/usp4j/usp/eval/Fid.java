package dev.usp4j.usp.eval;

import dev.usp4j.data.Image;
import dev.usp4j.diffusion.eval.FeatureStats;
import dev.usp4j.diffusion.eval.FrechetDistance;
import dev.usp4j.tensor.NDArray;
import java.util.List;
import java.util.Objects;

/**
 * "FID (Fashion-MNIST classifier features)": the Fréchet distance between the Gaussian fits (mean and covariance in
 * double, as np.mean/np.cov) of the 128-d {@link FeatureClassifier} features of real and of generated images. It
 * follows the FID protocol of usp-spec §7.3 with another feature network, so its values are comparable between runs
 * that use the same classifier file, never with Inception FIDs. Features are gathered in chunks so a large set never
 * sits in memory as one float array.
 */
public final class Fid {
    private static final int CHUNK = 1024;
    private final FeatureClassifier net;

    public Fid(FeatureClassifier net) {
        this.net = Objects.requireNonNull(net, "net");
    }

    /** Feature statistics of 8-bit images (grey or RGB, 32×32 or 28×28). */
    public FeatureStats stats(List<Image> images) {
        FeatureStats st = new FeatureStats(FeatureClassifier.FEATURES);
        for (int start = 0; start < images.size(); start += CHUNK) {
            List<Image> part = images.subList(start, Math.min(images.size(), start + CHUNK));
            st.add(net.features(FeatureClassifier.input(part)));
        }
        return st;
    }

    /** Feature statistics of float images [N, 1 or 3, 32, 32] in [−1, 1]. */
    public FeatureStats stats(NDArray images) {
        FeatureStats st = new FeatureStats(FeatureClassifier.FEATURES);
        for (int start = 0; start < images.size(0); start += CHUNK) {
            NDArray part = images.narrow(0, start, Math.min(images.size(0) - start, CHUNK));
            st.add(net.features(FeatureClassifier.input(part)));
        }
        return st;
    }

    /** The FID between two sets of images; each needs at least two images (a covariance). */
    public double fid(List<Image> real, List<Image> generated) {
        return of(stats(real), stats(generated));
    }

    /** The FID between two precomputed statistics (e.g. the real set's, computed once). */
    public static double of(FeatureStats real, FeatureStats generated) {
        if (real.count() < 2 || generated.count() < 2) {
            throw new IllegalArgumentException("Fid: need at least 2 images per set for a covariance, got "
                    + real.count() + " real and " + generated.count() + " generated");
        }
        return FrechetDistance.of(real, generated);
    }
}
