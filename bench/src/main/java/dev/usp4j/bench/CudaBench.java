package dev.usp4j.bench;

import dev.usp4j.tensor.AttentionResult;
import dev.usp4j.tensor.Backends;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cuda.CudaBackend;
import dev.usp4j.tensor.random.Generator;
import java.util.Locale;

/**
 * GPU kernels of the CUDA backend, timed for comparison with {@code bench/peers/cuda_torch.py} on the same card in
 * the same run ({@code cuda/run-device.sh} runs both): GEMM (4096³ and the DiT-B/2 transformer shapes at batch 256)
 * in fp32, TF32 and bf16 tensor-core modes, and the fused attention forward and forward + backward at DiT-B/2's
 * shape, and the memory-bound ops of a training step (GB/s). Each line: the median of {@code iters} runs after
 * {@code warmup}, the device synchronised around each. Usage: {@code CudaBench [gemm] [attention] [ops] [iters=10]
 * [warmup=3]}.
 */
public final class CudaBench {
    private CudaBench() {
    }

    private static CudaBackend backend;
    private static int iters = 10;
    private static int warmup = 3;

    public static void main(String[] args) {
        boolean gemm = false;
        boolean attention = false;
        boolean ops = false;
        boolean transfers = false;
        for (String a : args) {
            if (a.equals("transfers")) {
                transfers = true;
            } else if (a.equals("ops")) {
                ops = true;
            } else if (a.equals("gemm")) {
                gemm = true;
            } else if (a.equals("attention")) {
                attention = true;
            } else if (a.startsWith("iters=")) {
                iters = Integer.parseInt(a.substring(6));
            } else if (a.startsWith("warmup=")) {
                warmup = Integer.parseInt(a.substring(7));
            } else {
                throw new IllegalArgumentException("unknown argument " + a + " (gemm, attention, ops, transfers, iters=, warmup=)");
            }
        }
        if (!gemm && !attention && !ops && !transfers) {
            gemm = true;
            attention = true;
            ops = true;
        }
        Device cuda = Device.cuda(0);
        backend = (CudaBackend) Backends.of(cuda);
        System.out.println("usp4j " + backend.describe());
        if (transfers) {
            // A batch of DiT-B/2 latents' size and a 256 MiB array, each way, through the pinned buffers and not.
            for (int n : new int[] {256 * 4 * 32 * 32, 64 << 20}) {
                NDArray host = NDArray.randn(new Generator(3), n);
                NDArray dev = host.to(cuda);
                for (boolean pinned : new boolean[] {true, false}) {
                    backend.usePinnedStaging(pinned);
                    double up = time(() -> host.to(cuda).recycleStorage());
                    double down = time(() -> dev.to(Device.CPU));
                    double mb = 4.0 * n / 1e6;
                    System.out.printf(Locale.ROOT, "usp4j transfer %s %.1f MB: host to device %.3f ms (%.1f GB/s),"
                            + " device to host %.3f ms (%.1f GB/s)%n", pinned ? "pinned" : "direct", mb, up,
                            mb / up, down, mb / down);
                }
                backend.usePinnedStaging(true);
            }
        }
        if (gemm) {
            int[][] shapes = {{4096, 4096, 4096}, {65536, 768, 2304}, {65536, 768, 768}, {65536, 768, 3072},
                {65536, 3072, 768}};
            for (CudaBackend.Precision p : CudaBackend.Precision.values()) {
                backend.setPrecision(p);
                for (int[] s : shapes) {
                    NDArray a = NDArray.randn(new Generator(1), s[0], s[1]).to(cuda);
                    NDArray b = NDArray.randn(new Generator(2), s[1], s[2]).to(cuda);
                    double ms = time(() -> a.matmul(b).recycleStorage());
                    System.out.printf(Locale.ROOT, "usp4j gemm %s %dx%dx%d: %.3f ms, %.1f TFLOP/s%n",
                            p.name().toLowerCase(Locale.ROOT), s[0], s[1], s[2], ms,
                            2.0 * s[0] * s[1] * s[2] / ms / 1e9);
                    a.recycleStorage();
                    b.recycleStorage();
                }
            }
            backend.setPrecision(CudaBackend.Precision.FP32);
        }
        if (ops) {
            // Memory-bound ops of a DiT-B/2 step (batch 256): GB/s moved, against the card's ~3,000.
            NDArray h = NDArray.randn(new Generator(7), 65536, 3072).to(cuda);
            NDArray x = NDArray.randn(new Generator(8), 256, 256, 768).to(cuda);
            NDArray mod = NDArray.randn(new Generator(9), 256, 4608).to(cuda);
            NDArray g = NDArray.randn(new Generator(10), 65536, 768).to(cuda);
            NDArray scale = mod.narrow(1, 768, 768).unsqueeze(1);
            op("gelu_tanh [65536, 3072]", 8.0 * h.numel(), () -> h.gelu(true).recycleStorage());
            op("mul contiguous [256, 256, 768]", 12.0 * x.numel(), () -> x.mul(x).recycleStorage());
            op("mul by a broadcast slice [256, 256, 768]", 8.0 * x.numel(), () -> x.mul(scale).recycleStorage());
            op("sum over rows [65536, 768] -> [768]", 4.0 * g.numel(), () -> g.sum(0).recycleStorage());
            op("sum over tokens [256, 256, 768] -> [256, 1, 768]", 4.0 * x.numel(),
                    () -> x.sum(new int[] {1}, true).recycleStorage());
            op("randn [256, 4, 32, 32]", 4.0 * 256 * 4096,
                    () -> NDArray.randn(new Generator(11), cuda, 256, 4, 32, 32).recycleStorage());
        }
        if (attention) {
            int bsz = 256;
            int heads = 12;
            int t = 256;
            int d = 64;
            NDArray q = NDArray.randn(new Generator(3), bsz, heads, t, d).to(cuda);
            NDArray k = NDArray.randn(new Generator(4), bsz, heads, t, d).to(cuda);
            NDArray v = NDArray.randn(new Generator(5), bsz, heads, t, d).to(cuda);
            NDArray g = NDArray.randn(new Generator(6), bsz, heads, t, d).to(cuda);
            double scale = 1 / Math.sqrt(d);
            double fwd = time(() -> Functional.attentionWithStats(q, k, v, scale));
            double both = time(() -> {
                AttentionResult r = Functional.attentionWithStats(q, k, v, scale);
                Functional.attentionBackward(g, q, k, v, r.out(), r.logsumexp(), scale, true, true, true);
            });
            double flops = 4.0 * bsz * heads * t * t * d;
            System.out.printf(Locale.ROOT, "usp4j attention fp32 B=%d H=%d T=%d D=%d: forward %.3f ms (%.1f TFLOP/s),"
                    + " forward+backward %.3f ms (%.1f TFLOP/s)%n", bsz, heads, t, d, fwd, flops / fwd / 1e9, both,
                    3.5 * flops / both / 1e9);
        }
    }

    private static void op(String what, double bytes, Runnable r) {
        double ms = time(r);
        System.out.printf(Locale.ROOT, "usp4j op %s: %.3f ms, %.0f GB/s%n", what, ms, bytes / ms / 1e6);
    }

    private static double time(Runnable r) {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        backend.synchronize();
        double[] t = new double[iters];
        for (int i = 0; i < iters; i++) {
            long a = System.nanoTime();
            r.run();
            backend.synchronize();
            t[i] = (System.nanoTime() - a) / 1e6;
        }
        java.util.Arrays.sort(t);
        return t[iters / 2];
    }
}
