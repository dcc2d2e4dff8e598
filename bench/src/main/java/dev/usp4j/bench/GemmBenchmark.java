package dev.usp4j.bench;

import dev.usp4j.tensor.Backend;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * fp32 GEMM of the CPU backend on the shapes the models use, at 1 and 2 threads, for comparison with OpenBLAS
 * ({@code bench/peers/gemm_numpy.py}, same shape names; {@code bench/run-gemm.sh} runs both alternately).
 *
 * <p>Each invocation is one backend matmul, [B,M,K]·[B,K,N] into a preallocated [B,M,N] (as NumPy's
 * {@code matmul(a, b, out=c)}), so output allocation is not timed. JMH reports the average time per invocation in
 * microseconds, and GFLOP/s = 2·B·M·K·N / (score_µs · 1000): {@link #flops(String)} gives the numerator, and
 * bench/run-gemm.sh does the division. Shapes: {@code "512"} is 512³, {@code "MxKxN"} one product,
 * {@code "BxMxKxN"} a batch.
 *
 * <p>The first warm-up iteration is slow (the Vector API kernels run interpreted until C2 compiles them: the first
 * 2048³ call takes seconds), so keep at least 3 warm-up iterations.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xss4m", "-Xmx8g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class GemmBenchmark {
    @Param({"512", "1024", "2048", "4096x384x1536", "4096x1536x384", "256x768x3072", "64x256x64x256"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private NDArray a;
    private NDArray b;
    private NDArray c;
    private Backend backend;
    private int savedThreads;

    /** [B, M, K, N] of a shape name. */
    static int[] dims(String shape) {
        String[] p = shape.split("x");
        return switch (p.length) {
            case 1 -> new int[] {1, Integer.parseInt(p[0]), Integer.parseInt(p[0]), Integer.parseInt(p[0])};
            case 3 -> new int[] {1, Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
            case 4 -> new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                Integer.parseInt(p[3])};
            default -> throw new IllegalArgumentException("GemmBenchmark: bad shape '" + shape
                    + "', expected N, MxKxN or BxMxKxN");
        };
    }

    /** Floating-point operations of one invocation (2·B·M·K·N). */
    public static double flops(String shape) {
        int[] d = dims(shape);
        return 2.0 * d[0] * d[1] * d[2] * d[3];
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] d = dims(shape);
        a = NDArray.randn(d[0], d[1], d[2]);
        b = NDArray.randn(d[0], d[2], d[3]);
        c = NDArray.zeros(d[0], d[1], d[3]);
        backend = a.backend();
        savedThreads = Parallel.threads();
        Parallel.setThreads(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(savedThreads);
    }

    @Benchmark
    public NDArray matmul() {
        backend.matmul(a, b, c);
        return c;
    }
}
