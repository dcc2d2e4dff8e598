package dev.usp4j.usp.gen;

import dev.usp4j.data.LatentCache;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.random.Generator;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchHostReadsTest {
    @TempDir
    Path dir;

    @Test
    void count() throws Exception {
        Device dev = EmulatedDevice.register();
        for (boolean sit : new boolean[] {false, true}) {
            GenerativeConfig cfg = GenerativeConfig.defaults().withBatchSize(8).withLr(1e-3).withEmaDecay(0.9)
                    .withLogEvery(1000).withCheckpointEvery(1000).withSeed(7);
            try (LatentCache cache = TinyLatents.cache(dir.resolve("c" + sit + ".safetensors"), 20, true)) {
                DiT m = sit ? new SiT(TinyLatents.config(), new Generator(1)) : new DiT(TinyLatents.config(), new Generator(1));
                GenerativeTrainer t = GenerativeTrainer.start((DiT) m.to(dev), cache, cfg, null);
                t.train(2, TrainingListener.NONE);
                int before = EmulatedDevice.hostReads();
                System.setProperty("usp4j.traceHostReads", "true");
                t.train(5, TrainingListener.NONE);
                System.setProperty("usp4j.traceHostReads", "false");
                System.err.println("SCRATCH " + (sit ? "SiT" : "DiT") + " host reads in 3 steps: " + (EmulatedDevice.hostReads() - before));
            }
        }
    }
}
