package dev.usp4j.usp.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.LatentCache;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.DiTConfig;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.transfer.TransferReport;
import dev.usp4j.usp.transfer.UspTransfer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The weights a pretraining checkpoint holds go into a DiT through UspTransfer, as USP's generation side needs. */
class PretrainPipelineTest {
    @TempDir
    Path dir;

    @Test
    void pretrainedWeightsTransferIntoADiT() throws Exception {
        try (LatentCache cache = TestCaches.cache(dir, "train", 32, 4, 1, false)) {
            Path ckpt = dir.resolve("mae.safetensors");
            MaskedLatentTrainer t = new MaskedLatentTrainer(MaskedLatentTrainerTest.tiny(LrPlan.steps(1, 4), 0.99),
                    cache, ckpt);
            t.train(3, null);
            Map<String, NDArray> mae = MaskedLatentTrainer.readPretrained(ckpt, false);
            Map<String, NDArray> ema = MaskedLatentTrainer.readPretrained(ckpt, true);
            assertArrayEquals(t.ema().get("blocks.0.attn.qkv.weight").toFloatArray(),
                    ema.get("blocks.0.attn.qkv.weight").toFloatArray());
            DiT dit = new DiT(new DiTConfig(8, 2, 4, 32, 1, 2, 2.0, 0.1, 4, true, true), new Generator(1));
            TransferReport r = UspTransfer.intoDiT(mae, dit);
            // 12 block tensors, the patch conv's weight and bias, and the position table.
            assertEquals(15, r.copied().size(), r.summary());
            assertTrue(r.copied().contains("blocks.0.attn.qkv.weight"), r.summary());
            assertArrayEquals(mae.get("blocks.0.mlp.fc1.weight").toFloatArray(),
                    dit.stateDict().get("blocks.0.mlp.fc1.weight").toFloatArray());
        }
    }
}
