package dev.usp4j.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Trains a 784-128-10 MLP on Fashion-MNIST-sized random data (labels from a random linear teacher, so the task is
 * learnable) for 300 SGD steps: the loss must fall, and the heap measured after each step must stay level even
 * though every step's loss tensor is kept — the graph of each step is released by its backward.
 */
class MlpTrainingTest {
    private static final int FEATURES = 784;
    private static final int HIDDEN = 128;
    private static final int CLASSES = 10;
    private static final int SAMPLES = 1024;
    private static final int BATCH = 64;
    private static final int STEPS = 300;

    private static long usedHeapAfterGc(MemoryMXBean mem) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    @Test
    void lossFallsAndHeapStaysLevel() {
        Generator g = new Generator(2024);
        NDArray x = NDArray.randn(g, SAMPLES, FEATURES);
        NDArray teacher = NDArray.randn(g, FEATURES, CLASSES);
        NDArray labels = x.matmul(teacher).argmax(1, false);
        Tensor w1 = Tensor.parameter(NDArray.randn(g, FEATURES, HIDDEN).mul(Math.sqrt(2.0 / FEATURES)));
        Tensor b1 = Tensor.parameter(NDArray.zeros(HIDDEN));
        Tensor w2 = Tensor.parameter(NDArray.randn(g, HIDDEN, CLASSES).mul(Math.sqrt(1.0 / HIDDEN)));
        Tensor b2 = Tensor.parameter(NDArray.zeros(CLASSES));
        List<Tensor> params = List.of(w1, b1, w2, b2);
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        // The loss tensors are kept, as a training loop that logs them would: only the release of each graph by
        // its backward keeps the step's activations from piling up.
        List<Tensor> keptLosses = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        List<Long> heap = new ArrayList<>();
        double lr = 0.05;
        for (int step = 0; step < STEPS; step++) {
            int from = (step * BATCH) % SAMPLES;
            Tensor xb = Tensor.of(x.narrow(0, from, BATCH));
            NDArray yb = labels.narrow(0, from, BATCH).oneHot(CLASSES).to(DType.F32);
            Tensor logits = xb.matmul(w1).add(b1).relu().matmul(w2).add(b2);
            Tensor loss = logits.logSoftmax(1).mul(Tensor.of(yb)).sum(1).mean().neg();
            loss.backward();
            keptLosses.add(loss);
            losses.add(loss.item());
            try (GradMode.Scope scope = GradMode.noGrad()) {
                for (Tensor p : params) {
                    p.data().subInPlace(p.grad().mul(lr));
                    p.zeroGrad();
                }
            }
            if (step >= 50 && step % 25 == 0) {
                heap.add(usedHeapAfterGc(mem));
            }
        }
        double first = losses.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(STEPS - 10, STEPS).stream().mapToDouble(Double::doubleValue).average()
                .orElseThrow();
        assertTrue(last < 0.5 * first, "loss should fall: first steps " + first + ", last steps " + last);
        long min = heap.stream().mapToLong(Long::longValue).min().orElseThrow();
        long max = heap.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.printf("MLP: loss %.4f -> %.4f over %d steps; heap after steps 50..300: %.1f-%.1f MiB%n", first,
                last, STEPS, min / 1048576.0, max / 1048576.0);
        // A step's graph holds ~45 KB of activations (the hidden layer and its ReLU, the logits, the gradients'
        // inputs); graphs kept alive by the logged losses would add ~10 MB over the measured 250 steps (seen when
        // release is disabled), while the released ones leave the heap flat to within GC noise.
        assertTrue(max - min < 4L << 20, "heap after each step should stay level, saw " + heap);
        assertTrue(heap.get(heap.size() - 1) - heap.get(0) < 2L << 20, "heap grew steadily: " + heap);
    }
}
