package dev.usp4j.bench;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.diffusion.gaussian.Diffusions;
import dev.usp4j.diffusion.gaussian.SpacedDiffusion;
import dev.usp4j.diffusion.model.DiT;
import dev.usp4j.nn.Module;
import dev.usp4j.nn.optim.AdamW;
import dev.usp4j.nn.optim.ParamGroup;
import dev.usp4j.nn.vae.AutoencoderKL;
import dev.usp4j.nn.vae.DiagonalGaussian;
import dev.usp4j.nn.vae.VaeConfigs;
import dev.usp4j.nn.vit.MaeConfig;
import dev.usp4j.nn.vit.MaskedAutoencoderViT;
import dev.usp4j.tensor.Backends;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.StepArena;
import dev.usp4j.tensor.cuda.CudaBackend;
import dev.usp4j.tensor.cpu.Parallel;
import dev.usp4j.tensor.random.Generator;
import dev.usp4j.usp.Models;
import dev.usp4j.tensor.OpProfiler;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Times whole training steps of the three networks the quick pipeline trains on this machine, split into forward
 * (through the loss), backward and the AdamW update, so that the step that dominates a stage is visible and can be
 * compared with PyTorch's ({@code bench/peers/train_step_torch.py} builds the same networks, losses and batches):
 * <ul>
 *   <li>{@code vae}: a small AutoencoderKL ("VAE-f4-small" by default) on 1×32×32 images, LDM's L1 + KL loss
 *       (as {@code VaeTrainer});</li>
 *   <li>{@code dit}: a DiT ("DiT-Ti/2") on 4×side×side latents with learned sigma, DiT's diffusion loss at random
 *       timesteps (as {@code GenerativeTrainer});</li>
 *   <li>{@code mae}: an MAE ("MAE-ViT-T/2") on 4×side×side latents, mask ratio 0.75 (as {@code MaskedLatentTrainer}).</li>
 * </ul>
 * Usage: {@code java --add-modules jdk.incubator.vector -cp "bench/target/classes:bench/target/lib/*"
 * dev.usp4j.bench.TrainStepBench net=vae|dit|mae [model=NAME] [batch=64] [side=8] [warmup=3] [iters=10]
 * [threads=N] [device=cpu|cuda]}; {@code side} is the latents' side for dit and mae. On {@code device=cuda} the
 * model and data live on the GPU and each phase ends with a device synchronisation before its clock reads.
 */
public final class TrainStepBench {
    private TrainStepBench() {
    }

    /** -Dusp4j.bench.arena=false runs the steps without a {@link StepArena}, for comparison. */
    private static final boolean ARENA = !"false".equals(System.getProperty("usp4j.bench.arena"));

    /** One training step's pieces: build the loss (forward), then backward and update are timed separately. */
    private record Net(Module module, Supplier<Tensor> loss) {
    }

