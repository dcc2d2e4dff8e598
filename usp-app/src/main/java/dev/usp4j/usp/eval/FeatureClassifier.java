package dev.usp4j.usp.eval;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.data.Dataset;
import dev.usp4j.data.Image;
import dev.usp4j.nn.Conv2d;
import dev.usp4j.nn.Linear;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.losses.Losses;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.StepArena;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The feature network of "FID (Fashion-MNIST classifier features)": a small CNN classifier on 32×32 grey images in
 * [−1, 1] (28×28 inputs are padded with black, RGB inputs turned grey by PIL's "L" weights): two 3×3 stride-2
 * convolutions with ReLU (16 and 32 channels, 32×32 → 8×8), a Linear 2048 → 128 with ReLU giving the 128-d
 * features (the penultimate layer), and a linear head over the classes. Inception-v3 features are out of reach without its weights
 * (usp-spec §7.3), so generated Fashion-MNIST-style samples are compared in the feature space of this classifier,
 * trained once per dataset and kept in a safetensors file keyed by the dataset's fingerprint and the training
 * settings; {@link #loadOrTrain} retrains only when either differs.
 *
 * <p>The network computes where its weights are ({@code Module.to}, or the device given to {@link #train} and
 * {@link #loadOrTrain}): inputs are built on the host and moved there a batch at a time, and features and
 * predictions come back to the host, where the FID's statistics are gathered in double.
 */
public final class FeatureClassifier extends Module {
    /** The format tag in the saved file's metadata. */
    public static final String FORMAT = "usp4j-feature-classifier/1";
    /** The side length of the network's input. */
    public static final int SIDE = 32;
    /** The feature dimension (the penultimate layer). */
    public static final int FEATURES = 128;

    /** How the classifier is trained: AdamW (weight decay 0) with {@code lr}, {@code steps} batches, a seed. */
    public record Settings(int steps, int batchSize, double lr, long seed) {
        public Settings {
            if (steps <= 0 || batchSize <= 0 || !(lr > 0)) {
                throw new IllegalArgumentException("FeatureClassifier.Settings: steps (" + steps + "), batch size ("
                        + batchSize + ") and lr (" + lr + ") must be positive");
            }
        }

        /** 1500 steps of 128 (about 3 epochs of Fashion-MNIST), lr 1e-3. */
        public static Settings defaults() {
            return new Settings(1500, 128, 1e-3, 0);
        }

        String describe() {
            return "steps=" + steps + ",batch=" + batchSize + ",lr=" + lr + ",seed=" + seed;
        }
    }

    private final int numClasses;
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Linear fc;
    private final Linear head;

    /** A fresh network (PyTorch's default init drawn from {@code gen}) for {@code numClasses} classes. */
    public FeatureClassifier(int numClasses, Generator gen) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("FeatureClassifier: needs at least 2 classes, got " + numClasses);
        }
        this.numClasses = numClasses;
        conv1 = registerModule("conv1", new Conv2d(1, 16, 3, 2, 1));
        conv2 = registerModule("conv2", new Conv2d(16, 32, 3, 2, 1));
        fc = registerModule("fc", new Linear(32 * 8 * 8, FEATURES));
        head = registerModule("head", new Linear(FEATURES, numClasses));
        for (Module m : namedModules().values()) {
            if (m instanceof Conv2d c) {
                dev.usp4j.nn.Init.pytorchDefault(c.weight, c.bias, gen);
            } else if (m instanceof Linear l) {
                dev.usp4j.nn.Init.pytorchDefault(l.weight, l.bias, gen);
            }
        }
    }

    public int numClasses() {
        return numClasses;
    }

    /** Inputs [N, 1, 32, 32] → features [N, 128] (differentiable). */
    public Tensor features(Tensor x) {
        Tensor h = conv1.forward(x).relu();
        h = conv2.forward(h).relu();
        // Flattened rather than pooled: keeps where things are, and learns in tens of steps instead of hundreds.
        return fc.forward(h.flatten(1, 3)).relu();
    }

    /** Inputs [N, 1, 32, 32] → logits [N, classes]. */
    public Tensor forward(Tensor x) {
        return head.forward(features(x));
    }

    // ---- inputs ---------------------------------------------------------------------------------------------------

    /** 8-bit images (grey or RGB, 32×32 or 28×28) → the network's input [N, 1, 32, 32] in [−1, 1]. */
    public static NDArray input(List<Image> images) {
        int n = images.size();
        float[] out = new float[n * SIDE * SIDE];
        java.util.Arrays.fill(out, -1f);
        for (int i = 0; i < n; i++) {
            Image im = images.get(i);
            int pad = checkSide(im.width(), im.height(), "image " + i);
            if (im.channels() != 1 && im.channels() != 3) {
                throw new IllegalArgumentException("FeatureClassifier: image " + i + " has " + im.channels()
                        + " channels, expected 1 or 3");
            }
            // RGB through PIL's own convert("L"), which the transforms reproduce exactly
            byte[] px = (im.channels() == 1 ? im : dev.usp4j.data.transforms.Images.toGrey(im)).pixels();
            for (int y = 0; y < im.height(); y++) {
                for (int x = 0; x < im.width(); x++) {
                    double v = px[y * im.width() + x] & 0xff;
                    out[i * SIDE * SIDE + (y + pad) * SIDE + x + pad] = (float) (v / 127.5 - 1);
                }
            }
        }
        return NDArray.of(out, n, 1, SIDE, SIDE);
    }

    /** Float images [N, 1 or 3, 32 or 28, same] in [−1, 1] → the network's input [N, 1, 32, 32]. */
    public static NDArray input(NDArray images) {
        int[] s = images.shape();
        if (s.length != 4 || (s[1] != 1 && s[1] != 3)) {
            throw new IllegalArgumentException("FeatureClassifier: expected images [N, 1 or 3, 32, 32], got "
                    + java.util.Arrays.toString(s));
        }
        int pad = checkSide(s[3], s[2], "images");
        NDArray grey = s[1] == 1 ? images : images.narrow(1, 0, 1).mul(0.299).add(images.narrow(1, 1, 1).mul(0.587))
                .add(images.narrow(1, 2, 1).mul(0.114));
        if (pad == 0) {
            return grey.contiguous();
        }
        float[] src = grey.toFloatArray();
        float[] out = new float[s[0] * SIDE * SIDE];
        java.util.Arrays.fill(out, -1f);
        for (int i = 0; i < s[0]; i++) {
            for (int y = 0; y < s[2]; y++) {
                System.arraycopy(src, (i * s[2] + y) * s[3], out, i * SIDE * SIDE + (y + pad) * SIDE + pad, s[3]);
            }
        }
        return NDArray.of(out, s[0], 1, SIDE, SIDE);
    }

    private static int checkSide(int w, int h, String what) {
        if (w != h || (w != SIDE && w != 28)) {
            throw new IllegalArgumentException("FeatureClassifier: " + what + " is " + w + "×" + h
                    + ", expected 32×32 (or 28×28, padded)");
        }
        return (SIDE - w) / 2;
    }

    // ---- inference ------------------------------------------------------------------------------------------------

    /**
     * Features [N, 128] on the host of network inputs [N, 1, 32, 32], in eval mode, without gradients, in batches of
     * 256 on the network's device.
     */
    public NDArray features(NDArray input) {
        return inBatches(input, true);
    }

    /** Predicted classes of network inputs [N, 1, 32, 32]. */
    public long[] predict(NDArray input) {
        return inBatches(input, false).argmax(1, false).toLongArray();
    }

    /** The fraction of {@code input} classified as {@code labels}: sample accuracy of class-conditional samples. */
    public double accuracy(NDArray input, long[] labels) {
        if (labels.length != input.size(0) || labels.length == 0) {
            throw new IllegalArgumentException("FeatureClassifier.accuracy: " + labels.length + " labels for "
                    + input.size(0) + " images (need the same, non-zero count)");
        }
        long[] p = predict(input);
        int ok = 0;
        for (int i = 0; i < p.length; i++) {
            ok += p[i] == labels[i] ? 1 : 0;
        }
        return ok / (double) p.length;
    }

    private NDArray inBatches(NDArray input, boolean features) {
        eval();
        Device device = dev.usp4j.usp.Models.deviceOf(this);
        List<NDArray> parts = new ArrayList<>();
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int start = 0; start < input.size(0); start += 256) {
                Tensor x = Tensor.of(input.narrow(0, start, Math.min(256, input.size(0) - start)).to(device));
                parts.add((features ? features(x) : forward(x)).data().to(Device.CPU));
            }
        }
        if (parts.isEmpty()) {
            return NDArray.zeros(0, features ? FEATURES : numClasses);
        }
        return parts.size() == 1 ? parts.get(0) : NDArray.cat(parts, 0);
    }

    // ---- training and the file ------------------------------------------------------------------------------------

    /**
     * Trains a new classifier on {@code train} (every image, labels from the dataset) with AdamW; {@code log} hears
     * the running loss now and then.
     */
    public static FeatureClassifier train(Dataset train, Settings settings, Consumer<String> log) {
        return train(train, settings, log, Device.CPU);
    }

    /**
     * As {@link #train(Dataset, Settings, Consumer)}, training on {@code device}: the same draws (batches come from
     * the host generator), each batch moved there; the network stays there.
     */
    public static FeatureClassifier train(Dataset train, Settings settings, Consumer<String> log, Device device) {
        int n = train.size();
        if (n == 0 || train.classes().size() < 2) {
            throw new IllegalArgumentException("FeatureClassifier.train: " + train.name() + " has " + n
                    + " images and " + train.classes().size() + " classes; need images and at least 2 classes");
        }
        Generator gen = new Generator(settings.seed());
        FeatureClassifier net = new FeatureClassifier(train.classes().size(), gen);
        net.to(device);  // before the optimiser, whose state follows the parameters' device
        AdamW opt = new AdamW(net.parameters(), settings.lr(), 0.0);
        net.train();
        double running = 0;
        for (int step = 0; step < settings.steps(); step++) {
            int[] idx = NDArray.randint(gen, 0, n, settings.batchSize()).toIntArray();
            List<Image> images = new ArrayList<>(idx.length);
            long[] labels = new long[idx.length];
            for (int i = 0; i < idx.length; i++) {
                var s = train.get(idx[i]);
                images.add(s.image());
                labels[i] = s.label();
            }
            double value;
            // The step's activations, temporaries and gradients go back to the pool at its end (StepArena).
            try (StepArena scope = StepArena.open()) {
                Tensor loss = Losses.crossEntropy(net.forward(Tensor.of(input(images).to(device))),
                        NDArray.of(labels, idx.length).to(device));
                opt.zeroGrad();
                loss.backward();
                opt.step();
                value = loss.item();
            }
            running = step == 0 ? value : 0.95 * running + 0.05 * value;
            if ((step + 1) % 100 == 0 || step + 1 == settings.steps()) {
                log.accept(String.format(java.util.Locale.ROOT, "feature classifier: step %d/%d, loss %.4f",
                        step + 1, settings.steps(), running));
            }
        }
        net.eval();
        return net;
    }

    /**
     * The classifier for {@code train} from {@code file} when it was trained on the same data (fingerprint) with
     * the same settings; otherwise trained now and saved there (atomically), saying why.
     */
    public static FeatureClassifier loadOrTrain(Path file, Dataset train, Settings settings, Consumer<String> log)
            throws IOException {
        return loadOrTrain(file, train, settings, log, Device.CPU);
    }

    /**
     * As {@link #loadOrTrain(Path, Dataset, Settings, Consumer)}, with the network on {@code device} (trained there
     * when it must be trained). The file does not record the device: a classifier trained on one device is reused on
     * another, which keeps FIDs of one run folder comparable.
     */
    public static FeatureClassifier loadOrTrain(Path file, Dataset train, Settings settings, Consumer<String> log,
                                                Device device) throws IOException {
        Map<String, String> want = metadata(train, settings);
        if (Files.exists(file)) {
            String why;
            try (SafetensorsFile f = Safetensors.open(file)) {
                Map<String, String> have = f.metadata();
                why = difference(have, want);
                if (why == null) {
                    FeatureClassifier net = new FeatureClassifier(train.classes().size(), new Generator(0));
                    net.loadStateDict(f.all(), true);
                    net.to(device);
                    net.eval();
                    log.accept("feature classifier " + file + ": reusing (" + train.name() + ")");
                    return net;
                }
            } catch (IOException | RuntimeException e) {
                why = "unreadable (" + e.getMessage() + ")";
            }
            log.accept("feature classifier " + file + ": retraining, " + why);
        }
        FeatureClassifier net = train(train, settings, log, device);
        Safetensors.save(file, net.stateDict(), want);
        return net;
    }

    private static Map<String, String> metadata(Dataset train, Settings settings) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("dataset", train.name());
        m.put("dataset_fingerprint", train.fingerprint());
        m.put("classes", Integer.toString(train.classes().size()));
        m.put("settings", settings.describe());
        return m;
    }

    private static String difference(Map<String, String> have, Map<String, String> want) {
        for (Map.Entry<String, String> e : want.entrySet()) {
            if (!e.getValue().equals(have.get(e.getKey()))) {
                return e.getKey() + " '" + have.get(e.getKey()) + "' ≠ '" + e.getValue() + "'";
            }
        }
        return null;
    }
}
