// Resampling on the device: interpolation (the VAE's upsampling), F.pad in every mode and dtype and its gradient,
// avg_pool2d and its gradient, so that none of them round-trips through the host. Each follows the CPU kernel's
// order of operations with explicitly rounded adds and divides (no fused multiply-add), so the forwards equal the
// CPU's bit for bit, and so do the gradients except interpolation's, which adds with atomics.
#include "common.cuh"

// ---- interpolate: separable tap tables (index and weight per output row / column) computed by the CPU backend's
// own code and uploaded, so the index rules (PyTorch's nearest quirks, linear clamping, cubic borders) exist once.
// The weighted sums are evaluated in the CPU reference's order with explicit round-to-nearest multiplies and adds:
// no fused multiply-add, so results equal the CPU's bit for bit. A null weight table means one tap of weight 1.

__device__ __forceinline__ float rowTap(const float* row, const int* iw, const float* ww, int nw, int ox) {
    if (nw == 1) return row[iw[ox]];
    float s = __fmul_rn(row[iw[ox * nw]], ww[ox * nw]);
    for (int t = 1; t < nw; t++) s = __fadd_rn(s, __fmul_rn(row[iw[ox * nw + t]], ww[ox * nw + t]));
    return s;
}

// out[p, oy, ox] = Σ_j wh_j · (Σ_i ww_i · x[p, ih_j, iw_i]) over contiguous [planes, H, W] → [planes, OH, OW].
extern "C" __global__ void interpolate_f32(int planes, int H, int W, int OH, int OW, const float* x, float* out,
                                           const int* ih, const float* wh, int nh, const int* iw, const float* ww,
                                           int nw) {
    GRID_STRIDE(i, (long long) planes * OH * OW) {
        int ox = (int) (i % OW), oy = (int) ((i / OW) % OH);
        long long p = i / ((long long) OH * OW);
        const float* plane = x + p * H * W;
        float acc = 0.f;
        for (int j = 0; j < nh; j++) {
            float t = rowTap(plane + (long long) ih[oy * nh + j] * W, iw, ww, nw, ox);
            float v = nh == 1 ? t : __fmul_rn(t, wh[oy * nh + j]);
            acc = j == 0 ? v : __fadd_rn(acc, v);
        }
        out[i] = acc;
    }
}

// The adjoint: gx[p, ih_j, iw_i] += (g[p, oy, ox] · wh_j) · ww_i for every output element and tap (gx zeroed
// first). Atomic adds: sums agree with the CPU's to rounding.
extern "C" __global__ void interpolate_bwd_f32(int planes, int H, int W, int OH, int OW, const float* g, float* gx,
                                               const int* ih, const float* wh, int nh, const int* iw,
                                               const float* ww, int nw) {
    GRID_STRIDE(i, (long long) planes * OH * OW) {
        int ox = (int) (i % OW), oy = (int) ((i / OW) % OH);
        long long p = i / ((long long) OH * OW);
        float v = g[i];
        float* plane = gx + p * H * W;
        for (int j = 0; j < nh; j++) {
            float vh = nh == 1 ? v : __fmul_rn(v, wh[oy * nh + j]);
            float* row = plane + (long long) ih[oy * nh + j] * W;
            for (int t = 0; t < nw; t++) {
                atomicAdd(&row[iw[ox * nw + t]], nw == 1 ? vh : __fmul_rn(vh, ww[ox * nw + t]));
            }
        }
    }
}


// ---- pad: out (contiguous, shape d, never merged: each dim has its own map) from x (contiguous, strides xs).
// maps holds, for output dim r from maps[mo.s[r]] on, the input coordinate of each output coordinate or -1 for
// "the constant" (PadMode.axisMap, uploaded: the rules of the modes exist once). Elements move as raw words, so one
// kernel per width serves every dtype; value is the constant's bits.
template <typename T>
__device__ __forceinline__ void padBody(const Dims& d, const T* x, int xo, const Str& xs, const int* maps,
                                        const Str& mo, T* out, int oo, T value) {
    GRID_STRIDE(i, d.n) {
        Coord k = coords(i, d);
        int src = xo;
        bool inside = true;
        #pragma unroll
        for (int r = 0; r < MAXR; r++) {
            if (r < d.rank) {
                int j = maps[mo.s[r] + k.c[r]];
                inside = inside && j >= 0;
                src += j * xs.s[r];
            }
        }
        out[oo + i] = inside ? x[src] : value;
    }
}

#define PAD(NAME, T) \
extern "C" __global__ void NAME(Dims d, const T* x, int xo, Str xs, const int* maps, Str mo, T* out, int oo, \
                                T value) { padBody<T>(d, x, xo, xs, maps, mo, out, oo, value); }
PAD(pad_b1, unsigned char)
PAD(pad_b2, unsigned short)
PAD(pad_b4, unsigned int)
PAD(pad_b8, unsigned long long)

