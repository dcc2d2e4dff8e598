package dev.usp4j.tensor.cuda;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;

/**
 * The scaled dot-product attention of the {@link CudaBackend}, forward and backward, on the kernels of
 * {@code attention.cu}: the tiled ones for head dims 32 and 64 (the backward with one or two rows per thread), the
 * warp-per-row ones otherwise or when switched off to cross-check the tiled ones. q, k, v and gradOut are read in
 * place through their batch, head and row strides. Each method returns false where a head dim is over 256 and the
 * backend runs the op on the host instead.
 */
final class CudaAttention {
    private final CudaBackend backend;
    private final Cuda cuda;
    private volatile boolean tiledAttention = !"warp".equals(System.getProperty("usp4j.cuda.attention"));
    /** Two rows per thread in the tiled attention backward (false: one, the first kernels, kept to cross-check). */
    private volatile boolean twoRowBackward = !"1".equals(System.getProperty("usp4j.cuda.attentionBackwardRows"));

    CudaAttention(CudaBackend backend, Cuda cuda) {
        this.backend = backend;
        this.cuda = cuda;
    }

    /** See {@link CudaBackend#useTiledAttention}. */
    void useTiledAttention(boolean on) {
        tiledAttention = on;
    }

    /** See {@link CudaBackend#useTwoRowAttentionBackward}. */
    void useTwoRowAttentionBackward(boolean on) {
        twoRowBackward = on;
    }

    private static int[] att(NDArray a) {
        return new int[] {a.stride(0), a.stride(1), a.stride(2)};
    }

    private static boolean attentionFits(NDArray q, NDArray v) {
        return q.size(3) <= 256 && v.size(3) <= 256;
    }

    /** Head dim of the tiled attention kernels for these operands, or 0 to use the warp-per-row ones. */
    private int tiledDim(NDArray q, NDArray v) {
        int d = q.size(3);
        boolean fits = d == v.size(3) && (d == 32 || d == 64) && (long) q.size(0) * q.size(1) <= 65535;
        return tiledAttention && fits ? d : 0;
    }

