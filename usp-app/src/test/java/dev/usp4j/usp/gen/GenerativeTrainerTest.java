package dev.usp4j.usp.gen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.LatentCache;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.nn.io.TrainingCheckpoint;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GenerativeTrainer on a tiny DiT/SiT and a tiny cache: a run stopped half-way and resumed ends bit-identical to a
 * straight one (model, EMA), the loss goes down, the EMA follows its formula, metrics and checkpoints come at the
 * configured steps, and bad inputs fail with messages that say what is wrong.
 */
class GenerativeTrainerTest {
    private static final GenerativeConfig SMALL = GenerativeConfig.defaults().withBatchSize(8).withLr(1e-3)
            .withEmaDecay(0.9).withLogEvery(2).withCheckpointEvery(5).withSeed(7);

    @TempDir
    Path dir;

    private static DiT build(boolean sit) {
        return sit ? new SiT(TinyLatents.config(), new Generator(1)) : new DiT(TinyLatents.config(), new Generator(1));
    }

    private void resumeIsBitIdentical(boolean sit, GenerativeConfig cfg) throws Exception {
        final int total = 12;
        try (LatentCache cache = TinyLatents.cache(dir.resolve("c.safetensors"), 20, true)) {
            GenerativeTrainer straight = GenerativeTrainer.start(build(sit), cache, cfg, dir.resolve("a.st"));
            straight.train(total, TrainingListener.NONE);

            Path ckpt = dir.resolve("b.st");
            GenerativeTrainer first = GenerativeTrainer.start(build(sit), cache, cfg, ckpt);
            first.train(total / 2, TrainingListener.NONE);
            Generator.manualSeed(12345); // a new process starts elsewhere
            GenerativeTrainer resumed = GenerativeTrainer.resume(ckpt, cache);
            assertEquals(total / 2, resumed.step());
            assertEquals(sit ? GenerativeKind.SIT : GenerativeKind.DIT, resumed.kind());
            resumed.train(total, TrainingListener.NONE);

            Map<String, NDArray> a = straight.model().stateDict();
            Map<String, NDArray> b = resumed.model().stateDict();
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), "parameter " + k);
            }
            for (String k : straight.ema().names()) {
                assertArrayEquals(straight.ema().get(k).toFloatArray(), resumed.ema().get(k).toFloatArray(),
                        "ema " + k);
            }
            // and the run moved at all
            assertNotEquals(0.0, a.get("final_layer.linear.weight").abs().sum().item());
        }
    }

    /**
     * Training on a device (the emulated one: CPU kernels behind a device boundary) is the same run as on the CPU,
     * including a resume that loads the checkpoint onto the device, so no array of a step is left behind on the
     * host. Equal to float rounding: without a fused AdamW kernel the device composes the update from elementwise
     * ops, which round differently from the CPU's fused loop.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void trainsAndResumesOnADevice(boolean sit) throws Exception {
        Device dev = EmulatedDevice.register();
        GenerativeConfig cfg = SMALL.withGradClip(0.5).withWeightDecay(0.01);
        try (LatentCache cache = TinyLatents.cache(dir.resolve("c.safetensors"), 20, true)) {
            GenerativeTrainer cpu = GenerativeTrainer.start(build(sit), cache, cfg, null);
            cpu.train(6, TrainingListener.NONE);
            Path ckpt = dir.resolve("d.st");
            GenerativeTrainer first = GenerativeTrainer.start((DiT) build(sit).to(dev), cache, cfg, ckpt);
            assertEquals(dev, first.device());
            first.train(3, TrainingListener.NONE);
            GenerativeTrainer resumed = GenerativeTrainer.resume(ckpt, cache, ckpt, dev);
            assertEquals(dev, resumed.device());
            resumed.train(6, TrainingListener.NONE);
            Map<String, NDArray> a = cpu.model().stateDict();
            Map<String, NDArray> b = resumed.model().stateDict();
            for (String k : a.keySet()) {
                assertEquals(dev, b.get(k).device(), k);
                float[] x = a.get(k).toFloatArray();
                float[] y = b.get(k).toFloatArray();
                double scale = 0;
                double worst = 0;
                for (int i = 0; i < x.length; i++) {
                    scale = Math.max(scale, Math.abs(x[i]));
                    worst = Math.max(worst, Math.abs(x[i] - y[i]));
                }
                assertTrue(worst <= 1e-5 * scale, "parameter " + k + " differs by " + worst + " (max " + scale + ")");
            }
        }
    }

    @Test
    void ditResumeIsBitIdentical() throws Exception {
        resumeIsBitIdentical(false, SMALL);
    }

    @Test
    void sitResumeIsBitIdenticalWithClippingAndWeightDecay() throws Exception {
        resumeIsBitIdentical(true, SMALL.withGradClip(0.5).withWeightDecay(0.01));
    }

    private double lossDrop(boolean sit) throws Exception {
        try (LatentCache cache = TinyLatents.cache(dir.resolve("d.safetensors"), 24, false)) {
            GenerativeTrainer t = GenerativeTrainer.start(build(sit), cache,
                    SMALL.withBatchSize(12).withLr(3e-3).withLogEvery(10), null);
            List<TrainingMetrics> seen = new ArrayList<>();
            t.train(40, seen::add);
            assertEquals(4, seen.size());
            assertEquals(10, seen.get(0).step());
            assertEquals(3e-3, seen.get(0).lr());
            assertTrue(seen.get(0).imagesPerSecond() > 0);
            return seen.get(3).loss() / seen.get(0).loss();
        }
    }

    @Test
    void ditLossDecreases() throws Exception {
        double ratio = lossDrop(false);
        assertTrue(ratio < 0.8, "DiT loss ratio (last/first window) " + ratio);
    }

    @Test
    void sitLossDecreases() throws Exception {
        double ratio = lossDrop(true);
        assertTrue(ratio < 0.8, "SiT loss ratio (last/first window) " + ratio);
    }

    @Test
    void emaStartsAsCopyAndFollowsItsDecay() throws Exception {
        try (LatentCache cache = TinyLatents.cache(dir.resolve("e.safetensors"), 16, false)) {
            double d = 0.7;
            GenerativeTrainer t = GenerativeTrainer.start(build(false), cache, SMALL.withEmaDecay(d), null);
            String k = "final_layer.linear.weight";
            float[] p0 = t.model().stateDict().get(k).toFloatArray();
            assertArrayEquals(p0, t.ema().get(k).toFloatArray());
            t.trainStep();
            float[] p1 = t.model().stateDict().get(k).toFloatArray();
            t.trainStep();
            float[] p2 = t.model().stateDict().get(k).toFloatArray();
            float[] e = t.ema().get(k).toFloatArray();
            for (int i = 0; i < p0.length; i++) {
                double want = d * d * p0[i] + d * (1 - d) * p1[i] + (1 - d) * p2[i];
                assertEquals(want, e[i], 1e-6, "ema[" + i + "]");
            }
            assertNotEquals(p0[0], p2[0]);

            GenerativeTrainer copy = GenerativeTrainer.start(build(false), cache, SMALL.withEmaDecay(0), null);
            copy.trainStep();
            copy.trainStep();
            assertArrayEquals(copy.model().stateDict().get(k).toFloatArray(), copy.ema().get(k).toFloatArray());
            DiT emaModel = copy.emaModel();
            assertArrayEquals(copy.model().stateDict().get(k).toFloatArray(), emaModel.stateDict().get(k)
                    .toFloatArray());
        }
    }

    @Test
    void checkpointsAtTheConfiguredStepsAndLoadsEma() throws Exception {
        try (LatentCache cache = TinyLatents.cache(dir.resolve("f.safetensors"), 16, false)) {
            Path ckpt = dir.resolve("g.st");
            GenerativeTrainer t = GenerativeTrainer.start(build(true), cache, SMALL, ckpt);
            List<Long> saved = new ArrayList<>();
            t.train(12, new TrainingListener() {
                @Override
                public void onMetrics(TrainingMetrics m) {
                }

                @Override
                public void onCheckpoint(long step, Path file) {
                    saved.add(step);
                }
            });
            assertEquals(List.of(5L, 10L, 12L), saved);
            GenerativeCheckpoints.Header h = GenerativeCheckpoints.readHeader(ckpt);
            assertEquals(12, h.step());
            assertEquals(GenerativeKind.SIT, h.kind());
            assertEquals(SMALL, h.train());
            DiT ema = GenerativeTrainer.loadEmaModel(ckpt);
            assertTrue(ema instanceof SiT);
            String k = "blocks.0.mlp.fc1.weight";
            assertArrayEquals(t.ema().get(k).toFloatArray(), ema.stateDict().get(k).toFloatArray());
        }
    }

    @Test
    void transferredWeightsSeedTheEma() throws Exception {
        try (LatentCache cache = TinyLatents.cache(dir.resolve("h.safetensors"), 16, false)) {
            DiT m = build(false);
            // stands in for UspTransfer.intoDiT: weights changed after construction, before the trainer
            m.blocks.get(0).attn.qkv.weight.data().fill(0.25);
            GenerativeTrainer t = GenerativeTrainer.start(m, cache, SMALL, null);
            float[] e = t.ema().get("blocks.0.attn.qkv.weight").toFloatArray();
            for (float v : e) {
                assertEquals(0.25f, v);
            }
        }
    }

    @Test
    void errorsSayWhatIsWrong() throws Exception {
        String m;
        m = assertThrows(IllegalArgumentException.class, () -> SMALL.withBatchSize(0)).getMessage();
        assertTrue(m.contains("batch_size") && m.contains("0"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SMALL.withEmaDecay(1.5)).getMessage();
        assertTrue(m.contains("ema_decay"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SMALL.withLr(Double.NaN)).getMessage();
        assertTrue(m.contains("lr"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SMALL.withBetas(0.9, 1.0)).getMessage();
        assertTrue(m.contains("beta2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SMALL.withGradClip(-1)).getMessage();
        assertTrue(m.contains("grad_clip"), m);

        try (LatentCache empty = TinyLatents.cache(dir.resolve("empty.safetensors"), 0, false)) {
            m = assertThrows(IllegalArgumentException.class,
                    () -> GenerativeTrainer.start(build(false), empty, SMALL, null)).getMessage();
            assertTrue(m.contains("empty"), m);
        }
        try (LatentCache small = TinyLatents.cache(dir.resolve("small.safetensors"), 5, false)) {
            m = assertThrows(IllegalArgumentException.class,
                    () -> GenerativeTrainer.start(build(false), small, SMALL, null)).getMessage();
            assertTrue(m.contains("5 latents") && m.contains("batch of 8"), m);
            DiT wide = new DiT(TinyLatents.config().withInputSize(8), new Generator(1));
            m = assertThrows(IllegalArgumentException.class,
                    () -> GenerativeTrainer.start(wide, small, SMALL.withBatchSize(2), null)).getMessage();
            assertTrue(m.contains("[4, 8, 8]") && m.contains("[4, 4, 4]"), m);
        }
        try (LatentCache cache = TinyLatents.cache(dir.resolve("i.safetensors"), 16, false)) {
            Path ckpt = dir.resolve("j.st");
            GenerativeTrainer.start(build(false), cache, SMALL, ckpt).train(1, TrainingListener.NONE);
            // the EMA of a DiT asked for as a SiT
            m = assertThrows(IllegalArgumentException.class,
                    () -> GenerativeCheckpoints.loadEma(ckpt, build(true))).getMessage();
            assertTrue(m.contains("holds a DiT") && m.contains("into a SiT"), m);
            // a training checkpoint of another trainer
            Path other = dir.resolve("other.st");
            new TrainingCheckpoint(build(false)).save(other, 3, Map.of("model", "MAE"));
            m = assertThrows(IllegalArgumentException.class, () -> GenerativeTrainer.resume(other, cache))
                    .getMessage();
            assertTrue(m.contains("another trainer"), m);
            // a file that is no training checkpoint at all (a latent cache)
            m = assertThrows(IllegalArgumentException.class,
                    () -> GenerativeTrainer.resume(cache.file(), cache)).getMessage();
            assertTrue(m.contains("not a training checkpoint"), m);
            // resuming on another cache
            try (LatentCache other2 = TinyLatents.cache(dir.resolve("k.safetensors"), 17, false)) {
                m = assertThrows(IllegalArgumentException.class, () -> GenerativeTrainer.resume(ckpt, other2))
                        .getMessage();
                assertTrue(m.contains("another latent cache"), m);
            }
        }
    }
}
