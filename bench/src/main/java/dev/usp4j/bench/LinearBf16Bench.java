package dev.usp4j.bench;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Linear layers at inference with float32 against bfloat16 weights (peer: {@code bench/peers/linear_numpy.py},
 * OpenBLAS on the float32 weights; {@code bench/run-linear-bf16.sh} runs both alternately). Each shape cycles
 * through several layers of distinct weights, as a forward pass does, so the weights come from memory and not
 * from the caches: with few rows (batch-1 sampling) a layer is bound by reading its weights, which bf16 halves;
 * with many rows it is bound by arithmetic and bf16 should cost nothing. Prints, per shape and weight type, the
 * median time per layer over batches of passes, the GFLOP/s and the weight bytes read per second.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp "bench/target/classes:bench/target/lib/*"
 * dev.usp4j.bench.LinearBf16Bench [threads=2] [seconds=1]}.
 */
public final class LinearBf16Bench {
    /** (name, rows M, in K, out N, layers): the same names as the peer's. */
    record Shape(String name, int m, int k, int n, int layers) {
    }

    static final List<Shape> SHAPES = List.of(
            new Shape("DiT-XL adaLN, batch 1", 1, 1152, 6912, 8),
            new Shape("DiT-XL fc1, 16 tokens", 16, 1152, 4608, 8),
            new Shape("DiT-S qkv, 16 tokens", 16, 384, 1152, 48),
            new Shape("DiT-XL fc1, 256 tokens", 256, 1152, 4608, 4));

    private LinearBf16Bench() {
    }

    public static void main(String[] args) {
        double seconds = 1;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "threads" -> Parallel.setThreads(Integer.parseInt(kv[1]));
                case "seconds" -> seconds = Double.parseDouble(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument '" + a + "' (threads=, seconds=)");
            }
        }
        Generator gen = new Generator(5);
        System.out.printf(Locale.ROOT, "usp4j linear, %d threads%n", Parallel.threads());
        for (Shape s : SHAPES) {
            NDArray x = NDArray.randn(gen, s.m(), s.k());
            List<NDArray> f32 = new ArrayList<>();
            List<NDArray> bf16 = new ArrayList<>();
            List<NDArray> bias = new ArrayList<>();
            for (int l = 0; l < s.layers(); l++) {
                NDArray w = NDArray.randn(gen, s.n(), s.k()).mul(0.02);
                f32.add(w);
                bf16.add(w.to(DType.BF16));
                bias.add(NDArray.randn(gen, s.n()));
            }
            double errMax = 0;
            for (int l = 0; l < s.layers(); l++) {
                float[] a = Functional.linear(x, f32.get(l), bias.get(l)).toFloatArray();
                float[] b = Functional.linear(x, bf16.get(l), bias.get(l)).toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    errMax = Math.max(errMax, Math.abs(a[i] - b[i]) / (1 + Math.abs(a[i])));
                }
            }
            double tf = time(x, f32, bias, seconds);
            double tb = time(x, bf16, bias, seconds);
            double flop = 2.0 * s.m() * s.k() * s.n();
            for (int v = 0; v < 2; v++) {
                double t = v == 0 ? tf : tb;
                int bytes = v == 0 ? 4 : 2;
                System.out.printf(Locale.ROOT, "%s\t%s\t%.1f us/layer\t%.0f GFLOP/s\t%.1f GB/s of weights%n",
                        s.name(), v == 0 ? "f32" : "bf16", t * 1e6, flop / t / 1e9,
                        (double) bytes * s.k() * s.n() / t / 1e9);
            }
            System.out.printf(Locale.ROOT, "%s\tbf16 speed-up %.2fx, largest relative difference %.1e%n", s.name(),
                    tf / tb, errMax);
        }
    }

    /** Median seconds per layer over batches of whole passes through the layers, after a warm-up. */
    private static double time(NDArray x, List<NDArray> weights, List<NDArray> bias, double seconds) {
        int layers = weights.size();
        long warmEnd = System.nanoTime() + (long) (seconds * 0.5e9);
        int passes = 0;
        while (System.nanoTime() < warmEnd || passes < 3) {
            for (int l = 0; l < layers; l++) {
                Functional.linear(x, weights.get(l), bias.get(l));
            }
            passes++;
        }
        double[] perLayer = new double[7];
        int passesPerBatch = Math.max(1, passes / 3);
        for (int b = 0; b < perLayer.length; b++) {
            long t0 = System.nanoTime();
            for (int p = 0; p < passesPerBatch; p++) {
                for (int l = 0; l < layers; l++) {
                    Functional.linear(x, weights.get(l), bias.get(l));
                }
            }
            perLayer[b] = (System.nanoTime() - t0) / 1e9 / passesPerBatch / layers;
        }
        Arrays.sort(perLayer);
        return perLayer[perLayer.length / 2];
    }
}
