package dev.usp4j.usp;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.data.Batch;
import dev.usp4j.data.DataLoader;
import dev.usp4j.data.Dataset;
import dev.usp4j.data.Image;
import dev.usp4j.data.ImageGrid;
import dev.usp4j.data.datasets.FashionMnist;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.Pool2dSpec;
import dev.usp4j.tensor.cpu.KernelPath;
import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.random.Generator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo job of {@code ./usp}: trains a two-layer MLP classifier on Fashion-MNIST, fed by the data loader, with
 * autograd and SGD (matmul, ReLU, log-softmax, one-hot, reductions and their gradients), runs a small convolutional stem
 * (conv2d, GroupNorm, SiLU, pooling, bicubic upsampling), measures GEMM throughput, and round-trips the trained
 * weights through safetensors. It prints as it goes and writes {@code report.md} into the output folder. It stands
 * in for the USP pipeline until that lands, and shows in one run that the tensor core and autograd work end to end.
 */
public final class TensorTour {
    private static final int CLASSES = 10;
    private static final int PIXELS = 28 * 28;
    private static final int HIDDEN = 128;

    private final Path out;
    private final int steps;
    private final StringBuilder report = new StringBuilder();

    public TensorTour(Path out, int steps) {
        this.out = out;
        this.steps = steps;
    }

