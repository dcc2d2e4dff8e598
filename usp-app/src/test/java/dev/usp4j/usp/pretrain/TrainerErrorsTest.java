package dev.usp4j.usp.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.vit.MaeConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pretraining trainer's and the shared settings' error messages name what is wrong. */
class TrainerErrorsTest {
    @TempDir
    Path dir;

    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        }
    }

    @Test
    void anEmptyCacheOrOneSmallerThanABatchIsRefused() throws Exception {
        PretrainConfig cfg = MaskedLatentTrainerTest.tiny(LrPlan.steps(1, 10), 0);
        try (LatentCache empty = TestCaches.emptyCache(dir)) {
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> new MaskedLatentTrainer(cfg, empty, null)), "empty", "0 latents", "empty.safetensors");
        }
        try (LatentCache small = TestCaches.cache(dir, "small", 10, 2, 1, false)) {
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> new MaskedLatentTrainer(cfg, small, null)), "10 latents", "batch of 16");
        }
    }

    @Test
    void aNonFiniteLossStopsTraining() throws Exception {
        try (LatentCache nan = TestCaches.filledCache(dir, "nan", 16, Float.NaN)) {
            MaskedLatentTrainer t = new MaskedLatentTrainer(MaskedLatentTrainerTest.tiny(LrPlan.steps(1, 10), 0), nan,
                    null);
            assertMessage(assertThrows(IllegalStateException.class, () -> t.train(3, null)), "usp-pretrain",
                    "loss is NaN at step 0", "stopping");
            assertEquals(0, t.step());
        }
    }

    @Test
    void latentsOfAnotherShapeAreRefused() throws Exception {
        MaeConfig big = TestCaches.tinyMae().withImgSize(16);
        PretrainConfig cfg = PretrainConfig.defaults(big).withTrain(
                MaskedLatentTrainerTest.tiny(LrPlan.steps(1, 10), 0).train());
        try (LatentCache cache = TestCaches.cache(dir, "c", 16, 2, 1, false)) {
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> new MaskedLatentTrainer(cfg, cache, null)), "[4, 8, 8]", "[4, 16, 16]");
        }
    }

    @Test
    void aCheckpointOfAnotherModelOrTrainerIsRefused() throws Exception {
        try (LatentCache cache = TestCaches.cache(dir, "c", 16, 2, 1, false)) {
            PretrainConfig cfg = MaskedLatentTrainerTest.tiny(LrPlan.steps(1, 10), 0);
            Path ckpt = dir.resolve("a.safetensors");
            new MaskedLatentTrainer(cfg, cache, ckpt).train(1, null);

            MaeConfig m = TestCaches.tinyMae();
            MaeConfig wider = new MaeConfig(8, 2, 4, 48, 1, 2, 32, 1, 2, 2.0, true, 0.75);
            MaskedLatentTrainer other = new MaskedLatentTrainer(PretrainConfig.defaults(wider).withTrain(cfg.train()),
                    cache, null);
            assertMessage(assertThrows(IllegalArgumentException.class, () -> other.resume(ckpt)),
                    "configuration differs", "model", "\"embed_dim\":32", "\"embed_dim\":48", "nothing was loaded");
            assertEquals(0, other.step());

            MaskedLatentTrainer otherBatch = new MaskedLatentTrainer(PretrainConfig.defaults(m)
                    .withTrain(cfg.train().withBatchSize(8)), cache, null);
            assertMessage(assertThrows(IllegalArgumentException.class, () -> otherBatch.resume(ckpt)),
                    "batch_size: checkpoint 16, trainer 8");

            try (LatentCache otherData = TestCaches.cache(dir, "other", 16, 2, 9, false)) {
                MaskedLatentTrainer elsewhere = new MaskedLatentTrainer(cfg, otherData, null);
                assertMessage(assertThrows(IllegalArgumentException.class, () -> elsewhere.resume(ckpt)),
                        "another latent cache", "nothing was loaded");
            }
            assertEquals(16L, LatentTrainer.readDataInfo(ckpt).get("count"));

            Map<String, Object> probeLike = LatentTrainer.readConfig(ckpt);
            assertEquals(PretrainConfig.KIND, probeLike.get("kind"));
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> LatentTrainer.readWeights(ckpt, "usp-linear-probe", "model")),
                    "a checkpoint of 'usp-pretrain'", "expected 'usp-linear-probe'");
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> MaskedLatentTrainer.readPretrained(ckpt, true)), "no 'ema' weights");
            assertMessage(assertThrows(IllegalStateException.class,
                    () -> new MaskedLatentTrainer(cfg, cache, null).pretrainedState(true)), "no EMA");

            MaskedLatentTrainer t = new MaskedLatentTrainer(cfg, cache, null);
            t.train(2, null);
            assertMessage(assertThrows(IllegalArgumentException.class, () -> t.train(1, null)),
                    "until step 1", "2 steps are already done");
        }
    }

    @Test
    void badConfigValuesAreRefused() {
        LrPlan plan = LrPlan.steps(1, 10);
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TrainSettings(0, 1e-3, 0, 0, plan, 0, 0)), "batch_size", "0");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TrainSettings(8, -1, 0, 0, plan, 0, 0)), "blr", "-1.0");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TrainSettings(8, 1e-3, 0, Double.NaN, plan, 0, 0)), "weight_decay", "NaN");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TrainSettings(8, 1e-3, 0, 0, plan, -5, 0)), "checkpoint_every", "-5");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> LrPlan.epochs(50, 40)),
                "warmup 50.0", "total 40.0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new LrPlan(0.5, 10, LrPlan.Unit.STEPS)),
                "whole numbers");
        PretrainConfig d = PretrainConfig.defaults(TestCaches.tinyMae());
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new PretrainConfig(d.model(), d.train(), 0.9, 1.0, 0)), "betas", "1.0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.withEmaDecay(1.0)), "ema_decay");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> PretrainConfig.fromMap(Map.of("model", "MAE-ViT-T/2", "bacth_size", 8))), "bacth_size");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> PretrainConfig.fromMap(Map.of("batch_size", 8))), "\"model\"", "required");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> PretrainConfig.fromMap(Map.of("model", "MAE-ViT-T/2", "steps", 10, "epochs", 5))),
                "not both");
    }

    @Test
    void configMapsRoundTrip() {
        PretrainConfig d = PretrainConfig.defaults(TestCaches.tinyMae()).withEmaDecay(0.999);
        assertEquals(d, PretrainConfig.fromMap(d.toMap()));
        PretrainConfig s = d.withTrain(d.train().withPlan(LrPlan.steps(100, 5000)).withSeed(3));
        assertEquals(s, PretrainConfig.fromMap(s.toMap()));
        PretrainConfig named = PretrainConfig.fromMap(Map.of("model", "MAE-ViT-B/2", "epochs", 1600));
        assertEquals(768, named.model().embedDim());
        assertEquals(LrPlan.epochs(40, 1600), named.train().plan());
        assertEquals(1.5e-4 * 64 / 256, named.train().lr(), 0.0);
        assertEquals(0.75, named.model().maskRatio());
        assertTrue(named.model().normPixLoss());
    }
}
