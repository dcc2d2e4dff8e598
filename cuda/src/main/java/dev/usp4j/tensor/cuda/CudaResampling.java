package dev.usp4j.tensor.cuda;

import static jcuda.driver.JCudaDriver.cuMemsetD32;

import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.InterpolationMode;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.PadMode;
import dev.usp4j.tensor.Pool2dSpec;
import dev.usp4j.tensor.cpu.InterpolationKernels;
import java.util.Arrays;

/**
 * The resampling ops of the {@link CudaBackend} — interpolation, {@code F.pad} and {@code avg_pool2d}, forward and
 * backward — on the kernels of {@code resample.cu}. The index rules (interpolation taps, each pad mode's coordinate
 * map and its inverse) are the CPU's own code, run on the host and uploaded as small tables, so they exist once.
 * Each method returns false where its kernels do not apply (an unusual dtype, layout or rank) and the backend runs
 * the op on the host instead.
 */
final class CudaResampling {
    private final CudaBackend backend;
    private final Cuda cuda;

    CudaResampling(CudaBackend backend, Cuda cuda) {
        this.backend = backend;
        this.cuda = cuda;
    }

    boolean interpolate(NDArray x, InterpolationMode mode, boolean alignCorners, double scaleH, double scaleW,
                        NDArray out) {
        if (!CudaBackend.allF32(x, out) || !out.isContiguous()) {
            return false;
        }
        // The CPU's channels-last nearest rules apply to the forward exactly when C = 1 (InterpolationKernels).
        resample("interpolate_f32", CudaBackend.contiguous(x), out, mode, alignCorners, scaleH, scaleW,
                x.size(1) == 1);
        return true;
    }

    boolean interpolateBackward(NDArray gradOut, InterpolationMode mode, boolean alignCorners, double scaleH,
                                double scaleW, NDArray gradIn) {
        if (!CudaBackend.allF32(gradOut, gradIn) || !gradIn.isContiguous()) {
            return false;
        }
        if (gradIn.numel() > 0) {
            cuMemsetD32(backend.storage(gradIn).pointer().plus(4L * gradIn.offset()), 0, gradIn.numel());
        }
        // PyTorch 1.13's nearest backward takes the shortcuts whatever C is (ResampleBackwardKernels).
        resample("interpolate_bwd_f32", CudaBackend.contiguous(gradOut), gradIn, mode, alignCorners, scaleH, scaleW,
                true);
        return true;
    }

