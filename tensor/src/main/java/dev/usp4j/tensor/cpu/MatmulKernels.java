package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.NDArray;

/**
 * Batched matrix products on top of {@link PackedGemm}: [B,M,K]·[B,K,N] → [B,M,N] for any input strides (stride 0
 * for broadcast batch dims included).
 *
 * <p>Many small products (attention: 64 heads of 256×64·64×256) are split over the batch, one single-threaded GEMM
 * per matrix, which avoids a fork per matrix and duplicated packing; a few large ones run one after another, each
 * split across threads inside {@link PackedGemm}. Either way every output element is computed the same way, so
 * the choice never changes results.
 */
final class MatmulKernels {
    /** Multiply-adds per matrix from which one product is worth splitting across threads by itself. */
    private static final long LARGE_MACS = 1L << 22;
    /** Multiply-adds a parallel block should at least hold to pay for the fork. */
    private static final long BLOCK_MACS = 1L << 18;

    private MatmulKernels() {
    }

    /** out[b] = a[b]·b[b], or out[b] += a[b]·b[b] when {@code accumulate}. */
    static void matmul(NDArray a, NDArray b, NDArray out, boolean accumulate) {
        float[] av = CpuStorage.of(a).floats();
        float[] bv = CpuStorage.of(b).floats();
        float[] cv = CpuStorage.of(out).floats();
        int batch = a.size(0);
        int m = a.size(1);
        int k = a.size(2);
        int n = b.size(2);
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        int[] as = a.strides();
        int[] bs = b.strides();
        int aOff = a.offset();
        int bOff = b.offset();
        int cOff = out.offset();
        Parallel.Range body = (s, e) -> {
            for (int i = s; i < e; i++) {
                PackedGemm.sgemm(m, n, k, av, aOff + i * as[0], as[1], as[2], bv, bOff + i * bs[0], bs[1], bs[2],
                        cv, cOff + i * m * n, n, accumulate);
            }
        };
        int threads = Parallel.threads();
        long macs = (long) m * n * k;
        boolean overBatch = batch >= threads && (macs < LARGE_MACS || batch % threads == 0 || batch >= 4 * threads);
        if (overBatch) {
            Parallel.forRange(batch, (int) Math.max(1, Math.min(batch, BLOCK_MACS / Math.max(1, macs))), body);
        } else {
            body.run(0, batch);
        }
    }

    /** out[0] = a[0]·b[0] + bias for one product (a linear layer), the bias contiguous. */
    static void matmulBias(NDArray a, NDArray b, NDArray bias, NDArray out) {
        int[] as = a.strides();
        int[] bs = b.strides();
        PackedGemm.sgemmBias(a.size(1), b.size(2), a.size(2), CpuStorage.of(a).floats(), a.offset(), as[1], as[2],
                CpuStorage.of(b).floats(), b.offset(), bs[1], bs[2], CpuStorage.of(bias).floats(), bias.offset(),
                CpuStorage.of(out).floats(), out.offset(), b.size(2));
    }

    /** x [M, K]·wᵀ (+ bias) for contiguous F32 x, bias, out and contiguous BF16 weights w [N, K]. */
    static void linearBf16(NDArray x, NDArray w, NDArray bias, NDArray out) {
        int k = x.size(1);
        PackedGemm.sgemmBf16(x.size(0), w.size(0), k, CpuStorage.of(x).floats(), x.offset(), k, 1,
                CpuStorage.of(w).halfBits(), w.offset(), k, bias == null ? null : CpuStorage.of(bias).floats(),
                bias == null ? 0 : bias.offset(), CpuStorage.of(out).floats(), out.offset(), w.size(0));
    }
}
