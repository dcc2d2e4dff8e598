package dev.usp4j.usp.gen;

import dev.usp4j.data.LatentCache;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Tiny synthetic latent caches and DiT configs for the generative tests: 4×4×4 latents, a few classes. */
final class TinyLatents {
    static final int CLASSES = 3;

    private TinyLatents() {
    }

    /** A DiT/SiT with hidden 32, depth 1, patch 2 on 4-channel 4×4 latents. */
    static DiTConfig config() {
        return new DiTConfig(4, 2, 4, 32, 1, 2, 4.0, 0.1, CLASSES, true, false);
    }

    /**
     * A cache of {@code n} latents whose mean is a class-dependent pattern (so a model can learn something) with a
     * small log-variance, written as LatentCache writes it (with flips when asked).
     */
    static LatentCache cache(Path file, int n, boolean flip) throws IOException {
        Generator g = new Generator(42);
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % CLASSES;
        }
        NDArray patterns = NDArray.randn(g, CLASSES, 4, 4, 4).mul(2.0);
        NDArray mean = patterns.indexSelect(0, NDArray.of(labels, n)).add(NDArray.randn(g, n, 4, 4, 4).mul(0.1));
        NDArray logvar = NDArray.full(-4.0, n, 4, 4, 4);
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("mean", mean.contiguous());
        t.put("logvar", logvar);
        if (flip) {
            t.put("mean_flip", mean.indexSelect(3, NDArray.of(new long[] {3, 2, 1, 0}, 4)).contiguous());
            t.put("logvar_flip", logvar);
        }
        t.put("labels", NDArray.of(labels, n));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", LatentCache.FORMAT);
        meta.put("encoder", "tiny-test-encoder");
        meta.put("scale_factor", "0.5");
        meta.put("dataset", "tiny");
        meta.put("dataset_fingerprint", "fp-" + n);
        meta.put("transform", "none");
        meta.put("flip", Boolean.toString(flip));
        meta.put("count", Integer.toString(n));
        Safetensors.save(file, t, meta);
        return LatentCache.open(file);
    }
}
