package dev.usp4j.usp.pretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * USP pretraining on a tiny MAE: the loss falls, a run stopped half-way and resumed equals an uninterrupted one bit
 * for bit, the lr follows MAE's per-iteration warmup + cosine, and AdamW's groups follow timm's no-decay rule.
 */
class MaskedLatentTrainerTest {
    @TempDir
    Path dir;

    /** A tiny run: batch 16, lr 1e-3 (blr 0.016), steps-based plan. */
    static PretrainConfig tiny(LrPlan plan, double ema) {
        TrainSettings t = new TrainSettings(16, 0.016, 1e-5, 0.05, plan, 0, 7);
        return PretrainConfig.defaults(TestCaches.tinyMae()).withTrain(t).withEmaDecay(ema);
    }

    @Test
    void lossFallsOverAFewDozenSteps() throws Exception {
        try (LatentCache cache = TestCaches.cache(dir, "train", 64, 4, 1, true)) {
            MaskedLatentTrainer t = new MaskedLatentTrainer(tiny(LrPlan.steps(5, 60), 0), cache, null);
            List<TrainMetrics> seen = new ArrayList<>();
            TrainMetrics last = t.train(60, seen::add);
            assertEquals(60, seen.size());
            assertEquals(60, last.step());
            assertEquals(60, t.step());
            double first = mean(seen.subList(0, 8));
            double end = mean(seen.subList(52, 60));
            assertTrue(end < 0.8 * first, "loss " + first + " -> " + end);
            assertTrue(seen.stream().allMatch(m -> m.imagesPerSecond() > 0));
            assertEquals(60.0 / 4, last.epoch(), 1e-12);
        }
    }

    private static double mean(List<TrainMetrics> ms) {
        return ms.stream().mapToDouble(TrainMetrics::loss).average().orElseThrow();
    }

    /**
     * Pretraining on a device (the emulated one: CPU kernels behind a device boundary) follows the CPU run, resume
     * included, with every parameter on the device: the step losses agree to float rounding. (Weights are not
     * compared: the device composes AdamW from elementwise ops, and AdamW turns the rounding noise of gradients that
     * are zero in exact arithmetic, a key bias under softmax, into full-size steps of either sign.)
     */
    @Test
    void trainsAndResumesOnADevice() throws Exception {
        Device dev = EmulatedDevice.register();
        try (LatentCache cache = TestCaches.cache(dir, "train", 48, 4, 2, true)) {
            PretrainConfig cfg = tiny(LrPlan.epochs(1, 4), 0.9);
            List<Double> cpuLosses = new ArrayList<>();
            new MaskedLatentTrainer(cfg, cache, null).train(6, losses(cpuLosses));
            List<Double> devLosses = new ArrayList<>();
            Path ckpt = dir.resolve("dev.safetensors");
            new MaskedLatentTrainer(cfg, cache, ckpt, dev).train(3, losses(devLosses));
            MaskedLatentTrainer resumed = MaskedLatentTrainer.resume(ckpt, cache, null, dev);
            resumed.train(6, losses(devLosses));
            assertEquals(cpuLosses.size(), devLosses.size());
            for (int i = 0; i < cpuLosses.size(); i++) {
                assertEquals(cpuLosses.get(i), devLosses.get(i), 1e-4 * Math.abs(cpuLosses.get(i)), "loss of step " + i);
            }
            resumed.model().stateDict().forEach((k, v) -> assertEquals(dev, v.device(), k));
            resumed.optimizer().stateDict().forEach((k, v) -> {
                if (v.numel() > 1) {
                    assertEquals(dev, v.device(), k);
                }
            });
        }
    }

    private static TrainListener losses(List<Double> into) {
        return new TrainListener() {
            @Override
            public void onStep(TrainMetrics m) {
                into.add(m.loss());
            }
        };
    }

    @Test
    void resumedRunIsBitIdentical() throws Exception {
        try (LatentCache cache = TestCaches.cache(dir, "train", 48, 4, 2, true)) {
            PretrainConfig cfg = tiny(LrPlan.epochs(1, 4), 0.9);
            MaskedLatentTrainer straight = new MaskedLatentTrainer(cfg, cache, null);
            straight.train(10, null);

            Path ckpt = dir.resolve("pre.safetensors");
            MaskedLatentTrainer first = new MaskedLatentTrainer(cfg, cache, ckpt);
            List<Long> saved = new ArrayList<>();
            first.train(5, new TrainListener() {
                @Override
                public void onStep(TrainMetrics m) {
                }

                @Override
                public void onCheckpoint(long step, Path file) {
                    saved.add(step);
                }
            });
            assertEquals(List.of(5L), saved);

            Generator.manualSeed(999); // a new process starts from some other random state
            MaskedLatentTrainer resumed = MaskedLatentTrainer.resume(ckpt, cache, null);
            assertEquals(5, resumed.step());
            resumed.train(10, null);
            assertSameState(straight.model().stateDict(), resumed.model().stateDict(), "model");
            assertSameState(straight.ema().stateDict(), resumed.ema().stateDict(), "ema");
            assertSameState(straight.optimizer().stateDict(), resumed.optimizer().stateDict(), "optimizer");

            Map<String, NDArray> fromFile = MaskedLatentTrainer.readPretrained(ckpt, false);
            assertEquals(first.model().stateDict().keySet(), fromFile.keySet());
            assertSameState(first.model().stateDict(), fromFile, "read back");
        }
    }

