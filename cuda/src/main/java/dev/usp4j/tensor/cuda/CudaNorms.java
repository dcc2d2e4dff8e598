package dev.usp4j.tensor.cuda;

import dev.usp4j.tensor.NDArray;

/**
 * The normalisations of the {@link CudaBackend} — layer norm and group norm (the latter optionally fused with the
 * SiLU that follows it), forward and backward — on the F32 kernels of {@code norm.cu}. The forward passes save the
 * per-row (per-group) mean and reciprocal standard deviation that the backward passes read. They have no host
 * fallback: every method runs its kernels.
 */
final class CudaNorms {
    private final CudaBackend backend;
    private final Cuda cuda;

    CudaNorms(CudaBackend backend, Cuda cuda) {
        this.backend = backend;
        this.cuda = cuda;
    }

    void layerNorm(NDArray x, int rows, NDArray weight, NDArray bias, float eps, NDArray out, NDArray mean,
                   NDArray rstd) {
        int cols = rows == 0 ? 0 : x.numel() / rows;
        if (rows == 0) {
            return;
        }
        cuda.launch("layernorm_f32", Cuda.blocksFor((long) rows * 32, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                .i(rows).i(cols).ptr(backend.addr(CudaBackend.contiguous(x))).ptr(backend.addrOrNull(weight))
                .ptr(backend.addrOrNull(bias)).f(eps).ptr(backend.addr(out)).ptr(backend.addr(mean))
                .ptr(backend.addr(rstd)));
    }

    void layerNormBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight, int rows,
                           NDArray gradX, NDArray gradWeight, NDArray gradBias) {
        if (rows == 0) {
            if (gradWeight != null) {
                backend.fill(gradWeight, 0);
            }
            if (gradBias != null) {
                backend.fill(gradBias, 0);
            }
            return;
        }
        int cols = x.numel() / rows;
        long xa = backend.addr(CudaBackend.contiguous(x));
        long ga = backend.addr(CudaBackend.contiguous(gradOut));
        if (gradX != null) {
            cuda.launch("layernorm_bwd_x_f32", Cuda.blocksFor((long) rows * 32, Cuda.BLOCK), Cuda.BLOCK,
                    new Cuda.Args().i(rows).i(cols).ptr(xa).ptr(ga).ptr(backend.addr(mean)).ptr(backend.addr(rstd))
                            .ptr(backend.addrOrNull(weight)).ptr(backend.addr(gradX)));
        }
        if (gradWeight != null || gradBias != null) {
            cuda.launch("layernorm_bwd_wb_f32", (cols + 31) / 32, 1, 1, 32, 16, 0, new Cuda.Args().i(rows).i(cols)
                    .ptr(xa).ptr(ga).ptr(backend.addr(mean)).ptr(backend.addr(rstd))
                    .ptr(backend.addrOrNull(gradWeight)).ptr(backend.addrOrNull(gradBias)));
        }
    }

    /** Group norm of x [N, C, ...], followed by SiLU when {@code silu} (groupNormSilu). */
    void groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps, boolean silu, NDArray out,
                   NDArray mean, NDArray rstd) {
        int n = x.size(0);
        int c = x.size(1);
        int s = n * c == 0 ? 0 : x.numel() / (n * c);
        if (n * groups == 0) {
            return;
        }
        cuda.launch("groupnorm_f32", n * groups, Cuda.BLOCK, new Cuda.Args().i(n).i(c).i(s).i(groups)
                .ptr(backend.addr(CudaBackend.contiguous(x))).ptr(backend.addrOrNull(weight))
                .ptr(backend.addrOrNull(bias)).f(eps).i(silu ? 1 : 0).ptr(backend.addr(out)).ptr(backend.addr(mean))
                .ptr(backend.addr(rstd)));
    }

    /**
     * Group norm's gradient; with {@code silu} that of groupNormSilu, whose kernels recompute the norm's output
     * from x, the saved statistics, weight and bias (null without silu).
     */
    void groupNormBackward(NDArray x, NDArray gradOut, NDArray mean, NDArray rstd, NDArray weight, NDArray bias,
                           int groups, boolean silu, NDArray gradX, NDArray gradWeight, NDArray gradBias) {
        int n = x.size(0);
        int c = x.size(1);
        int s = n * c == 0 ? 0 : x.numel() / (n * c);
        long xa = backend.addr(CudaBackend.contiguous(x));
        long ga = backend.addr(CudaBackend.contiguous(gradOut));
        if (gradX != null && n * groups > 0) {
            cuda.launch("groupnorm_bwd_x_f32", n * groups, Cuda.BLOCK, new Cuda.Args().i(n).i(c).i(s).i(groups)
                    .ptr(xa).ptr(ga).ptr(backend.addr(mean)).ptr(backend.addr(rstd)).ptr(backend.addrOrNull(weight))
                    .ptr(backend.addrOrNull(bias)).i(silu ? 1 : 0).ptr(backend.addr(gradX)));
        }
        if ((gradWeight != null || gradBias != null) && c > 0) {
            cuda.launch("groupnorm_bwd_wb_f32", c, Cuda.BLOCK, new Cuda.Args().i(n).i(c).i(s).i(groups).ptr(xa)
                    .ptr(ga).ptr(backend.addr(mean)).ptr(backend.addr(rstd)).ptr(backend.addrOrNull(weight))
                    .ptr(backend.addrOrNull(bias)).i(silu ? 1 : 0).ptr(backend.addrOrNull(gradWeight))
                    .ptr(backend.addrOrNull(gradBias)));
        }
    }
}
