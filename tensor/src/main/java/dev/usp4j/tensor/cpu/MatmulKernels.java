package dev.usp4j.tensor.cpu;

import dev.usp4j.tensor.NDArray;

/** Batched matrix products on top of {@link PackedGemm}: [B,M,K]·[B,K,N] → [B,M,N] for any input strides. */
final class MatmulKernels {
    private MatmulKernels() {
    }

    static void matmul(NDArray a, NDArray b, NDArray out) {
        float[] av = CpuStorage.of(a).floats();
        float[] bv = CpuStorage.of(b).floats();
        float[] cv = CpuStorage.of(out).floats();
        int batch = a.size(0);
        int m = a.size(1);
        int k = a.size(2);
        int n = b.size(2);
        int[] as = a.strides();
        int[] bs = b.strides();
        for (int i = 0; i < batch; i++) {
            PackedGemm.sgemm(m, n, k, av, a.offset() + i * as[0], as[1], as[2], bv, b.offset() + i * bs[0], bs[1],
                    bs[2], cv, out.offset() + i * m * n, n, false);
        }
    }
}