    static void assertSameState(Map<String, NDArray> a, Map<String, NDArray> b, String what) {
        assertEquals(a.keySet(), b.keySet(), what);
        for (String k : a.keySet()) {
            NDArray x = a.get(k);
            if (x.dtype().isFloating()) {
                assertArrayEquals(x.toFloatArray(), b.get(k).toFloatArray(), what + " " + k);
            } else {
                assertArrayEquals(x.toLongArray(), b.get(k).toLongArray(), what + " " + k);
            }
        }
    }

    @Test
    void checkpointsEveryNStepsAndAtTheEnd() throws Exception {
        try (LatentCache cache = TestCaches.cache(dir, "train", 32, 4, 3, false)) {
            PretrainConfig cfg = tiny(LrPlan.steps(1, 10), 0);
            cfg = cfg.withTrain(cfg.train().withCheckpointEvery(3));
            Path ckpt = dir.resolve("every.safetensors");
            MaskedLatentTrainer t = new MaskedLatentTrainer(cfg, cache, ckpt);
            List<Long> saved = new ArrayList<>();
            t.train(7, new TrainListener() {
                @Override
                public void onStep(TrainMetrics m) {
                }

                @Override
                public void onCheckpoint(long step, Path file) {
                    saved.add(step);
                }
            });
            assertEquals(List.of(3L, 6L, 7L), saved);
            assertEquals(3L, ((Number) LatentTrainer.readConfig(ckpt).get("checkpoint_every")).longValue());
        }
    }

    @Test
    void learningRateFollowsMaesPerIterationSchedule() throws Exception {
        // 48 latents, batch 16: 3 iterations per epoch; warmup 2 epochs of 5.
        try (LatentCache cache = TestCaches.cache(dir, "train", 48, 4, 4, false)) {
            MaskedLatentTrainer t = new MaskedLatentTrainer(tiny(LrPlan.epochs(2, 5), 0), cache, null);
            double peak = 0.016 * 16 / 256;
            assertEquals(1e-3, peak, 1e-15);
            assertEquals(3, t.itersPerEpoch());
            assertEquals(15, t.totalSteps());
            for (int s : new int[] {0, 1, 4, 5, 6, 7, 11, 14, 15, 20}) {
                double e = (double) (s % 3) / 3 + s / 3;
                double want = e < 2 ? peak * e / 2
                        : e >= 5 ? 1e-5 : 1e-5 + (peak - 1e-5) * 0.5 * (1 + Math.cos(Math.PI * (e - 2) / 3));
                assertEquals(want, t.lrAt(s), 1e-18, "step " + s);
            }
            List<TrainMetrics> seen = new ArrayList<>();
            t.train(8, seen::add);
            for (TrainMetrics m : seen) {
                assertEquals(t.lrAt(m.step() - 1), m.lr(), 0.0);
            }
            for (ParamGroup g : t.optimizer().paramGroups()) {
                assertEquals(t.lrAt(7), g.effectiveLr(), 0.0);
            }
        }
    }

    @Test
    void weightDecayGroupsFollowTimmsRule() throws Exception {
        try (LatentCache cache = TestCaches.cache(dir, "train", 16, 4, 5, false)) {
            MaskedLatentTrainer t = new MaskedLatentTrainer(tiny(LrPlan.steps(1, 10), 0), cache, null);
            Map<String, ParamGroup> groups = t.paramGroupsByName();
            Set<String> decay = new TreeSet<>();
            Set<String> noDecay = new TreeSet<>();
            groups.forEach((name, g) -> (g.weightDecay() == 0.05 ? decay : noDecay).add(name));
            assertEquals(new TreeSet<>(Set.of("cls_token", "mask_token", "patch_embed.proj.weight",
                    "blocks.0.attn.qkv.weight", "blocks.0.attn.proj.weight", "blocks.0.mlp.fc1.weight",
                    "blocks.0.mlp.fc2.weight", "decoder_embed.weight", "decoder_blocks.0.attn.qkv.weight",
                    "decoder_blocks.0.attn.proj.weight", "decoder_blocks.0.mlp.fc1.weight",
                    "decoder_blocks.0.mlp.fc2.weight", "decoder_pred.weight")), decay);
            assertTrue(noDecay.stream().allMatch(n -> n.endsWith(".bias") || n.endsWith(".weight")
                    && (n.contains("norm"))), noDecay.toString());
            assertTrue(noDecay.contains("patch_embed.proj.bias") && noDecay.contains("norm.weight")
                    && noDecay.contains("decoder_norm.bias"), noDecay.toString());
            assertTrue(!groups.containsKey("pos_embed") && !groups.containsKey("decoder_pos_embed"));
            assertEquals(t.model().namedParameters().size() - 2, groups.size());
            assertEquals(0.9, t.optimizer().beta1());
            assertEquals(0.95, t.optimizer().beta2());
            assertNotNull(t.pretrainedState(false).get("decoder_pred.weight"));
        }
    }
}
