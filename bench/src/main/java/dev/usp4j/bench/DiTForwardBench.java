package dev.usp4j.bench;

import dev.usp4j.autograd.GradMode;
import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.ModelRegistry;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.nn.Init;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.random.Generator;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times one DiT forward pass (inference: eval mode, no autograd graph) at a given batch on 32×32×4 latents, as a
 * sampler step calls it: the model (DiT-XL/2 by default, 675M parameters) is built once and every parameter is
 * filled with random values (DiT's zero-initialised adaLN layers would make each block an identity, which costs
 * the same but hides nothing), then a few warm-up passes and timed passes on fixed inputs. Prints each pass, the
 * median and minimum in ms, the effective GFLOP/s of the matmuls, and what shows the memory is bounded: the live
 * heap after a full GC once the model is built and again after every pass (the weights, 2.7 GB for XL/2, and
 * nothing that grows), and the bytes each timed pass allocates (activations and scratch; no copy of the weights).
 *
 * <p>{@code side=} sets the latent side (32 by default; 8 gives the 16 tokens of Fashion-MNIST's latents, where a
 * batch-1 pass is bound by reading the weights), and {@code weights=bf16} converts every parameter to bfloat16
 * after filling (linear layers then read half-width weights; see {@code PackedGemm.sgemmBf16}) and reports the
 * largest difference of the output from the float32 model's, relative to the output's largest magnitude.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -Xmx8g -cp "bench/target/classes:bench/target/lib/*"
 * dev.usp4j.bench.DiTForwardBench [model=DiT-XL/2] [batch=1] [side=32] [weights=f32|bf16] [warmup=2] [iters=5]
 * [threads=N]}.
 */
public final class DiTForwardBench {
    private DiTForwardBench() {
    }

    public static void main(String[] args) {
        String model = "DiT-XL/2";
        int batch = 1;
        int warmup = 2;
        int iters = 5;
        int side = 32;
        boolean bf16 = false;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "model" -> model = kv[1];
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "warmup" -> warmup = Integer.parseInt(kv[1]);
                case "iters" -> iters = Integer.parseInt(kv[1]);
                case "side" -> side = Integer.parseInt(kv[1]);
                case "weights" -> bf16 = switch (kv[1]) {
                    case "f32" -> false;
                    case "bf16" -> true;
                    default -> throw new IllegalArgumentException("weights must be f32 or bf16, got " + kv[1]);
                };
                case "threads" -> Parallel.setThreads(Integer.parseInt(kv[1]));
                default -> throw new IllegalArgumentException("unknown argument '" + a
                        + "' (model=, batch=, side=, weights=, warmup=, iters=, threads=)");
            }
        }
        long t0 = System.nanoTime();
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>(ModelRegistry.config(model));
        json.put("input_size", side);
        DiT dit = (DiT) ModelRegistry.create(model.startsWith("SiT") ? "SiT" : "DiT", json);
        Generator gen = new Generator(1234);
        for (Tensor p : dit.parameters()) {
            Init.normal(p, 0, 0.02, gen);
        }
        dit.eval();
        long t1 = System.nanoTime();
        var cfg = dit.config();
        NDArray x = NDArray.randn(gen, batch, cfg.inChannels(), cfg.inputSize(), cfg.inputSize());
        long[] steps = new long[batch];
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) {
            steps[i] = (137L * i + 500) % 1000;
            labels[i] = (211L * i + 7) % cfg.numClasses();
        }
        NDArray t = NDArray.of(steps, batch);
        NDArray y = NDArray.of(labels, batch);
        System.out.printf(Locale.ROOT, "%s: %,d parameters, built and filled in %.1f s; batch %d, %d tokens, %d"
                        + " threads, %s weights%n", model, dit.parameterCount(), (t1 - t0) / 1e9, batch,
                cfg.numPatches(), Parallel.threads(), bf16 ? "bf16" : "f32");
        if (bf16) {
            NDArray want;
            try (GradMode.Scope s = GradMode.noGrad()) {
                want = dit.forward(Tensor.of(x), t, y).data();
                dit.to(DType.BF16);
                NDArray got = dit.forward(Tensor.of(x), t, y).data();
                System.out.printf(Locale.ROOT, "bf16 weights: largest difference from the f32 output %.2e of its"
                        + " largest magnitude%n", got.sub(want).abs().max().item() / want.abs().max().item());
            }
        }
        double[] ms = new double[iters];
        double weightsGiB = dit.parameterCount() * (bf16 ? 2.0 : 4.0) / (1L << 30);
        double liveBuilt = liveHeapGiB();
        long allocated = 0;
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int i = 0; i < warmup + iters; i++) {
                long bytes0 = allocatedBytes();
                long a = System.nanoTime();
                Tensor out = dit.forward(Tensor.of(x), t, y);
                double took = (System.nanoTime() - a) / 1e6;
                if (i >= warmup) {
                    // Timed passes only: before C2 compiles the kernels, every Vector API value is a heap object.
                    allocated = Math.max(allocated, allocatedBytes() - bytes0);
                }
                if (!Float.isFinite(out.data().sum().toFloatArray()[0])) {
                    throw new IllegalStateException("non-finite output");
                }
                System.out.printf(Locale.ROOT, "%s pass %d: %.1f ms%n", i < warmup ? "warm-up" : "timed",
                        i < warmup ? i + 1 : i - warmup + 1, took);
                if (i >= warmup) {
                    ms[i - warmup] = took;
                }
            }
        }
        double liveAfter = liveHeapGiB();
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        double gflop = flops(cfg, batch) / 1e9;
        System.out.printf(Locale.ROOT, "forward %s batch %d: median %.1f ms, min %.1f ms (%.1f GFLOP, %.0f GFLOP/s"
                + " at the median)%n", model, batch, median, sorted[0], gflop, gflop / (median / 1e3));
        System.out.printf(Locale.ROOT, "memory: weights %.2f GiB; live heap after GC %.2f GiB once built, %.2f GiB"
                + " after %d passes; at most %.1f MiB allocated per timed pass (all threads)%n", weightsGiB, liveBuilt,
                liveAfter, warmup + iters, allocated / (double) (1L << 20));
    }

    /** Multiply-add FLOPs ×2 of the forward's matmuls and attention (adaLN and the embedders are per sample). */
    static double flops(dev.usp4j.diffusion.model.DiTConfig c, int batch) {
        double n = (double) batch * c.numPatches();
        double d = c.hiddenSize();
        double perBlock = 2 * n * d * (3 * d + d + 2 * c.mlpHidden()) + 4 * batch * (double) c.numPatches()
                * c.numPatches() * d + 2 * batch * d * 6 * d;
        double head = 2 * n * c.inChannels() * c.patchSize() * c.patchSize() * d
                + 2 * n * d * c.patchSize() * c.patchSize() * c.outChannels();
        return c.depth() * perBlock + head;
    }

    /** The heap in use right after a full collection: what is live. */
    private static double liveHeapGiB() {
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed() / (double) (1L << 30);
    }

    /** Bytes allocated so far by every live thread (the pool's workers included), or 0 where unsupported. */
    private static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t) {
            return t.getTotalThreadAllocatedBytes();
        }
        return 0;
    }
}
