package dev.usp4j.usp.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.Dataset;
import dev.usp4j.data.Image;
import dev.usp4j.data.Sample;
import dev.usp4j.data.datasets.FashionMnist;
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
 * fingerprint retrains. Skipped when Debian's dataset-fashion-mnist is not installed.
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
}
