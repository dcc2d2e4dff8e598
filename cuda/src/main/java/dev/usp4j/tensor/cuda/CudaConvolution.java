package dev.usp4j.tensor.cuda;

import dev.usp4j.tensor.Conv2dSpec;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.NDArray;

/**
 * The convolutions of the {@link CudaBackend} — conv2d, its transpose and its weight gradient — as im2col / col2im
 * kernels of {@code conv.cu} around the backend's GEMM, one group at a time, over as many images per pass as keep
 * the unfolded matrix under {@link #IM2COL_BYTES}; the per-channel bias is a kernel of its own. They have no host
 * fallback: every method runs its kernels.
 */
final class CudaConvolution {
    private static final long IM2COL_BYTES = 256L << 20;

    private final CudaBackend backend;
    private final Cuda cuda;

    CudaConvolution(CudaBackend backend, Cuda cuda) {
        this.backend = backend;
        this.cuda = cuda;
    }

    /** ConvGeo {C, H, W, kH, kW, OH, OW, sH, sW, pT, pL, dH, dW} of the C kernels. */
    private static int[] geometry(int c, int h, int w, int kh, int kw, int oh, int ow, Conv2dSpec s) {
        return new int[] {c, h, w, kh, kw, oh, ow, s.strideH(), s.strideW(), s.padTop(), s.padLeft(), s.dilationH(),
                s.dilationW()};
    }

    /** Images per im2col pass so that the unfolded matrix stays under {@link #IM2COL_BYTES}. */
    private static int imagesPerPass(int n, long colsPerImage) {
        return (int) Math.max(1, Math.min(n, IM2COL_BYTES / Math.max(1, colsPerImage * 4)));
    }

    /** A device scratch array of {@code floats} floats (the unfolded columns), recycled by the caller. */
    private NDArray scratch(long floats) {
        if (floats > Integer.MAX_VALUE) {
            // one image at the least is unfolded per pass; its columns must fit one device array
            throw new IllegalArgumentException("conv2d on CUDA: the unfolded columns (im2col) of one image hold "
                    + floats + " floats, more than a device array's " + Integer.MAX_VALUE + "; use a smaller image"
                    + " or kernel, or the CPU");
        }
        return NDArray.of(backend.allocateForOutput(DType.F32, (int) floats), (int) floats);
    }

    /** Unfolds {@code count} images starting at address {@code x} into {@code cols} ({@code perImage} floats each). */
    private void im2col(long x, int count, int[] geo, long perImage, NDArray cols) {
        cuda.launch("im2col_f32", Cuda.blocksFor(count * perImage, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                .i(count).struct(geo).ptr(x).ptr(backend.addr(cols)));
    }

    void conv2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out) {
        int n = x.size(0);
        int cin = x.size(1);
        int cout = w.size(0);
        int kh = w.size(2);
        int kw = w.size(3);
        int oh = out.size(2);
        int ow = out.size(3);
        int g = spec.groups();
        int cinG = cin / g;
        int coutG = cout / g;
        long p = (long) oh * ow;
        long rowsPer = (long) cin * kh * kw;
        long kG = (long) cinG * kh * kw;
        if (out.numel() == 0) {
            return;
        }
        int[] geo = geometry(cin, x.size(2), x.size(3), kh, kw, oh, ow, spec);
        int nb = imagesPerPass(n, rowsPer * p);
        NDArray cols = scratch(nb * rowsPer * p);
        long xa = backend.addr(x);
        long wa = backend.addr(w);
        long oa = backend.addr(out);
        for (int n0 = 0; n0 < n; n0 += nb) {
            int cnt = Math.min(nb, n - n0);
            im2col(xa + 4L * n0 * cin * x.size(2) * x.size(3), cnt, geo, rowsPer * p, cols);
            for (int gi = 0; gi < g; gi++) {
                // out[n, g·coutG + co, p] = Σ_r w[g·coutG + co, r] · cols[n, g·kG + r, p]
                backend.gemm(coutG, (int) p, (int) kG, wa + 4L * gi * coutG * kG, 0, (int) kG, 1,
                        backend.addr(cols) + 4L * gi * kG * p, rowsPer * p, (int) p, 1,
                        oa + 4L * ((long) n0 * cout + (long) gi * coutG) * p, (long) cout * p, (int) p, cnt, 0f);
            }
        }
        backend.recycle(cols.storage());
        if (bias != null) {
            addChannelBias(out, bias);
        }
    }

