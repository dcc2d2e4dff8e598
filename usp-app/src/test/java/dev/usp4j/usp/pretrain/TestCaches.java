package dev.usp4j.usp.pretrain;

import dev.usp4j.data.LatentCache;
import dev.usp4j.data.LatentEncoder;
import dev.usp4j.data.ToTensor;
import dev.usp4j.data.Transform;
import dev.usp4j.data.datasets.SyntheticDataset;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.nn.vit.VitConfig;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small latent caches for the trainer tests: {@link SyntheticDataset} images (32×32 RGB, one coloured shape per
 * class) through a fake VAE that average-pools 4×4 blocks, giving 4×8×8 latents (r, g, b, grey) with a constant
 * log-variance — cheap, deterministic and easy to classify — and the tiny models that run on them.
 */
public final class TestCaches {
    private TestCaches() {
    }

    /** The fake VAE: 4×4 average pooling to (r, g, b, grey), log-variance −2. */
    public static final class PoolEncoder implements LatentEncoder {
        @Override
        public NDArray encodeMoments(NDArray images) {
            int b = images.size(0);
            int h = images.size(2) / 4;
            NDArray rgb = images.reshape(b, 3, h, 4, h, 4).mean(new int[] {3, 5}, false);
            NDArray grey = rgb.mean(new int[] {1}, true);
            NDArray mean = NDArray.cat(List.of(rgb, grey), 1);
            return NDArray.cat(List.of(mean, NDArray.full(-2.0, b, 4, h, h)), 1);
        }

        @Override
        public String identity() {
            return "pool4-test";
        }
    }

    /** A cache of {@code n} synthetic images of {@code classes} classes (seed {@code seed}), flips optional. */
    public static LatentCache cache(Path dir, String name, int n, int classes, long seed, boolean flip)
            throws IOException {
        SyntheticDataset ds = new SyntheticDataset(n, 32, 32, 3, classes, seed);
        return LatentCache.openOrBuild(dir.resolve(name + ".safetensors"), ds, Transform.identity(), "identity",
                ToTensor.symmetric(), new PoolEncoder(), 0.5, flip, 64, s -> { });
    }

    /** A well-formed cache file holding no latents. */
    public static LatentCache emptyCache(Path dir) throws IOException {
        return filledCache(dir, "empty", 0, 0f);
    }

    /** A hand-made cache of {@code n} 4×8×8 latents whose means are all {@code value}, labels 0. */
    public static LatentCache filledCache(Path dir, String name, int n, float value) throws IOException {
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("mean", NDArray.full(value, n, 4, 8, 8));
        t.put("logvar", NDArray.zeros(n, 4, 8, 8));
        t.put("labels", NDArray.of(new long[n], n));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", LatentCache.FORMAT);
        meta.put("encoder", "pool4-test");
        meta.put("scale_factor", "0.5");
        meta.put("dataset", "empty");
        meta.put("dataset_fingerprint", "none");
        meta.put("transform", "identity");
        meta.put("flip", "false");
        meta.put("count", Integer.toString(n));
        Path f = dir.resolve(name + ".safetensors");
        Safetensors.save(f, t, meta);
        return LatentCache.open(f);
    }

    /** An MAE on 4×8×8 latents: patch 2 (16 tokens), width 32, one encoder and one decoder block. */
    public static MaeConfig tinyMae() {
        return new MaeConfig(8, 2, 4, 32, 1, 2, 32, 1, 2, 2.0, true, 0.75);
    }

    /** The ViT classifier of {@link #tinyMae}'s encoder with {@code depth} blocks (average pooling). */
    public static VitConfig tinyVit(int depth, int classes) {
        return new VitConfig(8, 2, 4, classes, 32, depth, 2, 2.0, VitConfig.GlobalPool.AVG, 0.0, false);
    }
}