    public void run() throws IOException {
        Files.createDirectories(out);
        line("# usp4j tensor tour");
        line("");
        line(String.format(Locale.ROOT, "Java %s, %d-lane float vectors, %d threads.", Runtime.version(),
                KernelPath.LANES, Parallel.threads()));
        line("");
        Map<String, NDArray> weights = classify();
        convolutionalStem();
        gemmThroughput();
        roundTrip(weights);
        Path tmp = out.resolve("report.md.tmp");
        Files.writeString(tmp, report.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, out.resolve("report.md"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        System.out.println("report: " + out.resolve("report.md"));
    }

    /**
     * A two-layer MLP on Fashion-MNIST (the built-in dataset), trained by autograd and plain SGD on shuffled batches
     * of 256 that the loader prepares on two worker threads; test accuracy on the 10,000 test images.
     */
    private Map<String, NDArray> classify() {
        line("## MLP classifier on Fashion-MNIST (data loader + autograd + SGD)");
        Dataset train = FashionMnist.standard(true);
        Dataset test = FashionMnist.standard(false);
        List<Image> firsts = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            firsts.add(train.get(i).image());
            captions.add(train.classes().get(train.get(i).label()));
        }
        new ImageGrid().writePng(firsts, captions, out.resolve("fashion-mnist.png"));
        line("The first 32 training images: ![Fashion-MNIST](fashion-mnist.png)");
        line("");
        Generator gen = new Generator(42);
        Tensor w1 = Tensor.parameter(NDArray.randn(gen, PIXELS, HIDDEN).mul(Math.sqrt(2.0 / PIXELS)));
        Tensor b1 = Tensor.parameter(NDArray.zeros(HIDDEN));
        Tensor w2 = Tensor.parameter(NDArray.randn(gen, HIDDEN, CLASSES).mul(Math.sqrt(1.0 / HIDDEN)));
        Tensor b2 = Tensor.parameter(NDArray.zeros(CLASSES));
        List<Tensor> params = List.of(w1, b1, w2, b2);
        NDArray[] testSet = whole(test);
        double lr = 0.1;
        line("| step | train loss (batch) | test accuracy |");
        line("|---|---|---|");
        long t0 = System.nanoTime();
        long images = 0;
        int step = 0;
        try (DataLoader loader = DataLoader.builder(train).batchSize(256).shuffle(0).dropLast(true).workers(2)
                .build()) {
            for (int epoch = 0; step < steps; epoch++) {
                for (Batch b : loader.epoch(epoch)) {
                    if (step >= steps) {
                        break;
                    }
                    Tensor x = Tensor.of(b.images().reshape(b.size(), PIXELS));
                    Tensor y = Tensor.of(b.labels().oneHot(CLASSES).to(DType.F32));
                    Tensor logits = x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
                    Tensor loss = logits.logSoftmax(1).mul(y).sum(1).mean().neg();
                    loss.backward();
                    try (GradMode.Scope scope = GradMode.noGrad()) {
                        for (Tensor p : params) {
                            p.data().subInPlace(p.grad().mul(lr));
                            p.zeroGrad();
                        }
                    }
                    step++;
                    images += b.size();
                    if (step == 1 || step % Math.max(1, steps / 5) == 0 || step == steps) {
                        line(String.format(Locale.ROOT, "| %d | %.4f | %.3f |", step, loss.item(),
                                accuracy(testSet[0], testSet[1], params)));
                    }
                }
            }
        }
        line(String.format(Locale.ROOT, "%n%d SGD steps (%,d images) in %.2f s.%n", steps, images,
                (System.nanoTime() - t0) / 1e9));
        Map<String, NDArray> weights = new LinkedHashMap<>();
        weights.put("fc1.weight", w1.data().t().contiguous());
        weights.put("fc1.bias", b1.data());
        weights.put("fc2.weight", w2.data().t().contiguous());
        weights.put("fc2.bias", b2.data());
        return weights;
    }

    /** A whole dataset as [N, 784] pixels in [−1, 1] and [N] labels. */
    private static NDArray[] whole(Dataset ds) {
        try (DataLoader loader = DataLoader.builder(ds).batchSize(ds.size()).build()) {
            Batch b = loader.batch(0, 0);
            return new NDArray[] {b.images().reshape(b.size(), PIXELS), b.labels()};
        }
    }

    private static double accuracy(NDArray x, NDArray labels, List<Tensor> p) {
        NDArray h = x.matmul(p.get(0).data()).add(p.get(1).data()).relu();
        NDArray pred = h.matmul(p.get(2).data()).add(p.get(3).data()).argmax(1, false);
        return pred.eq(labels).to(DType.F32).mean().item();
    }

    /** A VAE-like stem on random images: conv 3×3, GroupNorm, SiLU, stride-2 conv with (0,1,0,1) padding, etc. */
    private void convolutionalStem() {
        line("## Convolutional stem");
        Generator gen = new Generator(7);
        NDArray img = NDArray.rand(gen, 8, 1, 32, 32).mul(2).sub(1);
        NDArray w1 = NDArray.randn(gen, 32, 1, 3, 3).mul(1 / 3.0);
        NDArray w2 = NDArray.randn(gen, 32, 32, 3, 3).mul(1 / Math.sqrt(32 * 9));
        long t0 = System.nanoTime();
        NDArray h = Functional.conv2d(img, w1, null, Conv2dSpec.of(1, 1));
        h = Functional.groupNorm(h, 8, null, null, 1e-6).silu();
        NDArray down = Functional.conv2d(h, w2, null, Conv2dSpec.defaults().withStride(2, 2)
                .withPadding(0, 1, 0, 1));
        NDArray pooled = Functional.avgPool2d(down, Pool2dSpec.of(2));
        NDArray up = Functional.interpolate(pooled, 4.0, 4.0, InterpolationMode.BICUBIC, false);
        double ms = (System.nanoTime() - t0) / 1e6;
        line(String.format(Locale.ROOT, "images %s → conv %s → down %s → pool %s → bicubic ×4 %s in %.1f ms; "
                + "output mean %.4f, std %.4f.%n", shape(img), shape(h), shape(down), shape(pooled), shape(up), ms,
                up.mean().item(), up.std().item()));
    }

    private void gemmThroughput() {
        line("## GEMM throughput (1024×1024×1024, fp32)");
        Generator gen = new Generator(3);
        NDArray a = NDArray.randn(gen, 1024, 1024);
        NDArray b = NDArray.randn(gen, 1024, 1024);
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, saved}) {
                Parallel.setThreads(threads);
                // Warm up for a second first: the kernels are compiled by C2 only after a few hundred calls.
                long warm = System.nanoTime();
                while (System.nanoTime() - warm < 1_000_000_000L) {
                    a.matmul(b);
                }
                double best = Double.MAX_VALUE;
                for (int rep = 0; rep < 10; rep++) {
                    long t0 = System.nanoTime();
                    a.matmul(b);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
                line(String.format(Locale.ROOT, "- %d thread%s: %.1f GFLOP/s (best of 10 after 1 s of warm-up)",
                        threads,
                        threads == 1 ? "" : "s", 2.0 * 1024 * 1024 * 1024 / best / 1e9));
                if (saved == 1) {
                    break;
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        line("");
    }

    private void roundTrip(Map<String, NDArray> weights) throws IOException {
        line("## Checkpoint round trip");
        Path file = out.resolve("mlp.safetensors");
        Safetensors.save(file, weights, Map.of("format", "pt", "producer", "usp4j tensor tour"));
        Map<String, NDArray> back = Safetensors.load(file);
        boolean same = true;
        for (var e : weights.entrySet()) {
            same &= java.util.Arrays.equals(e.getValue().toFloatArray(), back.get(e.getKey()).toFloatArray());
        }
        line(String.format(Locale.ROOT, "Wrote %s (%d bytes) and read it back: %s.", file.getFileName(),
                Files.size(file), same ? "identical" : "MISMATCH"));
        if (!same) {
            throw new IllegalStateException("safetensors round trip changed the weights");
        }
    }

    private static String shape(NDArray a) {
        return java.util.Arrays.toString(a.shape());
    }

    private void line(String s) {
        System.out.println(s);
        report.append(s).append('\n');
    }
}
