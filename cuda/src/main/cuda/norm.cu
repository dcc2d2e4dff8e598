// LayerNorm and GroupNorm, forward and backward, with the statistics (mean, 1/sqrt(var+eps)) the CPU kernels keep.
#include "common.cuh"

__device__ __forceinline__ float sigm(float v) { return 1.f / (1.f + expf(-v)); }

// One warp per row of `cols` elements; w and b may be null.
extern "C" __global__ void layernorm_f32(int rows, int cols, const float* x, const float* w, const float* b, float eps,
                                         float* y, float* mean, float* rstd) {
    int lane = threadIdx.x & 31;
    int warps = (gridDim.x * blockDim.x) >> 5;
    for (int r = (blockIdx.x * blockDim.x + threadIdx.x) >> 5; r < rows; r += warps) {
        const float* xr = x + (long long)r * cols;
        float s = 0.f;
        for (int j = lane; j < cols; j += 32) s += xr[j];
        float mu = warpSum(s) / cols;
        float q = 0.f;
        for (int j = lane; j < cols; j += 32) { float d = xr[j] - mu; q += d * d; }
        float rs = 1.f / sqrtf(warpSum(q) / cols + eps);
        float* yr = y + (long long)r * cols;
        for (int j = lane; j < cols; j += 32) {
            float v = (xr[j] - mu) * rs;
            if (w) v *= w[j];
            if (b) v += b[j];
            yr[j] = v;
        }
        if (lane == 0) { mean[r] = mu; rstd[r] = rs; }
    }
}

// gradX of LayerNorm, one warp per row: dx = rstd·(g·w − x̂·mean(g·w·x̂) − mean(g·w)).
extern "C" __global__ void layernorm_bwd_x_f32(int rows, int cols, const float* x, const float* g, const float* mean,
                                               const float* rstd, const float* w, float* dx) {
    int lane = threadIdx.x & 31;
    int warps = (gridDim.x * blockDim.x) >> 5;
    for (int r = (blockIdx.x * blockDim.x + threadIdx.x) >> 5; r < rows; r += warps) {
        const float* xr = x + (long long)r * cols;
        const float* gr = g + (long long)r * cols;
        float mu = mean[r], rs = rstd[r];
        float s1 = 0.f, s2 = 0.f;
        for (int j = lane; j < cols; j += 32) {
            float gw = w ? gr[j] * w[j] : gr[j];
            s1 += gw * (xr[j] - mu) * rs;
            s2 += gw;
        }
        s1 = warpSum(s1) / cols;
        s2 = warpSum(s2) / cols;
        float* dr = dx + (long long)r * cols;
        for (int j = lane; j < cols; j += 32) {
            float gw = w ? gr[j] * w[j] : gr[j];
            dr[j] = rs * (gw - (xr[j] - mu) * rs * s1 - s2);
        }
    }
}

