package dev.usp4j.usp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.data.ToTensor;
import dev.usp4j.data.datasets.SyntheticDataset;
import dev.usp4j.data.transforms.Pad;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.random.Generator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small VAE as a latent-cache encoder: the cache holds exactly the posterior the VAE computes, and a VAE with
 * other weights has another identity, so its cache is rebuilt.
 */
class VaeLatentEncoderTest {
    @TempDir
    Path dir;

    @Test
    void cacheHoldsTheVaePosteriorAndNoticesOtherWeights() throws Exception {
        Generator.manualSeed(1);
        AutoencoderKL vae = AutoencoderKL.named("VAE-f4-small");
        VaeLatentEncoder enc = new VaeLatentEncoder("VAE-f4-small", vae);
        SyntheticDataset ds = new SyntheticDataset(6, 28, 28, 1, 3, 5);
        List<String> log = new ArrayList<>();
        Path file = dir.resolve("latents.safetensors");
        try (LatentCache c = LatentCache.openOrBuild(file, ds, Pad.all(2), "pad 2", ToTensor.symmetric(), enc,
                0.5, false, 4, log::add)) {
            assertEquals(6, c.size());
            assertEquals(List.of(4, 8, 8), java.util.Arrays.stream(c.latentShape()).boxed().toList());
            NDArray x = ToTensor.symmetric().apply(Pad.all(2).apply(ds.get(4).image(), new Generator(0)))
                    .unsqueeze(0);
            try (GradMode.Scope s = GradMode.noGrad()) {
                vae.eval();
                Compare.assertClose(c.mean(new int[] {4}, null), vae.encode(Tensor.of(x)).mean().data(), 1e-5,
                        "cached mean");
            }
        }
        Generator.manualSeed(2);
        VaeLatentEncoder other = new VaeLatentEncoder("VAE-f4-small", AutoencoderKL.named("VAE-f4-small"));
        assertNotEquals(enc.identity(), other.identity());
        LatentCache.openOrBuild(file, ds, Pad.all(2), "pad 2", ToTensor.symmetric(), other, 0.5, false, 4,
                log::add).close();
        assertTrue(log.stream().anyMatch(l -> l.contains("rebuilding") && l.contains("encoder")), log.toString());
    }
}
