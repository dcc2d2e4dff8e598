package dev.usp4j.usp.understand;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.data.LatentCache;
import dev.usp4j.nn.Module;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.usp.pretrain.LatentTrainer;
import dev.usp4j.usp.pretrain.LrPlan;
import dev.usp4j.usp.pretrain.TestCaches;
import dev.usp4j.usp.pretrain.TrainListener;
import dev.usp4j.usp.pretrain.TrainSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The linear probe, fine-tuning and the logistic regression on a device (the emulated one: CPU kernels behind a
 * device boundary, so a host array mixed into a step fails as on a GPU) follow their CPU runs, a resume on the device
 * included: the step losses agree to float rounding, the top-1 on another cache is the same, and every parameter
 * stays on the device.
 */
class UnderstandingOnADeviceTest {
    @TempDir
    Path dir;

    @Test
    void linearProbeTrainsResumesAndEvaluatesOnADevice() throws Exception {
        Device dev = EmulatedDevice.register();
        try (LatentCache train = TestCaches.cache(dir, "train", 64, 4, 1, true);
             LatentCache test = TestCaches.cache(dir, "test", 32, 4, 2, false)) {
            LinearProbeConfig cfg = LinearProbeTest.tiny(LrPlan.epochs(1, 3));
            LinearProbe cpu = new LinearProbe(cfg, LinearProbeTest.maeWeights(3), train, null);
            List<Double> cpuLosses = new ArrayList<>();
            cpu.train(4, losses(cpuLosses));
            Path ckpt = dir.resolve("probe.safetensors");
            List<Double> devLosses = new ArrayList<>();
            new LinearProbe(cfg, LinearProbeTest.maeWeights(3), train, ckpt, dev).train(2, losses(devLosses));
            LinearProbe resumed = LinearProbe.resume(ckpt, train, null, dev);
            resumed.train(4, losses(devLosses));
            sameRun(cpu, cpuLosses, resumed, devLosses, dev);
            assertEquals(cpu.evaluate(test), resumed.evaluate(test));
        }
    }

    @Test
    void fineTuneWithDropPathTrainsResumesAndEvaluatesOnADevice() throws Exception {
        Device dev = EmulatedDevice.register();
        try (LatentCache train = TestCaches.cache(dir, "train", 32, 4, 1, true);
             LatentCache test = TestCaches.cache(dir, "test", 32, 4, 2, false)) {
            FineTuneConfig cfg = FineTuneTest.tiny(2, LrPlan.epochs(1, 4));
            FineTune cpu = new FineTune(cfg, LinearProbeTest.maeWeights(3, 2), train, null);
            List<Double> cpuLosses = new ArrayList<>();
            cpu.train(4, losses(cpuLosses));
            Path ckpt = dir.resolve("ft.safetensors");
            List<Double> devLosses = new ArrayList<>();
            new FineTune(cfg, LinearProbeTest.maeWeights(3, 2), train, ckpt, dev).train(2, losses(devLosses));
            FineTune resumed = FineTune.resume(ckpt, train, null, dev);
            resumed.train(4, losses(devLosses));
            sameRun(cpu, cpuLosses, resumed, devLosses, dev);
            assertEquals(cpu.evaluate(test), resumed.evaluate(test));
        }
    }

    @Test
    void logisticRegressionTrainsAndEvaluatesOnADevice() throws Exception {
        Device dev = EmulatedDevice.register();
        try (LatentCache train = TestCaches.cache(dir, "train", 32, 4, 1, false);
             LatentCache test = TestCaches.cache(dir, "test", 32, 4, 2, false)) {
            TrainSettings s = new TrainSettings(8, 1e-3, 0, 1e-4, LrPlan.steps(1, 4), 0, 0);
            LogisticRegression cpu = new LogisticRegression(s, 4, train, null);
            List<Double> cpuLosses = new ArrayList<>();
            cpu.train(4, losses(cpuLosses));
            LogisticRegression onDevice = new LogisticRegression(s, 4, train, null, dev);
            List<Double> devLosses = new ArrayList<>();
            onDevice.train(4, losses(devLosses));
            sameRun(cpu, cpuLosses, onDevice, devLosses, dev);
            assertEquals(cpu.evaluate(test), onDevice.evaluate(test));
        }
    }

    /** The device run took the CPU run's steps (losses to float rounding) and kept its model on the device. */
    private static void sameRun(LatentTrainer cpu, List<Double> cpuLosses, LatentTrainer onDevice,
                                List<Double> devLosses, Device dev) {
        assertEquals(cpu.step(), onDevice.step());
        assertEquals(cpuLosses.size(), devLosses.size());
        for (int i = 0; i < cpuLosses.size(); i++) {
            assertEquals(cpuLosses.get(i), devLosses.get(i), 1e-4 * Math.abs(cpuLosses.get(i)), "loss of step " + i);
        }
        assertEquals(dev, onDevice.device());
        Module m = onDevice.model();
        m.stateDict().forEach((k, v) -> assertEquals(dev, v.device(), k));
    }

    private static TrainListener losses(List<Double> into) {
        return m -> into.add(m.loss());
    }
}