// gradWeight/gradBias of LayerNorm: column sums over rows. Block (32, 16): 32 columns, 16 row lanes, summed in
// shared memory in a fixed order. dw or db may be null.
extern "C" __global__ void layernorm_bwd_wb_f32(int rows, int cols, const float* x, const float* g, const float* mean,
                                                const float* rstd, float* dw, float* db) {
    __shared__ float sw[16][33], sb[16][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    float aw = 0.f, ab = 0.f;
    if (c < cols) {
        for (int r = threadIdx.y; r < rows; r += 16) {
            float gv = g[(long long)r * cols + c];
            aw += gv * (x[(long long)r * cols + c] - mean[r]) * rstd[r];
            ab += gv;
        }
    }
    sw[threadIdx.y][threadIdx.x] = aw;
    sb[threadIdx.y][threadIdx.x] = ab;
    __syncthreads();
    if (threadIdx.y == 0 && c < cols) {
        float tw = 0.f, tb = 0.f;
        for (int i = 0; i < 16; i++) { tw += sw[i][threadIdx.x]; tb += sb[i][threadIdx.x]; }
        if (dw) dw[c] = tw;
        if (db) db[c] = tb;
    }
}

// GroupNorm of x [N, C, S] in G groups, one block per (n, g); optionally SiLU of the result (fused).
extern "C" __global__ void groupnorm_f32(int N, int C, int S, int G, const float* x, const float* w, const float* b,
                                         float eps, int siluOut, float* y, float* mean, float* rstd) {
    __shared__ float red[32];
    int ng = blockIdx.x;
    int n = ng / G, grp = ng % G, cpg = C / G;
    long long cnt = (long long)cpg * S;
    long long base = ((long long)n * C + (long long)grp * cpg) * S;
    float s = 0.f;
    for (long long i = threadIdx.x; i < cnt; i += blockDim.x) s += x[base + i];
    float mu = blockSum(s, red) / cnt;
    float q = 0.f;
    for (long long i = threadIdx.x; i < cnt; i += blockDim.x) { float d = x[base + i] - mu; q += d * d; }
    float rs = 1.f / sqrtf(blockSum(q, red) / cnt + eps);
    for (long long i = threadIdx.x; i < cnt; i += blockDim.x) {
        int c = grp * cpg + (int)(i / S);
        float v = (x[base + i] - mu) * rs;
        if (w) v *= w[c];
        if (b) v += b[c];
        y[base + i] = siluOut ? v * sigm(v) : v;
    }
    if (threadIdx.x == 0) { mean[ng] = mu; rstd[ng] = rs; }
}

// The gradient reaching the norm's output: g itself, or through SiLU of the recomputed output.
__device__ __forceinline__ float normGrad(int silu, float g, float xhat, const float* w, const float* b, int c) {
    if (!silu) return g;
    float v = xhat * (w ? w[c] : 1.f) + (b ? b[c] : 0.f);
    float s = sigm(v);
    return g * s * (v * (1.f - s) + 1.f);
}

// gradX of GroupNorm (optionally through the fused SiLU), one block per (n, g).
extern "C" __global__ void groupnorm_bwd_x_f32(int N, int C, int S, int G, const float* x, const float* g,
                                               const float* mean, const float* rstd, const float* w, const float* b,
                                               int silu, float* dx) {
    __shared__ float red[32];
    int ng = blockIdx.x;
    int n = ng / G, grp = ng % G, cpg = C / G;
    long long cnt = (long long)cpg * S;
    long long base = ((long long)n * C + (long long)grp * cpg) * S;
    float mu = mean[ng], rs = rstd[ng];
    float s1 = 0.f, s2 = 0.f;
    for (long long i = threadIdx.x; i < cnt; i += blockDim.x) {
        int c = grp * cpg + (int)(i / S);
        float xh = (x[base + i] - mu) * rs;
        float gw = normGrad(silu, g[base + i], xh, w, b, c) * (w ? w[c] : 1.f);
        s1 += gw * xh;
        s2 += gw;
    }
    s1 = blockSum(s1, red) / cnt;
    s2 = blockSum(s2, red) / cnt;
    for (long long i = threadIdx.x; i < cnt; i += blockDim.x) {
        int c = grp * cpg + (int)(i / S);
        float xh = (x[base + i] - mu) * rs;
        float gw = normGrad(silu, g[base + i], xh, w, b, c) * (w ? w[c] : 1.f);
        dx[base + i] = rs * (gw - xh * s1 - s2);
    }
}

// gradWeight/gradBias [C] of GroupNorm, one block per channel over all n and positions.
extern "C" __global__ void groupnorm_bwd_wb_f32(int N, int C, int S, int G, const float* x, const float* g,
                                                const float* mean, const float* rstd, const float* w, const float* b,
                                                int silu, float* dw, float* db) {
    __shared__ float red[32];
    int c = blockIdx.x;
    int grp = c / (C / G);
    float aw = 0.f, ab = 0.f;
    for (long long i = threadIdx.x; i < (long long)N * S; i += blockDim.x) {
        int n = (int)(i / S);
        long long idx = ((long long)n * C + c) * S + (i % S);
        float xh = (x[idx] - mean[n * G + grp]) * rstd[n * G + grp];
        float gv = normGrad(silu, g[idx], xh, w, b, c);
        aw += gv * xh;
        ab += gv;
    }
    aw = blockSum(aw, red);
    ab = blockSum(ab, red);
    if (threadIdx.x == 0) {
        if (dw) dw[c] = aw;
        if (db) db[c] = ab;
    }
}
