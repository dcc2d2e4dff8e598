package dev.usp4j.usp.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.DataLoader;
import dev.usp4j.data.datasets.SyntheticDataset;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vae.VaeConfig;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VAE trainer: the loss falls on a small synthetic set, an interrupted run resumed from its checkpoint ends with
 * the same weights as an uninterrupted one, and the calibrated scale makes the latents unit-variance.
 */
class VaeTrainerTest {
    @TempDir
    Path dir;

    private static AutoencoderKL tinyVae() {
        Generator.manualSeed(11);
        return new AutoencoderKL(VaeConfig.of(1, 1, 2, List.of(8, 16), 1, 4, 16, 1.0));
    }

    private static DataLoader loader() {
        return DataLoader.builder(new SyntheticDataset(48, 16, 16, 1, 3, 2)).batchSize(8).shuffle(3).dropLast(true)
                .build();
    }

    private static Map<String, NDArray> copy(Map<String, NDArray> sd) {
        Map<String, NDArray> out = new java.util.LinkedHashMap<>();
        sd.forEach((k, v) -> out.put(k, v.copy()));
        return out;
    }

    @Test
    void lossFallsAndResumeIsExact() throws Exception {
        VaeTrainer.Config cfg = new VaeTrainer.Config(2e-3, 1e-6, 5, 0);
        AutoencoderKL straight = tinyVae();
        List<Double> losses = new ArrayList<>();
        try (DataLoader l = loader()) {
            new VaeTrainer(straight, l, cfg, dir.resolve("a.safetensors")).train(24, 1,
                    (s, loss, rec, kl) -> losses.add(loss));
        }
        double first = losses.subList(0, 4).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = losses.subList(20, 24).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(last < 0.8 * first, "loss " + first + " -> " + last);

        Path ck = dir.resolve("b.safetensors");
        try (DataLoader l = loader()) {
            new VaeTrainer(tinyVae(), l, cfg, ck).train(13, 100, (s, a, b, c) -> { });
        }
        AutoencoderKL resumed = tinyVae();
        try (DataLoader l = loader()) {
            VaeTrainer t = new VaeTrainer(resumed, l, cfg, ck);
            assertEquals(13, t.step(), "resumes at the saved step");
            t.train(24, 100, (s, a, b, c) -> { });
        }
        Map<String, NDArray> a = copy(straight.stateDict());
        Map<String, NDArray> b = resumed.stateDict();
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
        }
    }

    /** Training on a device (the emulated one) takes the CPU's steps: the same losses, to float rounding. */
    @Test
    void trainsOnADevice() throws Exception {
        VaeTrainer.Config cfg = new VaeTrainer.Config(2e-3, 1e-6, 5, 0);
        List<Double> cpu = new ArrayList<>();
        try (DataLoader l = loader()) {
            new VaeTrainer(tinyVae(), l, cfg, dir.resolve("c.safetensors")).train(4, 1, (s, loss, r, k) -> cpu.add(loss));
        }
        List<Double> dev = new ArrayList<>();
        AutoencoderKL onDevice = tinyVae();
        onDevice.to(EmulatedDevice.register());
        try (DataLoader l = loader()) {
            new VaeTrainer(onDevice, l, cfg, dir.resolve("d.safetensors")).train(4, 1, (s, loss, r, k) -> dev.add(loss));
            assertTrue(VaeTrainer.reconstructionError(onDevice, l.batch(0, 0).images()) > 0);
        }
        assertEquals(cpu.size(), dev.size());
        for (int i = 0; i < cpu.size(); i++) {
            assertEquals(cpu.get(i), dev.get(i), 1e-4 * Math.abs(cpu.get(i)), "loss of step " + i);
        }
        assertEquals(EmulatedDevice.DEVICE, onDevice.parameters().get(0).data().device());
    }

    /**
     * A training step on a device moves its batch in and reads its loss terms out, and nothing else: the VAE's
     * padding, convolutions and norms all run there (counted on the emulated device after a warm-up step).
     */
    @Test
    void deviceStepsMoveTheBatchInAndTheLossOut() throws Exception {
        AutoencoderKL onDevice = tinyVae();
        onDevice.to(EmulatedDevice.register());
        try (DataLoader l = loader()) {
            VaeTrainer t = new VaeTrainer(onDevice, l, new VaeTrainer.Config(2e-3, 1e-6, 100, 0),
                    dir.resolve("r.safetensors"));
            t.train(1, 1000, (s, loss, r, k) -> { });
            // Each call ends by saving the checkpoint (a read per tensor): two more steps in the second call than
            // in the first isolate what a step costs.
            int reads = EmulatedDevice.hostReads();
            int uploads = EmulatedDevice.uploads();
            t.train(3, 1000, (s, loss, r, k) -> { });
            int reads2 = EmulatedDevice.hostReads();
            int uploads2 = EmulatedDevice.uploads();
            t.train(7, 1000, (s, loss, r, k) -> { });
            reads = EmulatedDevice.hostReads() - 2 * reads2 + reads;
            uploads = EmulatedDevice.uploads() - 2 * uploads2 + uploads;
            assertTrue(reads <= 2 && uploads <= 2, reads + " host reads and " + uploads + " uploads in 2 steps");
        }
    }

    @Test
    void calibratedScaleGivesUnitVariance() {
        AutoencoderKL vae = tinyVae();
        try (DataLoader l = loader()) {
            double scale = VaeTrainer.calibrateScale(vae, l, 6);
            double sq = 0;
            double sum = 0;
            long n = 0;
            for (var b : l.epoch(0)) {
                float[] z = vae.encode(dev.usp4j.autograd.Tensor.of(b.images())).mean().data().toFloatArray();
                for (float v : z) {
                    sum += v * scale;
                    sq += (double) v * scale * v * scale;
                }
                n += z.length;
            }
            double var = sq / n - (sum / n) * (sum / n);
            assertEquals(1.0, var, 1e-6);
            assertTrue(VaeTrainer.reconstructionError(vae, l.batch(0, 0).images()) > 0);
        }
    }
}
