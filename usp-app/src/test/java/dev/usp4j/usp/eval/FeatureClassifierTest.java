package dev.usp4j.usp.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.Dataset;
import dev.usp4j.data.Image;
import dev.usp4j.data.Sample;
import dev.usp4j.data.datasets.FashionMnist;
import dev.usp4j.data.datasets.SyntheticDataset;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;
import dev.usp4j.tensor.NDArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Fashion-MNIST feature classifier: a short training on a subset classifies held-out test images well above
 * chance (> 70%), the saved file is reused without retraining (same features), and a dataset with another
 * fingerprint retrains (skipped when Debian's dataset-fashion-mnist is not installed). On a device (the emulated one)
 * it trains, is reused and gives features, predictions and FIDs as on the CPU.
 */
class FeatureClassifierTest {
    @TempDir
    Path dir;

    /** The first {@code n} samples of a dataset under its own fingerprint. */
    private record Subset(Dataset base, int n, String fp) implements Dataset {
        public int size() {
            return n;
        }

        public Sample get(int i) {
            return base.get(i);
        }

        public List<String> classes() {
            return base.classes();
        }

        public String name() {
            return base.name() + "[:" + n + "]";
        }

        public String fingerprint() {
            return fp;
        }
    }

    @Test
    void trainsQuicklyAndReloads() throws Exception {
        Assumptions.assumeTrue(FashionMnist.standardInstalled(), "Fashion-MNIST not installed");
        Dataset train = new Subset(FashionMnist.standard(true), 3000, "sub3000");
        Dataset test = FashionMnist.standard(false);
        List<Image> images = new ArrayList<>();
        long[] labels = new long[400];
        for (int i = 0; i < labels.length; i++) {
            Sample s = test.get(i);
            images.add(s.image());
            labels[i] = s.label();
        }
        NDArray input = FeatureClassifier.input(images);
        FeatureClassifier.Settings settings = new FeatureClassifier.Settings(30, 64, 3e-3, 1);
        Path file = dir.resolve("fmnist-classifier.safetensors");
        List<String> log = new ArrayList<>();
        FeatureClassifier net = FeatureClassifier.loadOrTrain(file, train, settings, log::add);
        double acc = net.accuracy(input, labels);
        assertTrue(acc > 0.7, "test accuracy " + acc);

        log.clear();
        FeatureClassifier again = FeatureClassifier.loadOrTrain(file, train, settings, log::add);
        assertTrue(log.size() == 1 && log.get(0).contains("reusing"), log.toString());
        assertArrayEquals(net.features(input).toFloatArray(), again.features(input).toFloatArray());

        log.clear();
        FeatureClassifier.loadOrTrain(file, new Subset(FashionMnist.standard(true), 3000, "other"),
                new FeatureClassifier.Settings(2, 64, 3e-3, 1), log::add);
        assertTrue(log.get(0).contains("retraining") && log.get(0).contains("dataset_fingerprint"), log.toString());
    }

    @Test
    void trainsReloadsAndMeasuresOnADevice() throws Exception {
        Device dev = EmulatedDevice.register();
        Dataset train = new SyntheticDataset(40, 28, 28, 1, 4, 3);
        FeatureClassifier.Settings settings = new FeatureClassifier.Settings(6, 8, 3e-3, 1);
        List<String> cpuLog = new ArrayList<>();
        FeatureClassifier cpu = FeatureClassifier.loadOrTrain(dir.resolve("cpu.safetensors"), train, settings,
                cpuLog::add);
        List<String> devLog = new ArrayList<>();
        FeatureClassifier onDevice = FeatureClassifier.loadOrTrain(dir.resolve("dev.safetensors"), train, settings,
                devLog::add, dev);
        assertEquals(dev, onDevice.parameters().get(0).data().device());
        assertEquals(cpuLog.getLast().replaceAll("loss .*", ""), devLog.getLast().replaceAll("loss .*", ""));
        assertEquals(loss(cpuLog.getLast()), loss(devLog.getLast()), 1e-4 * (1 + loss(cpuLog.getLast())),
                devLog.getLast());
        List<Image> real = new ArrayList<>();
        List<Image> other = new ArrayList<>();
        long[] labels = new long[12];
        for (int i = 0; i < labels.length; i++) {
            real.add(train.get(i).image());
            other.add(train.get(20 + i).image());
            labels[i] = train.get(i).label();
        }
        NDArray input = FeatureClassifier.input(real);
        close(cpu.features(input), onDevice.features(input), "features of the device-trained network");
        // the CPU's file, reused on the device: the same network, so features and metrics match to float rounding
        List<String> log = new ArrayList<>();
        FeatureClassifier reused = FeatureClassifier.loadOrTrain(dir.resolve("cpu.safetensors"), train, settings,
                log::add, dev);
        assertTrue(log.size() == 1 && log.get(0).contains("reusing"), log.toString());
        assertEquals(dev, reused.parameters().get(0).data().device());
        NDArray features = reused.features(input);
        assertEquals(Device.CPU, features.device());
        close(cpu.features(input), features, "features of the reused network");
        assertArrayEquals(cpu.predict(input), reused.predict(input));
        assertEquals(cpu.accuracy(input, labels), reused.accuracy(input, labels));
        double want = new Fid(cpu).fid(real, other);
        assertEquals(want, new Fid(reused).fid(real, other), 1e-3 * want);
    }

    private static double loss(String logLine) {
        return Double.parseDouble(logLine.replaceAll(".*loss ", ""));
    }

    private static void close(NDArray want, NDArray got, String what) {
        float[] a = want.toFloatArray();
        float[] b = got.toFloatArray();
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-4 * (1 + Math.abs(a[i])), what + ", element " + i);
        }
    }
}