    /**
     * Launches a resampling kernel from {@code src} [N,C,H,W] or [N,C,OH,OW] (contiguous) into {@code dst}, with the
     * tap tables of the CPU backend uploaded; {@code full} is the [N,C,H,W] side, {@code resized} the other.
     */
    private void resample(String kernel, NDArray src, NDArray dst, InterpolationMode mode, boolean alignCorners,
                          double scaleH, double scaleW, boolean nearestShortcuts) {
        boolean forward = kernel.equals("interpolate_f32");
        NDArray full = forward ? src : dst;
        NDArray resized = forward ? dst : src;
        int planes = full.size(0) * full.size(1);
        int h = full.size(2);
        int w = full.size(3);
        int oh = resized.size(2);
        int ow = resized.size(3);
        if ((long) planes * oh * ow == 0) {
            return;
        }
        InterpolationKernels.Taps th = InterpolationKernels.taps(mode, h, oh, alignCorners, scaleH, nearestShortcuts);
        InterpolationKernels.Taps tw = InterpolationKernels.taps(mode, w, ow, alignCorners, scaleW, nearestShortcuts);
        NDArray ih = upload(th.idx());
        NDArray iw = upload(tw.idx());
        NDArray wh = th.wt() == null ? null : upload(th.wt());
        NDArray ww = tw.wt() == null ? null : upload(tw.wt());
        cuda.launch(kernel, Cuda.blocksFor((long) planes * oh * ow, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args()
                .i(planes).i(h).i(w).i(oh).i(ow).ptr(backend.addr(src)).ptr(backend.addr(dst))
                .ptr(backend.addr(ih)).ptr(backend.addrOrNull(wh)).i(th.taps()).ptr(backend.addr(iw))
                .ptr(backend.addrOrNull(ww)).i(tw.taps()));
        release(ih, iw, wh, ww);
    }

    // ---- pad -----------------------------------------------------------------------------------------------------

    /** F.pad of a contiguous x into a contiguous out of any dtype and rank 1..8. */
    boolean pad(NDArray x, int[] pads, PadMode mode, double value, NDArray out) {
        int rank = x.rank();
        if (rank == 0 || rank > Strided.MAX_RANK || !x.isContiguous() || !out.isContiguous()) {
            return false;
        }
        if (out.numel() == 0) {
            return true;
        }
        if (x.numel() == 0) {  // only CONSTANT pads an empty array: the whole output is the value
            backend.fill(out, value);
            return true;
        }
        int[] in = x.shape();
        int[] os = out.shape();
        int[] dims = new int[2 + Strided.MAX_RANK];
        dims[0] = rank;
        dims[1] = out.numel();
        int[] starts = new int[Strided.MAX_RANK];
        int[] maps = new int[Arrays.stream(os).sum()];
        for (int d = 0, at = 0; d < rank; at += os[d], d++) {
            dims[2 + d] = os[d];
            starts[d] = at;
            System.arraycopy(mode.axisMap(in[d], before(pads, rank, d), os[d]), 0, maps, at, os[d]);
        }
        NDArray table = upload(maps);
        Cuda.Args args = new Cuda.Args().struct(dims).ptr(backend.base(x)).i(x.offset())
                .struct(Arrays.copyOf(x.strides(), Strided.MAX_RANK)).ptr(backend.addr(table)).struct(starts)
                .ptr(backend.base(out)).i(out.offset());
        CudaBackend.rawValue(args, out.dtype(), value);
        cuda.launch("pad_b" + out.dtype().byteSize(), Cuda.blocksFor(out.numel(), Cuda.BLOCK), Cuda.BLOCK, args);
        release(table);
        return true;
    }

    /**
     * Pad's gradient (F32, gradIn contiguous): one pass per padded dim, each summing the output coordinates copied
     * from every input coordinate, through device intermediates — the CPU's passes in the CPU's order.
     */
    boolean padBackward(NDArray gradOut, int[] pads, PadMode mode, NDArray gradIn) {
        if (!CudaBackend.allF32(gradOut, gradIn) || !gradIn.isContiguous()) {
            return false;
        }
        int rank = gradIn.rank();
        if (gradIn.numel() == 0) {
            return true;
        }
        int last = -1;
        for (int d = 0; d < rank; d++) {
            if (padded(pads, rank, d)) {
                last = d;
            }
        }
        NDArray src = CudaBackend.contiguous(gradOut);
        if (last < 0) {
            backend.copy(src, gradIn);
            return true;
        }
        int[] in = gradIn.shape();
        int[] cur = src.shape();
        for (int d = 0; d <= last; d++) {
            if (!padded(pads, rank, d)) {
                continue;
            }
            int[][] csr = PadMode.preimages(mode.axisMap(in[d], before(pads, rank, d), cur[d]), in[d]);
            NDArray from = upload(csr[0]);
            NDArray list = upload(csr[1].length == 0 ? new int[1] : csr[1]);
            int[] next = cur.clone();
            next[d] = in[d];
            NDArray dst = d == last ? gradIn
                    : NDArray.of(backend.allocateForOutput(DType.F32, Arrays.stream(next).reduce(1, (a, b) -> a * b)),
                            next);
            int outer = Arrays.stream(cur, 0, d).reduce(1, (a, b) -> a * b);
            int inner = Arrays.stream(cur, d + 1, rank).reduce(1, (a, b) -> a * b);
            long n = (long) outer * in[d] * inner;
            if (n > 0) {
                cuda.launch("pad_bwd_axis_f32", Cuda.blocksFor(n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().i(outer)
                        .i(cur[d]).i(in[d]).i(inner).ptr(backend.addr(src)).ptr(backend.addr(dst))
                        .ptr(backend.addr(from)).ptr(backend.addr(list)));
            }
            if (src != gradOut && src.storage() != gradOut.storage()) {
                backend.recycle(src.storage());
            }
            release(from, list);
            src = dst;
            cur = next;
        }
        return true;
    }

    /** The padding before dim d of a rank-r array (F.pad lists the last dim's first). */
    private static int before(int[] pads, int rank, int d) {
        int k = rank - 1 - d;
        return 2 * k < pads.length ? pads[2 * k] : 0;
    }

    private static boolean padded(int[] pads, int rank, int d) {
        int k = rank - 1 - d;
        return 2 * k < pads.length && (pads[2 * k] != 0 || pads[2 * k + 1] != 0);
    }

    // ---- avg_pool2d ----------------------------------------------------------------------------------------------

    boolean avgPool2d(NDArray x, Pool2dSpec spec, NDArray out) {
        if (!CudaBackend.allF32(x, out) || !out.isContiguous()) {
            return false;
        }
        int planes = x.size(0) * x.size(1);
        long n = (long) planes * out.size(2) * out.size(3);
        if (n > 0) {
            cuda.launch("avg_pool2d_f32", Cuda.blocksFor(n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().i(planes)
                    .struct(geometry(spec, x, out)).ptr(backend.addr(CudaBackend.contiguous(x)))
                    .ptr(backend.addr(out)));
        }
        return true;
    }

    boolean avgPool2dBackward(NDArray gradOut, Pool2dSpec spec, NDArray gradIn) {
        if (!CudaBackend.allF32(gradOut, gradIn) || !gradIn.isContiguous()) {
            return false;
        }
        int planes = gradIn.size(0) * gradIn.size(1);
        long n = (long) planes * gradIn.size(2) * gradIn.size(3);
        if (n > 0) {
            cuda.launch("avg_pool2d_bwd_f32", Cuda.blocksFor(n, Cuda.BLOCK), Cuda.BLOCK, new Cuda.Args().i(planes)
                    .struct(geometry(spec, gradIn, gradOut)).ptr(backend.addr(CudaBackend.contiguous(gradOut)))
                    .ptr(backend.addr(gradIn)));
        }
        return true;
    }

    /** The kernels' struct Pool for input {@code x} [N,C,H,W] and output {@code y} [N,C,OH,OW]. */
    private static int[] geometry(Pool2dSpec p, NDArray x, NDArray y) {
        return new int[] {x.size(2), x.size(3), y.size(2), y.size(3), p.kernelH(), p.kernelW(), p.strideH(),
            p.strideW(), p.padH(), p.padW(), p.countIncludePad() ? 1 : 0, p.divisorOverride()};
    }

    // ---- tables --------------------------------------------------------------------------------------------------

    private NDArray upload(int[] table) {
        return NDArray.of(table, table.length).to(backend.device());
    }

    private NDArray upload(float[] table) {
        return NDArray.of(table, table.length).to(backend.device());
    }

    private void release(NDArray... tables) {
        for (NDArray t : tables) {
            if (t != null) {
                backend.recycle(t.storage());
            }
        }
    }
}
