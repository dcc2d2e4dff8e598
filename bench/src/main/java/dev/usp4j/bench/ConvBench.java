package dev.usp4j.bench;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.StepArena;
import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.random.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times the three passes of a 3×3, stride-1, padding-1 convolution (the VAE's layers): the forward, the input
 * gradient (a transposed convolution) and the weight gradient, on the shapes given, so that they can be put beside
 * PyTorch's ({@code bench/peers/conv_torch.py}, same shapes and output format) and beside usp4j's im2col path
 * (run with {@code -Dusp4j.conv.im2col=true}). {@code bench/run-conv.sh} alternates the three and tabulates.
 * Usage: {@code ConvBench shapes=N,Cin,H,W,Cout;... [threads=2] [iters=10] [warmup=15]}; prints one line per shape
 * and pass: {@code conv SHAPE PASS median_ms GFLOP/s}. Each call runs in a {@link StepArena}, as in training: its
 * output reuses the last call's array instead of fresh memory, whose page faults (8 MB outputs at 32×32) would
 * otherwise be timed with the kernel.
 */
public final class ConvBench {
    private ConvBench() {
    }

    public static void main(String[] args) {
        String shapes = "64,32,32,32,32;64,64,8,8,64;64,64,16,16,64;64,64,32,32,64";
        int iters = 10;
        int warmup = 15;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "shapes" -> shapes = kv[1];
                case "threads" -> Parallel.setThreads(Integer.parseInt(kv[1]));
                case "iters" -> iters = Integer.parseInt(kv[1]);
                case "warmup" -> warmup = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument '" + a
                        + "' (shapes=N,Cin,H,W,Cout;..., threads=, iters=, warmup=)");
            }
        }
        Generator gen = new Generator(7);
        Conv2dSpec s = Conv2dSpec.of(1, 1);
        List<String> names = new ArrayList<>();
        List<Double> flops = new ArrayList<>();
        List<Runnable[]> passes = new ArrayList<>();
        for (String shape : shapes.split(";")) {
            int[] d = Arrays.stream(shape.split(",")).mapToInt(Integer::parseInt).toArray();
            if (d.length != 5) {
                throw new IllegalArgumentException("shape '" + shape + "': expected N,Cin,H,W,Cout");
            }
            NDArray x = NDArray.randn(gen, d[0], d[1], d[2], d[3]);
            NDArray w = NDArray.randn(gen, d[4], d[1], 3, 3);
            NDArray b = NDArray.randn(gen, d[4]);
            NDArray g = NDArray.randn(gen, d[0], d[4], d[2], d[3]);
            names.add(shape.replace(',', 'x'));
            flops.add(2.0 * d[0] * d[2] * d[3] * d[4] * d[1] * 9);
            passes.add(new Runnable[] {
                () -> Functional.conv2d(x, w, b, s),
                () -> Functional.conv2dInputGrad(g, w, x.shape(), s),
                () -> Functional.conv2dWeightGrad(x, g, w.shape(), s)});
        }
        // Every kernel is compiled before anything is timed: the shapes share code paths, and the first one timed
        // would otherwise pay for the JIT of all.
        for (int i = 0; i < warmup; i++) {
            for (Runnable[] p : passes) {
                for (Runnable r : p) {
                    try (StepArena step = StepArena.open()) {
                        r.run();
                    }
                }
            }
        }
        String[] pass = {"forward", "input_grad", "weight_grad"};
        for (int i = 0; i < names.size(); i++) {
            for (int j = 0; j < 3; j++) {
                report(names.get(i), pass[j], flops.get(i), iters, passes.get(i)[j]);
            }
        }
    }

    private static void report(String shape, String pass, double flop, int iters, Runnable op) {
        double[] ms = new double[iters];
        for (int i = 0; i < iters; i++) {
            try (StepArena step = StepArena.open()) {
                long t0 = System.nanoTime();
                op.run();
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        double median = ms[iters / 2];
        System.out.println(String.format(Locale.ROOT, "conv %s %s %.3f %.1f", shape, pass, median,
                flop / median / 1e6));
    }
}