    public static void main(String[] args) {
        String net = "vae";
        String model = null;
        int batch = 64;
        int side = 8;
        int warmup = 3;
        int iters = 10;
        boolean verbose = false;
        Device device = Device.CPU;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "net" -> net = kv[1];
                case "model" -> model = kv[1];
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "side" -> side = Integer.parseInt(kv[1]);
                case "warmup" -> warmup = Integer.parseInt(kv[1]);
                case "iters" -> iters = Integer.parseInt(kv[1]);
                case "threads" -> Parallel.setThreads(Integer.parseInt(kv[1]));
                case "verbose" -> verbose = Boolean.parseBoolean(kv[1]);
                case "device" -> device = Device.parse(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument '" + a
                        + "' (net=, model=, batch=, side=, warmup=, iters=, threads=, verbose=, device=)");
            }
        }
        Generator gen = new Generator(1234);
        Net n = switch (net) {
            case "vae" -> vae(model == null ? "VAE-f4-small" : model, batch, gen, device);
            case "dit" -> dit(model == null ? "DiT-Ti/2" : model, batch, side, gen, device);
            case "mae" -> mae(model == null ? "MAE-ViT-T/2" : model, batch, side, gen, device);
            default -> throw new IllegalArgumentException("net must be vae, dit or mae, got '" + net + "'");
        };
        long params = n.module().parameters().stream().mapToLong(p -> p.data().numel()).sum();
        AdamW opt = new AdamW(List.of(new ParamGroup(n.module().parameters(), 1e-4, 0.0)));
        n.module().train();
        double[][] t = new double[iters][3];
        long allocated0 = 0;
        for (int i = -warmup; i < iters; i++) {
            if (i == 0) {
                OpProfiler.reset(); // with -Dusp4j.profile=true: the table covers the timed steps
                allocated0 = allocatedBytes();
            }
            long a;
            long b;
            long c2;
            long d;
            long cpu0 = processCpuNanos();
            // The step's activations and gradients go back to the pool when it ends, as a training loop's should
            // (StepArena): zeroGrad drops the gradients, and nothing else computed in the step is used after it.
            try (StepArena step = ARENA ? StepArena.open() : null) {
                a = System.nanoTime();
                Tensor loss = n.loss().get();
                loss.data().toFloatArray(); // the forward's result is materialised before the clock reads
                b = System.nanoTime();
                opt.zeroGrad();
                loss.backward();
                if (!device.equals(Device.CPU)) {
                    loss.data().toFloatArray(); // waits for the GPU (the default stream runs in order)
                }
                c2 = System.nanoTime();
                opt.step();
                if (!device.equals(Device.CPU)) {
                    loss.data().add(0).toFloatArray();
                }
                d = System.nanoTime();
            }
            if (verbose) {
                // CPU time against wall time tells a starved step (the host ran something else: well under
                // `threads`× the wall) from a step that did more work.
                double cpu = (processCpuNanos() - cpu0) / 1e6;
                System.out.printf(Locale.ROOT, "  step %d: forward %.1f ms, backward %.1f ms, update %.1f ms;"
                                + " process CPU %.0f ms (%.2f× wall)%n", i, (b - a) / 1e6, (c2 - b) / 1e6,
                        (d - c2) / 1e6, cpu, cpu / ((d - a) / 1e6));
            }
            if (i >= 0) {
                t[i] = new double[] {(b - a) / 1e6, (c2 - b) / 1e6, (d - c2) / 1e6};
            }
        }
        double allocatedPerStep = (allocatedBytes() - allocated0) / (double) Math.max(1, iters);
        System.out.printf(Locale.ROOT, "usp4j %s %s batch %d (%,d parameters, %d threads): median ms forward %.1f,"
                        + " backward %.1f, update %.1f, step %.1f; best step %.1f; peak RSS %.0f MiB; peak heap %.0f MiB;"
                        + " allocated %.0f MiB a step%n",
                net, model == null ? "default" : model, batch, params, Parallel.threads(), median(t, 0),
                median(t, 1), median(t, 2), medianSum(t), bestSum(t), peakRssKib() / 1024.0,
                peakHeapBytes() / 1048576.0, allocatedPerStep / 1048576.0);
        if (Backends.of(device) instanceof CudaBackend cb) {
            System.out.printf(Locale.ROOT, "usp4j %s on %s: %.1f images/s; peak device memory %.0f MiB; %d driver"
                            + " allocations, %d collections; host fallbacks %s%n", net, cb.describe(),
                    batch / (medianSum(t) / 1e3), cb.peakBytes() / 1048576.0, cb.driverAllocations(),
                    cb.collections(), cb.hostFallbacks());
        }
    }

    private static Net vae(String name, int batch, Generator gen, Device device) {
        AutoencoderKL vae = new AutoencoderKL(VaeConfigs.named(name));
        vae.to(device);
        int c = vae.config().inChannels();
        int s = vae.config().sampleSize();
        NDArray x = NDArray.rand(gen, batch, c, s, s).mul(2f).sub(1f).to(device);
        return new Net(vae, () -> {
            Tensor xt = Tensor.of(x);
            DiagonalGaussian q = vae.encode(xt);
            Tensor recon = vae.decode(q.sample(gen));
            Tensor rec = xt.sub(recon).abs().sum().div(batch);
            return rec.add(q.kl().sum().div(batch).mul(1e-6));
        });
    }

    private static Net dit(String name, int batch, int side, Generator gen, Device device) {
        String[] parts = name.split("-", 2);
        DiT dit = Models.generative(parts[0].equals("SiT"), parts[1], false, new int[] {4, side, side}, 10);
        SpacedDiffusion diffusion = Diffusions.create("", "linear", false, false, false, dit.config().learnSigma(),
                false, 1000);
        dit.to(device);
        NDArray x = NDArray.randn(gen, batch, 4, side, side).to(device);
        NDArray y = NDArray.randint(gen, 0, 10, batch).to(device);
        return new Net(dit, () -> {
            NDArray t = NDArray.randint(gen, 0, 1000, batch).to(device);
            return diffusion.trainingLosses((xt, ts) -> dit.forward(xt, ts, y), x, t, gen).loss().mean();
        });
    }

    private static Net mae(String name, int batch, int side, Generator gen, Device device) {
        MaeConfig cfg = Models.mae(name, new int[] {4, side, side});
        MaskedAutoencoderViT mae = new MaskedAutoencoderViT(cfg, gen);
        mae.to(device);
        NDArray x = NDArray.randn(gen, batch, 4, side, side).to(device);
        return new Net(mae, () -> mae.forward(Tensor.of(x), 0.75, gen).loss());
    }

    /**
     * Bytes the JVM's threads have allocated on the heap so far. With the step arena a training step should allocate
     * little more than its bookkeeping; hundreds of MiB a step means arrays escaping the pool or vectors boxed by C2
     * (bench/RESULTS.md, eleventh session: ~1.7 GB a MAE 16×16 step before the fix).
     */
    private static long allocatedBytes() {
        try {
            return ManagementFactory.getPlatformMXBean(com.sun.management.ThreadMXBean.class)
                    .getTotalThreadAllocatedBytes();
        } catch (LinkageError e) {
            return 0;  // a runtime without jdk.management (the GPU machines' carried one): reported as 0
        }
    }

    /** CPU time of the whole process (all its threads, the JIT and the collector included), in nanoseconds. */
    private static long processCpuNanos() {
        try {
            return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                    .getProcessCpuTime();
        } catch (LinkageError e) {
            return 0;  // a runtime without jdk.management (the GPU machines' carried one)
        }
    }

    /** The process's peak resident set (VmHWM): heap, off-heap buffers and the JVM itself, as PyTorch's RSS. */
    private static long peakRssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Sum of the heap pools' peak usage since start. */
    private static long peakHeapBytes() {
        try {
            return ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        } catch (LinkageError e) {
            return -1;  // a runtime without java.management (the GPU machines' carried one)
        }
    }

    private static double median(double[][] t, int col) {
        double[] v = Arrays.stream(t).mapToDouble(r -> r[col]).sorted().toArray();
        return v[v.length / 2];
    }

    /**
     * The fastest step: on a shared host whose neighbours steal the cores in bursts of seconds, delays only ever add
     * time, so the minimum is the estimate least disturbed by them (the bench reports it beside the median).
     */
    private static double bestSum(double[][] t) {
        return Arrays.stream(t).mapToDouble(r -> r[0] + r[1] + r[2]).min().orElse(Double.NaN);
    }

    private static double medianSum(double[][] t) {
        double[] v = Arrays.stream(t).mapToDouble(r -> r[0] + r[1] + r[2]).sorted().toArray();
        return v[v.length / 2];
    }
}