    boolean forward(NDArray q, NDArray k, NDArray v, float scale, NDArray out, NDArray lse) {
        if (!attentionFits(q, v)) {
            return false;
        }
        int b = q.size(0);
        int h = q.size(1);
        int nq = q.size(2);
        long rows = (long) b * h * nq;
        if (rows == 0) {
            return true;
        }
        int td = tiledDim(q, v);
        if (td != 0) {
            cuda.launch("attention_fwd_tiled_d" + td, (nq + 63) / 64, b * h, 1, Cuda.BLOCK, 1, 0, new Cuda.Args()
                    .i(h).i(nq).i(k.size(2)).f(scale).ptr(backend.base(q)).i(q.offset()).struct(att(q))
                    .ptr(backend.base(k)).i(k.offset()).struct(att(k)).ptr(backend.base(v)).i(v.offset())
                    .struct(att(v)).ptr(backend.addr(out)).ptr(backend.addr(lse)));
            return true;
        }
        cuda.launch("attention_fwd_f32", Cuda.blocksFor(rows * 32, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().i(b).i(h)
                .i(nq).i(k.size(2)).i(q.size(3)).i(v.size(3)).f(scale).ptr(backend.base(q)).i(q.offset())
                .struct(att(q)).ptr(backend.base(k)).i(k.offset()).struct(att(k)).ptr(backend.base(v)).i(v.offset())
                .struct(att(v)).ptr(backend.addr(out)).ptr(backend.addr(lse)));
        return true;
    }

    boolean backward(NDArray q, NDArray k, NDArray v, NDArray out, NDArray gradOut, NDArray lse, float scale,
                     NDArray gradQ, NDArray gradK, NDArray gradV) {
        if (!attentionFits(q, v)) {
            return false;
        }
        int b = q.size(0);
        int h = q.size(1);
        int nq = q.size(2);
        int nk = k.size(2);
        int d = q.size(3);
        int dv = v.size(3);
        long qRows = (long) b * h * nq;
        long kRows = (long) b * h * nk;
        NDArray o = CudaBackend.contiguous(out);
        NDArray delta = NDArray.of(backend.allocateForOutput(DType.F32, (int) Math.max(1, qRows)),
                (int) Math.max(1, qRows));
        int td = tiledDim(q, v);
        if (td != 0 && qRows > 0) {
            // delta_i = dO_i · O_i from the warp kernel (dq null), then the tiled dQ and dK/dV passes.
            cuda.launch("attention_bwd_q_f32", Cuda.blocksFor(qRows * 32, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                    .i(b).i(h).i(nq).i(nk).i(d).i(dv).f(scale).ptr(backend.base(q)).i(q.offset()).struct(att(q))
                    .ptr(backend.base(k)).i(k.offset()).struct(att(k)).ptr(backend.base(v)).i(v.offset())
                    .struct(att(v)).ptr(backend.addr(o)).ptr(backend.base(gradOut)).i(gradOut.offset())
                    .struct(att(gradOut)).ptr(backend.addr(lse)).ptr(backend.addr(delta)).ptr(0L));
            String variant = twoRowBackward ? "2_d" : "_d";
            int threads = twoRowBackward ? 128 : Cuda.BLOCK;  // the kernels' TB2 and TB
            if (gradQ != null) {
                cuda.launch("attention_bwd_q_tiled" + variant + td, (nq + 31) / 32, b * h, 1, threads, 1, 0,
                        new Cuda.Args().i(h).i(nq).i(nk).f(scale).ptr(backend.base(q)).i(q.offset()).struct(att(q))
                                .ptr(backend.base(k)).i(k.offset()).struct(att(k)).ptr(backend.base(v))
                                .i(v.offset()).struct(att(v)).ptr(backend.base(gradOut)).i(gradOut.offset())
                                .struct(att(gradOut)).ptr(backend.addr(lse)).ptr(backend.addr(delta))
                                .ptr(backend.addr(gradQ)));
            }
            if ((gradK != null || gradV != null) && nk > 0) {
                cuda.launch("attention_bwd_kv_tiled" + variant + td, (nk + 31) / 32, b * h, 1, threads, 1, 0,
                        new Cuda.Args().i(h).i(nq).i(nk).f(scale).ptr(backend.base(q)).i(q.offset()).struct(att(q))
                                .ptr(backend.base(k)).i(k.offset()).struct(att(k)).ptr(backend.base(v))
                                .i(v.offset()).struct(att(v)).ptr(backend.base(gradOut)).i(gradOut.offset())
                                .struct(att(gradOut)).ptr(backend.addr(lse)).ptr(backend.addr(delta))
                                .ptr(gradK == null ? 0L : backend.addr(gradK))
                                .ptr(gradV == null ? 0L : backend.addr(gradV)));
            }
            backend.recycle(delta.storage());
            return true;
        }
        if (qRows > 0) {
            cuda.launch("attention_bwd_q_f32", Cuda.blocksFor(qRows * 32, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                    .i(b).i(h).i(nq).i(nk).i(d).i(dv).f(scale).ptr(backend.base(q)).i(q.offset()).struct(att(q))
                    .ptr(backend.base(k)).i(k.offset()).struct(att(k)).ptr(backend.base(v)).i(v.offset())
                    .struct(att(v)).ptr(backend.addr(o)).ptr(backend.base(gradOut)).i(gradOut.offset())
                    .struct(att(gradOut)).ptr(backend.addr(lse)).ptr(backend.addr(delta))
                    .ptr(gradQ == null ? 0L : backend.addr(gradQ)));
        }
        if ((gradK != null || gradV != null) && kRows > 0) {
            cuda.launch("attention_bwd_kv_f32", Cuda.blocksFor(kRows * 32, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                    .i(b).i(h).i(nq).i(nk).i(d).i(dv).f(scale).ptr(backend.base(q)).i(q.offset()).struct(att(q))
                    .ptr(backend.base(k)).i(k.offset()).struct(att(k)).ptr(backend.base(v)).i(v.offset())
                    .struct(att(v)).ptr(backend.base(gradOut)).i(gradOut.offset()).struct(att(gradOut))
                    .ptr(backend.addr(lse)).ptr(backend.addr(delta)).ptr(gradK == null ? 0L : backend.addr(gradK))
                    .ptr(gradV == null ? 0L : backend.addr(gradV)));
        }
        backend.recycle(delta.storage());
        return true;
    }
}
