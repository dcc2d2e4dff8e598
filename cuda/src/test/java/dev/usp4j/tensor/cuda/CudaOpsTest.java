package dev.usp4j.tensor.cuda;

import static dev.usp4j.tensor.cuda.CudaTesting.CUDA;
import static dev.usp4j.tensor.cuda.CudaTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.tensor.AttentionResult;
import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.Functional;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.NormResult;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import dev.usp4j.tensor.random.Generator;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every op of the CUDA backend against the CPU backend on the same random inputs, forward and backward, including
 * strided, transposed and broadcast operands: relative error (of the max norm) ≤ 1e-5 for elementwise ops and
 * reductions, ≤ 1e-4 for GEMM, convolution, norms and attention. Skipped, with the reason, where no GPU answers.
 */
/**
 * The op contract on CUDA, plus what only the CUDA backend has: cuBLAS against the backend's own tiled GEMM, the
 * caching allocator, the fused AdamW kernel and the host-fallback accounting. Relative error (of the max norm)
 * ≤ 1e-5 for elementwise ops and reductions, ≤ 1e-4 for GEMM, convolution, norms and attention. Every test is
 * reported as skipped, with the reason, where no GPU answers.
 */
@Tag("cuda")
class CudaOpsTest extends DeviceOpsContract {
    static CudaBackend backend;

    /** Per test, so that without a GPU every test is reported as skipped (with the reason), not left out. */
    @BeforeEach
    void open() {
        if (backend == null) {
            backend = CudaTesting.backendOrSkip();
            System.out.println("CudaOpsTest on " + backend.describe());
        }
    }

    @Override
    Device device() {
        return CUDA;
    }

    @Test
    void matmulThroughTheTiledKernelToo() {
        boolean before = backend.usesCublas();
        backend.useCublas(false);
        try {
            matmulAllLayouts(" (tiled kernel)");
        } finally {
            backend.useCublas(before);
        }
    }

    @Test
    void attentionThroughTheWarpKernelsToo() {
        backend.useTiledAttention(false);
        try {
            attentionForwardAndBackwardOnPermutedViews();
        } finally {
            backend.useTiledAttention(true);
        }
    }

    @Test
    void largeTransfersGoThroughThePinnedBuffersIntact() {
        // 5 Mi elements: above the staging threshold and more than two 8 MiB chunks for every dtype but BOOL.
        NDArray x = randn(80, 5 << 20);
        for (DType t : DType.values()) {
            NDArray c = x.mul(50).to(t);
            NDArray staged = d(c);
            assertClose("pinned round trip " + t, c, staged, 0);
            backend.usePinnedStaging(false);
            try {
                assertClose("direct download of a staged upload " + t, c, staged, 0);
                NDArray direct = d(c);
                backend.usePinnedStaging(true);
                assertClose("staged download of a direct upload " + t, c, direct, 0);
            } finally {
                backend.usePinnedStaging(true);
            }
        }
        // An odd size whose last chunk is short, and a view whose storage is larger than the view.
        NDArray odd = randn(81, 3 * 1048576 + 7);
        assertClose("odd size", odd, d(odd), 0);
        assertClose("narrowed view", odd.narrow(0, 5, 2_000_000), d(odd).narrow(0, 5, 2_000_000), 0);
    }

    @Test
    void attentionBackwardWithOneRowPerThreadToo() {
        backend.useTwoRowAttentionBackward(false);
        try {
            attentionForwardAndBackwardOnPermutedViews();
        } finally {
            backend.useTwoRowAttentionBackward(true);
        }
    }

    @Test
    void matmulInTf32AndBf16WithinTheirTolerances() {
        NDArray a = randn(60, 256, 512);
        NDArray b = randn(61, 512, 128);
        for (CudaBackend.Precision p : new CudaBackend.Precision[] {CudaBackend.Precision.TF32,
            CudaBackend.Precision.BF16}) {
            backend.setPrecision(p);
            try {
                assertClose("matmul " + p, a.matmul(b), d(a).matmul(d(b)), p == CudaBackend.Precision.TF32 ? 5e-3 : 2e-2);
            } finally {
                backend.setPrecision(CudaBackend.Precision.FP32);
            }
        }
    }

    @Test
    void opsWithoutKernelsRunOnTheHostAndSaySo() {
        same("unsorted topk", 0, v -> v.topk(3, 2, true, false).values(), randn(50, 2, 4, 9));
        assertTrue(backend.hostFallbacks().containsKey("topk"), backend.hostFallbacks().toString());
    }

    @Test
    void paddingPoolingTopkAndIntegerOpsStayOnTheDevice() {
        java.util.Map<String, Long> before = backend.hostFallbacks();
        NDArray x = d(randn(51, 2, 3, 8, 8));
        NDArray p = Functional.pad(x, new int[] {1, 2, 0, 1}, PadMode.REFLECT, 0);
        Functional.padBackward(p, x.shape(), new int[] {1, 2, 0, 1}, PadMode.REFLECT);
        Functional.pad(x.to(DType.BF16), new int[] {0, 1, 0, 1}, PadMode.CONSTANT, 0);  // the VAE's downsampling
        NDArray a = Functional.avgPool2d(x, Pool2dSpec.of(2));
        Functional.avgPool2dBackward(a, x.shape(), Pool2dSpec.of(2));
        x.topk(3, 3, true, true);
        NDArray ids = x.argsort(3, false);
        ids.add(ids).remainder(ids.add(1)).floorDivide(ids.add(1)).sum(new int[] {1}, false);
        ids.gt(3).any(new int[] {2}, false);
        assertEquals(before, backend.hostFallbacks(), "ops that ran on the host");
    }

    @Test
    void allocatorReusesFreedBlocks() {
        long mallocs = backend.driverAllocations();
        for (int i = 0; i < 50; i++) {
            NDArray a = d(NDArray.ones(1 << 16));
            a.add(a).recycleStorage();  // (a scalar operand would be a fresh 1-element block each time)
            a.recycleStorage();
        }
        assertTrue(backend.driverAllocations() - mallocs <= 4,
                "recycled blocks must be reused, got " + (backend.driverAllocations() - mallocs) + " new allocations");
        assertTrue(backend.peakBytes() >= backend.bytesInUse());
    }

    @Test
    void fusedAdamWMatchesTheFormula() {
        NDArray p = randn(40, 1000);
        NDArray g = randn(41, 1000);
        NDArray m = randn(42, 1000).mul(0.1);
        NDArray v = randn(43, 1000).abs().mul(0.01);
        double lr = 1e-3;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double wd = 0.01;
        int step = 7;
        NDArray m2 = m.mul(b1).add(g.mul(1 - b1));
        NDArray v2 = v.mul(b2).add(g.square().mul(1 - b2));
        NDArray denom = v2.div(1 - Math.pow(b2, step)).sqrt().add(eps);
        NDArray p2 = p.mul(1 - lr * wd).sub(m2.div(denom).mul(lr / (1 - Math.pow(b1, step))));
        NDArray dp = d(p);
        NDArray dm = d(m);
        NDArray dv = d(v);
        assertTrue(backend.adamw(dp, d(g), dm, dv, true, (float) (1 - lr * wd), (float) b1, (float) b2,
                (float) Math.sqrt(1 - Math.pow(b2, step)), (float) eps, (float) (-lr / (1 - Math.pow(b1, step)))));
        assertClose("adamw m", m2, dm, ELEMENTWISE);
        assertClose("adamw v", v2, dv, ELEMENTWISE);
        assertClose("adamw param", p2, dp, ELEMENTWISE);
    }
}