// One dim of pad's gradient, over a contiguous [outer, m, inner] source into [outer, n, inner]: dst[b, i, :] sums
// src[b, o, :] over the output coordinates o copied from input coordinate i (list[from[i] .. from[i+1]),
// ascending), 0 where there are none. The Java side runs one pass per padded dim, as the CPU does
// (ResampleBackwardKernels.padBackward), in the same order: the sums are the CPU's bit for bit.
extern "C" __global__ void pad_bwd_axis_f32(int outer, int m, int n, int inner, const float* src, float* dst,
                                            const int* from, const int* list) {
    GRID_STRIDE(e, (long long) outer * n * inner) {
        long long r = e % inner;
        long long bi = e / inner;
        int i = (int) (bi % n);
        const float* s = src + (bi / n) * m * inner + r;
        int q0 = from[i], q1 = from[i + 1];
        float acc = 0.f;
        if (q0 < q1) {
            acc = s[(long long) list[q0] * inner];
            for (int q = q0 + 1; q < q1; q++) acc = __fadd_rn(acc, s[(long long) list[q] * inner]);
        }
        dst[e] = acc;
    }
}

// ---- avg_pool2d over contiguous [planes, H, W] and [planes, OH, OW]: Pool2dSpec's geometry.
struct Pool { int H, W, OH, OW, kH, kW, sH, sW, pH, pW, includePad, divisorOverride; };

// The window of output (oy, ox) clipped to the input, [y0, y1) x [x0, x1), and its divisor: the CPU's rules
// (ResampleKernels.avgPool2d; the unclipped size counts the padding but not a ceil-mode overhang).
__device__ __forceinline__ int poolWindow(const Pool& p, int oy, int ox, int& y0, int& y1, int& x0, int& x1) {
    y0 = oy * p.sH - p.pH;
    y1 = min(y0 + p.kH, p.H + p.pH);
    int padded = y1 - y0;
    x0 = ox * p.sW - p.pW;
    x1 = min(x0 + p.kW, p.W + p.pW);
    int poolSize = padded * (x1 - x0);
    y0 = max(y0, 0);
    y1 = min(y1, p.H);
    x0 = max(x0, 0);
    x1 = min(x1, p.W);
    return p.divisorOverride != 0 ? p.divisorOverride : p.includePad ? poolSize : (y1 - y0) * (x1 - x0);
}

// Each output sums its window row by row from 0 and divides once, as the CPU does.
extern "C" __global__ void avg_pool2d_f32(int planes, Pool p, const float* x, float* out) {
    GRID_STRIDE(i, (long long) planes * p.OH * p.OW) {
        int ox = (int) (i % p.OW), oy = (int) ((i / p.OW) % p.OH);
        const float* plane = x + (i / ((long long) p.OH * p.OW)) * p.H * p.W;
        int y0, y1, x0, x1;
        int divisor = poolWindow(p, oy, ox, y0, y1, x0, x1);
        float sum = 0.f;
        if (y0 < y1 && x0 < x1) {
            for (int iy = y0; iy < y1; iy++) {
                for (int ix = x0; ix < x1; ix++) sum = __fadd_rn(sum, plane[iy * p.W + ix]);
            }
            sum = __fdiv_rn(sum, (float) divisor);
        }
        out[i] = sum;
    }
}

// The gradient as a gather: each input element adds g / divisor of the windows that cover it, in the order the
// CPU's scatter reaches it (windows by row, then column), so the sums are the CPU's bit for bit without atomics.
extern "C" __global__ void avg_pool2d_bwd_f32(int planes, Pool p, const float* g, float* gx) {
    GRID_STRIDE(i, (long long) planes * p.H * p.W) {
        int ix = (int) (i % p.W), iy = (int) ((i / p.W) % p.H);
        const float* gp = g + (i / ((long long) p.H * p.W)) * p.OH * p.OW;
        // Windows covering iy: oy * sH - pH <= iy < oy * sH - pH + kH.
        int lo = iy + p.pH - p.kH + 1;
        int oy0 = lo <= 0 ? 0 : (lo + p.sH - 1) / p.sH;
        int oy1 = min(p.OH - 1, (iy + p.pH) / p.sH);
        lo = ix + p.pW - p.kW + 1;
        int ox0 = lo <= 0 ? 0 : (lo + p.sW - 1) / p.sW;
        int ox1 = min(p.OW - 1, (ix + p.pW) / p.sW);
        float acc = 0.f;
        for (int oy = oy0; oy <= oy1; oy++) {
            for (int ox = ox0; ox <= ox1; ox++) {
                int y0, y1, x0, x1;
                int divisor = poolWindow(p, oy, ox, y0, y1, x0, x1);
                acc = __fadd_rn(acc, __fdiv_rn(gp[oy * p.OW + ox], (float) divisor));
            }
        }
        gx[i] = acc;
    }
}