    private void addChannelBias(NDArray out, NDArray bias) {
        int n = out.size(0);
        int c = out.size(1);
        int p = out.numel() / Math.max(1, n * c);
        cuda.launch("add_channel_bias_f32", Cuda.blocksFor(out.numel(), Cuda.BLOCK), Cuda.BLOCK,
                new Cuda.Args().i(n).i(c).i(p).ptr(backend.addr(out)).ptr(backend.addr(CudaBackend.contiguous(bias))));
    }

    void convTranspose2d(NDArray x, NDArray w, NDArray bias, Conv2dSpec spec, NDArray out) {
        int n = x.size(0);
        int cin = x.size(1);
        int h = x.size(2);
        int wd = x.size(3);
        int g = spec.groups();
        int coutG = w.size(1);
        int kh = w.size(2);
        int kw = w.size(3);
        int cout = coutG * g;
        int cinG = cin / g;
        int oh = out.size(2);
        int ow = out.size(3);
        if (out.numel() == 0) {
            return;
        }
        long p = (long) h * wd;                 // the input's pixels are the "conv output" of the adjoint
        long rowsPer = (long) cout * kh * kw;
        long mG = (long) coutG * kh * kw;
        int[] geo = geometry(cout, oh, ow, kh, kw, h, wd, spec);
        int nb = imagesPerPass(n, rowsPer * p);
        NDArray cols = scratch(nb * rowsPer * p);
        long xa = backend.addr(x);
        long wa = backend.addr(w);
        long oa = backend.addr(out);
        for (int n0 = 0; n0 < n; n0 += nb) {
            int cnt = Math.min(nb, n - n0);
            for (int gi = 0; gi < g; gi++) {
                // cols[n, g·mG + r, p] = Σ_ci w[g·cinG + ci, r] · x[n, g·cinG + ci, p]   (w_gᵀ · x)
                backend.gemm((int) mG, (int) p, cinG, wa + 4L * gi * cinG * mG, 0, 1, (int) mG,
                        xa + 4L * ((long) n0 * cin + (long) gi * cinG) * p, (long) cin * p, (int) p, 1,
                        backend.addr(cols) + 4L * gi * mG * p, rowsPer * p, (int) p, cnt, 0f);
            }
            cuda.launch("col2im_f32", Cuda.blocksFor((long) cnt * cout * oh * ow, Cuda.BLOCK), Cuda.BLOCK,
                    new Cuda.Args().i(cnt).struct(geo).ptr(backend.addr(cols)).ptr(oa + 4L * n0 * cout * oh * ow));
        }
        backend.recycle(cols.storage());
        if (bias != null) {
            addChannelBias(out, bias);
        }
    }

    void conv2dWeightGrad(NDArray x, NDArray gradOut, Conv2dSpec spec, NDArray gradWeight) {
        int n = x.size(0);
        int cin = x.size(1);
        int cout = gradWeight.size(0);
        int kh = gradWeight.size(2);
        int kw = gradWeight.size(3);
        int oh = gradOut.size(2);
        int ow = gradOut.size(3);
        int g = spec.groups();
        int cinG = cin / g;
        int coutG = cout / g;
        long p = (long) oh * ow;
        long rowsPer = (long) cin * kh * kw;
        long kG = (long) cinG * kh * kw;
        if (n == 0 || p == 0) {
            backend.fill(gradWeight, 0);
            return;
        }
        int[] geo = geometry(cin, x.size(2), x.size(3), kh, kw, oh, ow, spec);
        int nb = imagesPerPass(n, rowsPer * p);
        NDArray cols = scratch(nb * rowsPer * p);
        long xa = backend.addr(x);
        long ga = backend.addr(gradOut);
        long wa = backend.addr(gradWeight);
        for (int n0 = 0; n0 < n; n0 += nb) {
            int cnt = Math.min(nb, n - n0);
            im2col(xa + 4L * n0 * cin * x.size(2) * x.size(3), cnt, geo, rowsPer * p, cols);
            for (int i = 0; i < cnt; i++) {
                for (int gi = 0; gi < g; gi++) {
                    // gw[g·coutG + co, r] (+)= Σ_p gradOut[n, g·coutG + co, p] · cols[n, g·kG + r, p]
                    backend.gemm(coutG, (int) kG, (int) p,
                            ga + 4L * ((long) (n0 + i) * cout + (long) gi * coutG) * p, 0, (int) p, 1,
                            backend.addr(cols) + 4L * (i * rowsPer + gi * kG) * p, 0, 1, (int) p,
                            wa + 4L * gi * coutG * kG, 0, (int) kG, 1, n0 + i == 0 ? 0f : 1f);
                }
            }
        }
        backend.recycle(cols.storage());
    }
}
