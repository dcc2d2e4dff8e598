package dev.usp4j.usp.gen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.LatentCache;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.diffusion.model.SiT;
import dev.usp4j.diffusion.sampling.Samplers;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.nn.optim.GradientClipping;
import dev.usp4j.nn.optim.LARS;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.MaskedLatentTrainer;
import dev.usp4j.usp.pretrain.PretrainConfig;
import dev.usp4j.usp.pretrain.TestCaches;
import dev.usp4j.usp.pretrain.TrainSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How often training steps and samplers on a device copy something between host and device. A read makes the host
 * wait for every queued kernel, and so does an upload from pageable memory (CUDA synchronises the stream first), so
 * device code keeps both out of its per-step loops: per training step what is left is the batch coming in (latents
 * and labels), the loss read for the log (as DiT's train.py does) and one transfer that settles the step's deferred
 * index checks, for DiT and SiT alike (SiT's linear interpolant is computed on the device; other paths evaluate
 * their coefficients in double on the host). A sampling run reads only its result. Counted on the emulated device (CPU kernels behind a device
 * boundary) after a warm-up step (the first uploads the schedules and the optimiser makes its state); the bounds
 * are what the code does now, so a new per-step transfer fails here.
 */
class DeviceRoundTripsTest {
    @TempDir
    Path dir;

    /** Host reads and uploads during r. */
    private static int[] transfersDuring(Runnable r) {
        int reads = EmulatedDevice.hostReads();
        int uploads = EmulatedDevice.uploads();
        r.run();
        return new int[] {EmulatedDevice.hostReads() - reads, EmulatedDevice.uploads() - uploads};
    }

    private static void atMost(String what, int[] got, int reads, int uploads) {
        assertTrue(got[0] <= reads && got[1] <= uploads, what + ": " + got[0] + " host reads and " + got[1]
                + " uploads, expected at most " + reads + " and " + uploads);
    }

    private interface Steps {
        void run() throws IOException;
    }

    private static Runnable unchecked(Steps s) {
        return () -> {
            try {
                s.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    @Test
    void ditAndSitTrainingStepsMoveTheBatchInAndALossOut() throws Exception {
        Device dev = EmulatedDevice.register();
        for (boolean sit : new boolean[] {false, true}) {
            GenerativeConfig cfg = GenerativeConfig.defaults().withBatchSize(8).withLr(1e-3).withEmaDecay(0.9)
                    .withLogEvery(1000).withCheckpointEvery(1000).withSeed(7);
            try (LatentCache cache = TinyLatents.cache(dir.resolve("c" + sit + ".safetensors"), 20, true)) {
                DiT m = sit ? new SiT(TinyLatents.config(), new Generator(1))
                        : new DiT(TinyLatents.config(), new Generator(1));
                GenerativeTrainer t = GenerativeTrainer.start((DiT) m.to(dev), cache, cfg, null);
                t.train(1, TrainingListener.NONE);
                int[] got = transfersDuring(unchecked(() -> t.train(5, TrainingListener.NONE)));
                atMost("4 " + (sit ? "SiT" : "DiT") + " steps", got, 4 * 2, 4 * 2);
            }
        }
    }

    @Test
    void pretrainingStepsMoveTheBatchInAndALossOut() throws Exception {
        Device dev = EmulatedDevice.register();
        try (LatentCache cache = TestCaches.cache(dir, "train", 48, 4, 2, true)) {
            PretrainConfig cfg = PretrainConfig.defaults(TestCaches.tinyMae())
                    .withTrain(new TrainSettings(16, 0.016, 1e-5, 0.05, LrPlan.steps(1, 10), 0, 7));
            MaskedLatentTrainer t = new MaskedLatentTrainer(cfg, cache, null, dev);
            t.train(1, m -> { });
            atMost("4 MAE steps", transfersDuring(unchecked(() -> t.train(5, m -> { }))), 4 * 2, 4 * 2);
        }
    }

    @Test
    void samplersReadOnlyTheirResult() {
        Device dev = EmulatedDevice.register();
        for (String spec : new String[] {"ddim:8", "ddpm:8", "ode:euler:8"}) {
            boolean sit = spec.startsWith("ode");
            DiT m = sit ? new SiT(TinyLatents.config(), new Generator(3))
                    : new DiT(TinyLatents.config(), new Generator(3));
            m.to(dev);
            LatentSampling s = new LatentSampling(m, Samplers.parse(spec), 2.0, 4);
            long[] labels = LatentSampling.uniformLabels(4, TinyLatents.CLASSES, 2);
            s.latents(labels, 4, null);
            // The labels go in, the latents come out, the index checks are settled with them.
            atMost(spec + ", 8 steps", transfersDuring(() -> s.latents(labels, 4, null)), 2, 1);
        }
    }

    @Test
    void larsStepsReadNothingAndClippingReadsOncePerCall() {
        Device dev = EmulatedDevice.register();
        List<Tensor> params = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Tensor p = Tensor.parameter(NDArray.randn(new Generator(i), 8, 5).to(dev));
            p.setGrad(NDArray.randn(new Generator(10 + i), 8, 5).to(dev));
            params.add(p);
        }
        LARS lars = new LARS(List.of(new ParamGroup(params, 0.1, 1e-4)));
        lars.step();  // makes the momentum buffers
        params.get(0).grad().toFloatArray();  // settles index checks an earlier test on this thread left pending
        // The trust ratios stay on the device; the clip's norm is read once for all parameters.
        atMost("2 LARS steps of 6 parameters", transfersDuring(() -> {
            lars.step();
            lars.step();
        }), 0, 0);
        atMost("clipping 6 gradients", transfersDuring(() -> GradientClipping.clipGradNorm(params, 0.5)), 1, 0);
        atMost("clipping by the largest entry", transfersDuring(() -> GradientClipping.clipGradNorm(params, 0.5,
                Double.POSITIVE_INFINITY, false)), 1, 0);
    }
}
