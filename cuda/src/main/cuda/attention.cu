// Fused scaled-dot-product attention, forward and backward, without the T×T score matrix: one warp per query row
// keeps a running max and sum (online softmax) over the keys, each lane owning D/32 of the head dims. The backward
// recomputes the probabilities from the saved log-sum-exp: one pass per query row for dQ, one per key row for dK and
// dV, so every gradient element is summed by one warp in a fixed order (no atomics, deterministic).
#include "common.cuh"

#define MAXD 256
#define PER (MAXD / 32)

// Strides of q/k/v-like arrays [B, H, rows, D]: (batch, head, row); the last stride is 1.
struct Att { int b, h, r; };

extern "C" __global__ void attention_fwd_f32(int B, int H, int Nq, int Nk, int D, int Dv, float scale,
                                             const float* q, int qo, Att qs, const float* k, int ko, Att ks,
                                             const float* v, int vo, Att vs, float* out, float* lse) {
    int lane = threadIdx.x & 31;
    long long rows = (long long)B * H * Nq;
    long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long r = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; r < rows; r += warps) {
        int i = (int)(r % Nq);
        int bh = (int)(r / Nq);
        int bb = bh / H, hh = bh % H;
        const float* qr = q + qo + (long long)bb * qs.b + (long long)hh * qs.h + (long long)i * qs.r;
        const float* kb = k + ko + (long long)bb * ks.b + (long long)hh * ks.h;
        const float* vb = v + vo + (long long)bb * vs.b + (long long)hh * vs.h;
        float qv[PER], acc[PER];
        #pragma unroll
        for (int t = 0; t < PER; t++) { int d = lane + 32 * t; qv[t] = d < D ? qr[d] * scale : 0.f; acc[t] = 0.f; }
        float m = __int_as_float(0xff800000), l = 0.f;
        for (int j = 0; j < Nk; j++) {
            const float* kr = kb + (long long)j * ks.r;
            float s = 0.f;
            #pragma unroll
            for (int t = 0; t < PER; t++) { int d = lane + 32 * t; if (d < D) s += qv[t] * kr[d]; }
            s = warpSum(s);
            float mn = fmaxf(m, s);
            float corr = expf(m - mn);
            float p = expf(s - mn);
            l = l * corr + p;
            const float* vr = vb + (long long)j * vs.r;
            #pragma unroll
            for (int t = 0; t < PER; t++) { int d = lane + 32 * t; if (d < Dv) acc[t] = acc[t] * corr + p * vr[d]; }
            m = mn;
        }
        float* orow = out + r * Dv;
        float inv = l > 0.f ? 1.f / l : 0.f;
        #pragma unroll
        for (int t = 0; t < PER; t++) { int d = lane + 32 * t; if (d < Dv) orow[d] = acc[t] * inv; }
        if (lane == 0) lse[r] = Nk == 0 ? __int_as_float(0xff800000) : m + logf(l);
    }
}

// dQ (when dq is not null) and delta_i = dO_i · O_i (always, for the key pass), one warp per query row.
extern "C" __global__ void attention_bwd_q_f32(int B, int H, int Nq, int Nk, int D, int Dv, float scale,
                                               const float* q, int qo, Att qs, const float* k, int ko, Att ks,
                                               const float* v, int vo, Att vs, const float* o, const float* go,
                                               int goo, Att gos, const float* lse, float* delta, float* dq) {
    int lane = threadIdx.x & 31;
    long long rows = (long long)B * H * Nq;
    long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long r = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; r < rows; r += warps) {
        int i = (int)(r % Nq);
        int bh = (int)(r / Nq);
        int bb = bh / H, hh = bh % H;
        const float* qr = q + qo + (long long)bb * qs.b + (long long)hh * qs.h + (long long)i * qs.r;
        const float* gr = go + goo + (long long)bb * gos.b + (long long)hh * gos.h + (long long)i * gos.r;
        const float* orow = o + r * Dv;
        const float* kb = k + ko + (long long)bb * ks.b + (long long)hh * ks.h;
        const float* vb = v + vo + (long long)bb * vs.b + (long long)hh * vs.h;
        float qv[PER], gv[PER], acc[PER];
        float dl = 0.f;
        #pragma unroll
        for (int t = 0; t < PER; t++) {
            int d = lane + 32 * t;
            qv[t] = d < D ? qr[d] * scale : 0.f;
            gv[t] = d < Dv ? gr[d] : 0.f;
            if (d < Dv) dl += gv[t] * orow[d];
            acc[t] = 0.f;
        }
        dl = warpSum(dl);
        if (lane == 0) delta[r] = dl;
        if (dq == nullptr) continue;
        float L = lse[r];
        for (int j = 0; j < Nk; j++) {
            const float* kr = kb + (long long)j * ks.r;
            const float* vr = vb + (long long)j * vs.r;
            float s = 0.f, dp = 0.f;
            #pragma unroll
            for (int t = 0; t < PER; t++) {
                int d = lane + 32 * t;
                if (d < D) s += qv[t] * kr[d];
                if (d < Dv) dp += gv[t] * vr[d];
            }
            s = warpSum(s);
            dp = warpSum(dp);
            float ds = expf(s - L) * (dp - dl) * scale;
            #pragma unroll
            for (int t = 0; t < PER; t++) { int d = lane + 32 * t; if (d < D) acc[t] += ds * kr[d]; }
        }
        float* dr = dq + r * D;
        #pragma unroll
        for (int t = 0; t < PER; t++) { int d = lane + 32 * t; if (d < D) dr[d] = acc[t]; }
    }
}

// dK and dV (either may be null), one warp per key row, from delta of the query pass.
extern "C" __global__ void attention_bwd_kv_f32(int B, int H, int Nq, int Nk, int D, int Dv, float scale,
                                                const float* q, int qo, Att qs, const float* k, int ko, Att ks,
                                                const float* v, int vo, Att vs, const float* go, int goo, Att gos,
                                                const float* lse, const float* delta, float* dk, float* dv) {
    int lane = threadIdx.x & 31;
    long long rows = (long long)B * H * Nk;
    long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long r = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; r < rows; r += warps) {
        int j = (int)(r % Nk);
        int bh = (int)(r / Nk);
        int bb = bh / H, hh = bh % H;
        const float* kr = k + ko + (long long)bb * ks.b + (long long)hh * ks.h + (long long)j * ks.r;
        const float* vr = v + vo + (long long)bb * vs.b + (long long)hh * vs.h + (long long)j * vs.r;
        const float* qb = q + qo + (long long)bb * qs.b + (long long)hh * qs.h;
        const float* gb = go + goo + (long long)bb * gos.b + (long long)hh * gos.h;
        float kv[PER], vv[PER], ak[PER], av[PER];
        #pragma unroll
        for (int t = 0; t < PER; t++) {
            int d = lane + 32 * t;
            kv[t] = d < D ? kr[d] : 0.f;
            vv[t] = d < Dv ? vr[d] : 0.f;
            ak[t] = 0.f;
            av[t] = 0.f;
        }
        long long qrow0 = (long long)bh * Nq;
        for (int i = 0; i < Nq; i++) {
            const float* qr = qb + (long long)i * qs.r;
            const float* gr = gb + (long long)i * gos.r;
            float s = 0.f, dp = 0.f;
            #pragma unroll
            for (int t = 0; t < PER; t++) {
                int d = lane + 32 * t;
                if (d < D) s += qr[d] * kv[t];
                if (d < Dv) dp += gr[d] * vv[t];
            }
            s = warpSum(s) * scale;
            dp = warpSum(dp);
            float p = expf(s - lse[qrow0 + i]);
            float ds = p * (dp - delta[qrow0 + i]) * scale;
            #pragma unroll
            for (int t = 0; t < PER; t++) {
                int d = lane + 32 * t;
                if (d < D) ak[t] += ds * qr[d];
                if (d < Dv) av[t] += p * gr[d];
            }
        }
        #pragma unroll
        for (int t = 0; t < PER; t++) {
            int d = lane + 32 * t;
            if (dk && d < D) dk[r * D + d] = ak[t];
            if (dv && d < Dv) dv[r * Dv + d] = av[t];
        }
    }
}

// ---- tiled kernels for head dims 32 and 64 (the transformers here): a block stages tiles of Q, K and V in shared
// memory and each thread owns a 2×4 (forward) or 1×4 (backward) patch of the score tile and D/8 output columns,
// interleaved (column c + 8e) so that the eight threads of a row read distinct banks. The eight threads of a row are
// consecutive lanes of one warp: row maxima and sums need three shuffles, and the P tile they share needs no block
// barrier. Same arithmetic as the warp kernels above, in a different order.

#define TB 256

template <int D>
__device__ __forceinline__ void attFwdTiled(int H, int Nq, int Nk, float scale, const float* q, int qo, Att qs,
                                            const float* k, int ko, Att ks, const float* v, int vo, Att vs,
                                            float* out, float* lse) {
    constexpr int BM = 64, BN = 32, DC = D / 8;
    __shared__ float Qs[BM][D + 1];
    __shared__ float Ks[BN][D + 1];
    __shared__ float Vs[BN][D];
    __shared__ float Ps[BM][BN + 1];
    int tid = threadIdx.x, r = tid >> 3, c = tid & 7;
    int bh = blockIdx.y, bb = bh / H, hh = bh % H;
    int row0 = blockIdx.x * BM;
    const float* qb = q + qo + (long long)bb * qs.b + (long long)hh * qs.h;
    const float* kb = k + ko + (long long)bb * ks.b + (long long)hh * ks.h;
    const float* vb = v + vo + (long long)bb * vs.b + (long long)hh * vs.h;
    for (int idx = tid; idx < BM * D; idx += TB) {
        int i = idx / D, d = idx % D;
        Qs[i][d] = row0 + i < Nq ? qb[(long long)(row0 + i) * qs.r + d] * scale : 0.f;
    }
    float m0 = __int_as_float(0xff800000), m1 = m0, l0 = 0.f, l1 = 0.f;
    float a0[DC], a1[DC];
    #pragma unroll
    for (int e = 0; e < DC; e++) { a0[e] = 0.f; a1[e] = 0.f; }
    for (int kt = 0; kt < Nk; kt += BN) {
        __syncthreads();
        for (int idx = tid; idx < BN * D; idx += TB) {
            int j = idx / D, d = idx % D;
            bool in = kt + j < Nk;
            Ks[j][d] = in ? kb[(long long)(kt + j) * ks.r + d] : 0.f;
            Vs[j][d] = in ? vb[(long long)(kt + j) * vs.r + d] : 0.f;
        }
        __syncthreads();
        float s0[4] = {0.f, 0.f, 0.f, 0.f}, s1[4] = {0.f, 0.f, 0.f, 0.f};
        #pragma unroll 8
        for (int d = 0; d < D; d++) {
            float q0 = Qs[2 * r][d], q1 = Qs[2 * r + 1][d];
            #pragma unroll
            for (int x = 0; x < 4; x++) { float kk = Ks[c + 8 * x][d]; s0[x] += q0 * kk; s1[x] += q1 * kk; }
        }
        float t0 = __int_as_float(0xff800000), t1 = t0;
        #pragma unroll
        for (int x = 0; x < 4; x++) {
            if (kt + c + 8 * x >= Nk) { s0[x] = __int_as_float(0xff800000); s1[x] = s0[x]; }
            t0 = fmaxf(t0, s0[x]);
            t1 = fmaxf(t1, s1[x]);
        }
        for (int o = 1; o < 8; o <<= 1) {
            t0 = fmaxf(t0, __shfl_xor_sync(0xffffffffu, t0, o));
            t1 = fmaxf(t1, __shfl_xor_sync(0xffffffffu, t1, o));
        }
        float n0 = fmaxf(m0, t0), n1 = fmaxf(m1, t1);
        float c0 = expf(m0 - n0), c1 = expf(m1 - n1);
        float p0s = 0.f, p1s = 0.f;
        #pragma unroll
        for (int x = 0; x < 4; x++) {
            float p0 = expf(s0[x] - n0), p1 = expf(s1[x] - n1);
            Ps[2 * r][c + 8 * x] = p0;
            Ps[2 * r + 1][c + 8 * x] = p1;
            p0s += p0;
            p1s += p1;
        }
        for (int o = 1; o < 8; o <<= 1) {
            p0s += __shfl_xor_sync(0xffffffffu, p0s, o);
            p1s += __shfl_xor_sync(0xffffffffu, p1s, o);
        }
        l0 = l0 * c0 + p0s;
        l1 = l1 * c1 + p1s;
        m0 = n0;
        m1 = n1;
        #pragma unroll
        for (int e = 0; e < DC; e++) { a0[e] *= c0; a1[e] *= c1; }
        __syncwarp();
        #pragma unroll 4
        for (int j = 0; j < BN; j++) {
            float p0 = Ps[2 * r][j], p1 = Ps[2 * r + 1][j];
            #pragma unroll
            for (int e = 0; e < DC; e++) { float vv = Vs[j][c + 8 * e]; a0[e] += p0 * vv; a1[e] += p1 * vv; }
        }
    }
    long long rowBase = (long long)bh * Nq + row0;
    #pragma unroll
    for (int h = 0; h < 2; h++) {
        int i = 2 * r + h;
        if (row0 + i >= Nq) continue;
        float l = h ? l1 : l0, m = h ? m1 : m0;
        float inv = l > 0.f ? 1.f / l : 0.f;
        float* orow = out + (rowBase + i) * D;
        #pragma unroll
        for (int e = 0; e < DC; e++) orow[c + 8 * e] = (h ? a1[e] : a0[e]) * inv;
        if (c == 0) lse[rowBase + i] = Nk == 0 ? __int_as_float(0xff800000) : m + logf(l);
    }
}

// dQ, one block per 32 query rows of one (batch, head); delta from attention_bwd_q_f32 (run with dq = null).
template <int D>
__device__ __forceinline__ void attBwdQTiled(int H, int Nq, int Nk, float scale, const float* q, int qo, Att qs,
                                             const float* k, int ko, Att ks, const float* v, int vo, Att vs,
                                             const float* go, int goo, Att gos, const float* lse,
                                             const float* delta, float* dq) {
    constexpr int BM = 32, BN = 32, DC = D / 8;
    __shared__ float Qs[BM][D + 1];
    __shared__ float Gs[BM][D + 1];
    __shared__ float Ks[BN][D + 1];
    __shared__ float Vs[BN][D + 1];
    __shared__ float Ss[BM][BN + 1];
    int tid = threadIdx.x, r = tid >> 3, c = tid & 7;
    int bh = blockIdx.y, bb = bh / H, hh = bh % H;
    int row0 = blockIdx.x * BM;
    const float* qb = q + qo + (long long)bb * qs.b + (long long)hh * qs.h;
    const float* gb = go + goo + (long long)bb * gos.b + (long long)hh * gos.h;
    const float* kb = k + ko + (long long)bb * ks.b + (long long)hh * ks.h;
    const float* vb = v + vo + (long long)bb * vs.b + (long long)hh * vs.h;
    for (int idx = tid; idx < BM * D; idx += TB) {
        int i = idx / D, d = idx % D;
        bool in = row0 + i < Nq;
        Qs[i][d] = in ? qb[(long long)(row0 + i) * qs.r + d] : 0.f;
        Gs[i][d] = in ? gb[(long long)(row0 + i) * gos.r + d] : 0.f;
    }
    long long rowIdx = (long long)bh * Nq + row0 + r;
    bool rowIn = row0 + r < Nq;
    float L = rowIn ? lse[rowIdx] : 0.f, Dl = rowIn ? delta[rowIdx] : 0.f;
    float acc[DC];
    #pragma unroll
    for (int e = 0; e < DC; e++) acc[e] = 0.f;
    for (int kt = 0; kt < Nk; kt += BN) {
        __syncthreads();
        for (int idx = tid; idx < BN * D; idx += TB) {
            int j = idx / D, d = idx % D;
            bool in = kt + j < Nk;
            Ks[j][d] = in ? kb[(long long)(kt + j) * ks.r + d] : 0.f;
            Vs[j][d] = in ? vb[(long long)(kt + j) * vs.r + d] : 0.f;
        }
        __syncthreads();
        float s[4] = {0.f, 0.f, 0.f, 0.f}, dp[4] = {0.f, 0.f, 0.f, 0.f};
        #pragma unroll 8
        for (int d = 0; d < D; d++) {
            float qq = Qs[r][d], gg = Gs[r][d];
            #pragma unroll
            for (int x = 0; x < 4; x++) { s[x] += qq * Ks[c + 8 * x][d]; dp[x] += gg * Vs[c + 8 * x][d]; }
        }
        #pragma unroll
        for (int x = 0; x < 4; x++) {
            bool in = rowIn && kt + c + 8 * x < Nk;
            float p = in ? expf(s[x] * scale - L) : 0.f;
            Ss[r][c + 8 * x] = p * (dp[x] - Dl) * scale;
        }
        __syncwarp();
        #pragma unroll 4
        for (int j = 0; j < BN; j++) {
            float ds = Ss[r][j];
            #pragma unroll
            for (int e = 0; e < DC; e++) acc[e] += ds * Ks[j][c + 8 * e];
        }
    }
    if (rowIn) {
        float* dr = dq + rowIdx * D;
        #pragma unroll
        for (int e = 0; e < DC; e++) dr[c + 8 * e] = acc[e];
    }
}

// dK and dV (either may be null), one block per 32 key rows of one (batch, head), looping over query tiles.
template <int D>
__device__ __forceinline__ void attBwdKVTiled(int H, int Nq, int Nk, float scale, const float* q, int qo, Att qs,
                                              const float* k, int ko, Att ks, const float* v, int vo, Att vs,
                                              const float* go, int goo, Att gos, const float* lse,
                                              const float* delta, float* dk, float* dv) {
    constexpr int BM = 32, BN = 32, DC = D / 8;
    __shared__ float Ks[BN][D + 1];
    __shared__ float Vs[BN][D + 1];
    __shared__ float Qs[BM][D + 1];
    __shared__ float Gs[BM][D + 1];
    __shared__ float Ps[BN][BM + 1];
    __shared__ float Ss[BN][BM + 1];
    __shared__ float Ls[BM], Dls[BM];
    int tid = threadIdx.x, r = tid >> 3, c = tid & 7;
    int bh = blockIdx.y, bb = bh / H, hh = bh % H;
    int key0 = blockIdx.x * BN;
    const float* qb = q + qo + (long long)bb * qs.b + (long long)hh * qs.h;
    const float* gb = go + goo + (long long)bb * gos.b + (long long)hh * gos.h;
    const float* kb = k + ko + (long long)bb * ks.b + (long long)hh * ks.h;
    const float* vb = v + vo + (long long)bb * vs.b + (long long)hh * vs.h;
    for (int idx = tid; idx < BN * D; idx += TB) {
        int j = idx / D, d = idx % D;
        bool in = key0 + j < Nk;
        Ks[j][d] = in ? kb[(long long)(key0 + j) * ks.r + d] : 0.f;
        Vs[j][d] = in ? vb[(long long)(key0 + j) * vs.r + d] : 0.f;
    }
    float ak[DC], av[DC];
    #pragma unroll
    for (int e = 0; e < DC; e++) { ak[e] = 0.f; av[e] = 0.f; }
    long long qrow0 = (long long)bh * Nq;
    for (int qt = 0; qt < Nq; qt += BM) {
        __syncthreads();
        for (int idx = tid; idx < BM * D; idx += TB) {
            int i = idx / D, d = idx % D;
            bool in = qt + i < Nq;
            Qs[i][d] = in ? qb[(long long)(qt + i) * qs.r + d] : 0.f;
            Gs[i][d] = in ? gb[(long long)(qt + i) * gos.r + d] : 0.f;
        }
        if (tid < BM) {
            bool in = qt + tid < Nq;
            Ls[tid] = in ? lse[qrow0 + qt + tid] : 0.f;
            Dls[tid] = in ? delta[qrow0 + qt + tid] : 0.f;
        }
        __syncthreads();
        float s[4] = {0.f, 0.f, 0.f, 0.f}, dp[4] = {0.f, 0.f, 0.f, 0.f};
        #pragma unroll 8
        for (int d = 0; d < D; d++) {
            float kk = Ks[r][d], vv = Vs[r][d];
            #pragma unroll
            for (int x = 0; x < 4; x++) { s[x] += kk * Qs[c + 8 * x][d]; dp[x] += vv * Gs[c + 8 * x][d]; }
        }
        #pragma unroll
        for (int x = 0; x < 4; x++) {
            int i = c + 8 * x;
            bool in = qt + i < Nq && key0 + r < Nk;
            float p = in ? expf(s[x] * scale - Ls[i]) : 0.f;
            Ps[r][i] = p;
            Ss[r][i] = p * (dp[x] - Dls[i]) * scale;
        }
        __syncwarp();
        #pragma unroll 4
        for (int i = 0; i < BM; i++) {
            float p = Ps[r][i], ds = Ss[r][i];
            #pragma unroll
            for (int e = 0; e < DC; e++) { av[e] += p * Gs[i][c + 8 * e]; ak[e] += ds * Qs[i][c + 8 * e]; }
        }
    }
    if (key0 + r < Nk) {
        long long row = (long long)bh * Nk + key0 + r;
        #pragma unroll
        for (int e = 0; e < DC; e++) {
            if (dk) dk[row * D + c + 8 * e] = ak[e];
            if (dv) dv[row * D + c + 8 * e] = av[e];
        }
    }
}

// ---- the backward with two rows per thread: 128 threads, each owning a 2×4 patch of the score tile (two query
// rows for dQ, two key rows for dK/dV) and D/8 columns of two gradient rows. Same tiles and shared memory as the
// kernels above, but every value read from shared memory feeds twice the multiply-adds: those kernels are bound by
// shared-memory loads (ten loads per eight multiply-adds in the score loop), these do twelve per sixteen.

#define TB2 128

template <int D>
__device__ __forceinline__ void attBwdQTiled2(int H, int Nq, int Nk, float scale, const float* q, int qo, Att qs,
                                              const float* k, int ko, Att ks, const float* v, int vo, Att vs,
                                              const float* go, int goo, Att gos, const float* lse,
                                              const float* delta, float* dq) {
    constexpr int BM = 32, BN = 32, DC = D / 8;
    __shared__ float Qs[BM][D + 1];
    __shared__ float Gs[BM][D + 1];
    __shared__ float Ks[BN][D + 1];
    __shared__ float Vs[BN][D + 1];
    __shared__ float Ss[BM][BN + 1];
    int tid = threadIdx.x, r0 = 2 * (tid >> 3), r1 = r0 + 1, c = tid & 7;
    int bh = blockIdx.y, bb = bh / H, hh = bh % H;
    int row0 = blockIdx.x * BM;
    const float* qb = q + qo + (long long)bb * qs.b + (long long)hh * qs.h;
    const float* gb = go + goo + (long long)bb * gos.b + (long long)hh * gos.h;
    const float* kb = k + ko + (long long)bb * ks.b + (long long)hh * ks.h;
    const float* vb = v + vo + (long long)bb * vs.b + (long long)hh * vs.h;
    for (int idx = tid; idx < BM * D; idx += TB2) {
        int i = idx / D, d = idx % D;
        bool in = row0 + i < Nq;
        Qs[i][d] = in ? qb[(long long)(row0 + i) * qs.r + d] : 0.f;
        Gs[i][d] = in ? gb[(long long)(row0 + i) * gos.r + d] : 0.f;
    }
    long long rowIdx = (long long)bh * Nq + row0 + r0;
    bool in0 = row0 + r0 < Nq, in1 = row0 + r1 < Nq;
    float L0 = in0 ? lse[rowIdx] : 0.f, D0 = in0 ? delta[rowIdx] : 0.f;
    float L1 = in1 ? lse[rowIdx + 1] : 0.f, D1 = in1 ? delta[rowIdx + 1] : 0.f;
    float a0[DC], a1[DC];
    #pragma unroll
    for (int e = 0; e < DC; e++) { a0[e] = 0.f; a1[e] = 0.f; }
    for (int kt = 0; kt < Nk; kt += BN) {
        __syncthreads();
        for (int idx = tid; idx < BN * D; idx += TB2) {
            int j = idx / D, d = idx % D;
            bool in = kt + j < Nk;
            Ks[j][d] = in ? kb[(long long)(kt + j) * ks.r + d] : 0.f;
            Vs[j][d] = in ? vb[(long long)(kt + j) * vs.r + d] : 0.f;
        }
        __syncthreads();
        float s0[4] = {0.f, 0.f, 0.f, 0.f}, s1[4] = {0.f, 0.f, 0.f, 0.f};
        float p0[4] = {0.f, 0.f, 0.f, 0.f}, p1[4] = {0.f, 0.f, 0.f, 0.f};
        #pragma unroll 4
        for (int d = 0; d < D; d++) {
            float q0 = Qs[r0][d], q1 = Qs[r1][d], g0 = Gs[r0][d], g1 = Gs[r1][d];
            #pragma unroll
            for (int x = 0; x < 4; x++) {
                float kk = Ks[c + 8 * x][d], vv = Vs[c + 8 * x][d];
                s0[x] += q0 * kk; s1[x] += q1 * kk; p0[x] += g0 * vv; p1[x] += g1 * vv;
            }
        }
        #pragma unroll
        for (int x = 0; x < 4; x++) {
            bool key = kt + c + 8 * x < Nk;
            float e0 = in0 && key ? expf(s0[x] * scale - L0) : 0.f;
            float e1 = in1 && key ? expf(s1[x] * scale - L1) : 0.f;
            Ss[r0][c + 8 * x] = e0 * (p0[x] - D0) * scale;
            Ss[r1][c + 8 * x] = e1 * (p1[x] - D1) * scale;
        }
        __syncwarp();  // a row pair's eight threads are lanes of one warp
        #pragma unroll 4
        for (int j = 0; j < BN; j++) {
            float d0 = Ss[r0][j], d1 = Ss[r1][j];
            #pragma unroll
            for (int e = 0; e < DC; e++) { float kk = Ks[j][c + 8 * e]; a0[e] += d0 * kk; a1[e] += d1 * kk; }
        }
    }
    #pragma unroll
    for (int e = 0; e < DC; e++) {
        if (in0) dq[rowIdx * D + c + 8 * e] = a0[e];
        if (in1) dq[(rowIdx + 1) * D + c + 8 * e] = a1[e];
    }
}

template <int D>
__device__ __forceinline__ void attBwdKVTiled2(int H, int Nq, int Nk, float scale, const float* q, int qo, Att qs,
                                               const float* k, int ko, Att ks, const float* v, int vo, Att vs,
                                               const float* go, int goo, Att gos, const float* lse,
                                               const float* delta, float* dk, float* dv) {
    constexpr int BM = 32, BN = 32, DC = D / 8;
    __shared__ float Ks[BN][D + 1];
    __shared__ float Vs[BN][D + 1];
    __shared__ float Qs[BM][D + 1];
    __shared__ float Gs[BM][D + 1];
    __shared__ float Ps[BN][BM + 1];
    __shared__ float Ss[BN][BM + 1];
    __shared__ float Ls[BM], Dls[BM];
    int tid = threadIdx.x, j0 = 2 * (tid >> 3), j1 = j0 + 1, c = tid & 7;
    int bh = blockIdx.y, bb = bh / H, hh = bh % H;
    int key0 = blockIdx.x * BN;
    const float* qb = q + qo + (long long)bb * qs.b + (long long)hh * qs.h;
    const float* gb = go + goo + (long long)bb * gos.b + (long long)hh * gos.h;
    const float* kb = k + ko + (long long)bb * ks.b + (long long)hh * ks.h;
    const float* vb = v + vo + (long long)bb * vs.b + (long long)hh * vs.h;
    for (int idx = tid; idx < BN * D; idx += TB2) {
        int j = idx / D, d = idx % D;
        bool in = key0 + j < Nk;
        Ks[j][d] = in ? kb[(long long)(key0 + j) * ks.r + d] : 0.f;
        Vs[j][d] = in ? vb[(long long)(key0 + j) * vs.r + d] : 0.f;
    }
    bool in0 = key0 + j0 < Nk, in1 = key0 + j1 < Nk;
    float k0a[DC], k1a[DC], v0a[DC], v1a[DC];
    #pragma unroll
    for (int e = 0; e < DC; e++) { k0a[e] = 0.f; k1a[e] = 0.f; v0a[e] = 0.f; v1a[e] = 0.f; }
    long long qrow0 = (long long)bh * Nq;
    for (int qt = 0; qt < Nq; qt += BM) {
        __syncthreads();
        for (int idx = tid; idx < BM * D; idx += TB2) {
            int i = idx / D, d = idx % D;
            bool in = qt + i < Nq;
            Qs[i][d] = in ? qb[(long long)(qt + i) * qs.r + d] : 0.f;
            Gs[i][d] = in ? gb[(long long)(qt + i) * gos.r + d] : 0.f;
        }
        if (tid < BM) {
            bool in = qt + tid < Nq;
            Ls[tid] = in ? lse[qrow0 + qt + tid] : 0.f;
            Dls[tid] = in ? delta[qrow0 + qt + tid] : 0.f;
        }
        __syncthreads();
        float s0[4] = {0.f, 0.f, 0.f, 0.f}, s1[4] = {0.f, 0.f, 0.f, 0.f};
        float p0[4] = {0.f, 0.f, 0.f, 0.f}, p1[4] = {0.f, 0.f, 0.f, 0.f};
        #pragma unroll 4
        for (int d = 0; d < D; d++) {
            float ka = Ks[j0][d], kb2 = Ks[j1][d], va = Vs[j0][d], vb2 = Vs[j1][d];
            #pragma unroll
            for (int x = 0; x < 4; x++) {
                float qq = Qs[c + 8 * x][d], gg = Gs[c + 8 * x][d];
                s0[x] += ka * qq; s1[x] += kb2 * qq; p0[x] += va * gg; p1[x] += vb2 * gg;
            }
        }
        #pragma unroll
        for (int x = 0; x < 4; x++) {
            int i = c + 8 * x;
            bool query = qt + i < Nq;
            float e0 = query && in0 ? expf(s0[x] * scale - Ls[i]) : 0.f;
            float e1 = query && in1 ? expf(s1[x] * scale - Ls[i]) : 0.f;
            Ps[j0][i] = e0;
            Ps[j1][i] = e1;
            Ss[j0][i] = e0 * (p0[x] - Dls[i]) * scale;
            Ss[j1][i] = e1 * (p1[x] - Dls[i]) * scale;
        }
        __syncwarp();
        #pragma unroll 4
        for (int i = 0; i < BM; i++) {
            float pa = Ps[j0][i], pb = Ps[j1][i], da = Ss[j0][i], db = Ss[j1][i];
            #pragma unroll
            for (int e = 0; e < DC; e++) {
                float gg = Gs[i][c + 8 * e], qq = Qs[i][c + 8 * e];
                v0a[e] += pa * gg; v1a[e] += pb * gg; k0a[e] += da * qq; k1a[e] += db * qq;
            }
        }
    }
    long long row = (long long)bh * Nk + key0 + j0;
    #pragma unroll
    for (int e = 0; e < DC; e++) {
        int col = c + 8 * e;
        if (in0 && dk) dk[row * D + col] = k0a[e];
        if (in0 && dv) dv[row * D + col] = v0a[e];
        if (in1 && dk) dk[(row + 1) * D + col] = k1a[e];
        if (in1 && dv) dv[(row + 1) * D + col] = v1a[e];
    }
}

#define ATT_TILED(DIM) \
extern "C" __global__ void __launch_bounds__(TB) attention_fwd_tiled_d##DIM(int H, int Nq, int Nk, float scale, \
        const float* q, int qo, Att qs, const float* k, int ko, Att ks, const float* v, int vo, Att vs, float* out, \
        float* lse) { attFwdTiled<DIM>(H, Nq, Nk, scale, q, qo, qs, k, ko, ks, v, vo, vs, out, lse); } \
extern "C" __global__ void __launch_bounds__(TB) attention_bwd_q_tiled_d##DIM(int H, int Nq, int Nk, float scale, \
        const float* q, int qo, Att qs, const float* k, int ko, Att ks, const float* v, int vo, Att vs, \
        const float* go, int goo, Att gos, const float* lse, const float* delta, float* dq) { \
    attBwdQTiled<DIM>(H, Nq, Nk, scale, q, qo, qs, k, ko, ks, v, vo, vs, go, goo, gos, lse, delta, dq); } \
extern "C" __global__ void __launch_bounds__(TB) attention_bwd_kv_tiled_d##DIM(int H, int Nq, int Nk, float scale, \
        const float* q, int qo, Att qs, const float* k, int ko, Att ks, const float* v, int vo, Att vs, \
        const float* go, int goo, Att gos, const float* lse, const float* delta, float* dk, float* dv) { \
    attBwdKVTiled<DIM>(H, Nq, Nk, scale, q, qo, qs, k, ko, ks, v, vo, vs, go, goo, gos, lse, delta, dk, dv); } \
extern "C" __global__ void __launch_bounds__(TB2) attention_bwd_q_tiled2_d##DIM(int H, int Nq, int Nk, float scale, \
        const float* q, int qo, Att qs, const float* k, int ko, Att ks, const float* v, int vo, Att vs, \
        const float* go, int goo, Att gos, const float* lse, const float* delta, float* dq) { \
    attBwdQTiled2<DIM>(H, Nq, Nk, scale, q, qo, qs, k, ko, ks, v, vo, vs, go, goo, gos, lse, delta, dq); } \
extern "C" __global__ void __launch_bounds__(TB2) attention_bwd_kv_tiled2_d##DIM(int H, int Nq, int Nk, float scale, \
        const float* q, int qo, Att qs, const float* k, int ko, Att ks, const float* v, int vo, Att vs, \
        const float* go, int goo, Att gos, const float* lse, const float* delta, float* dk, float* dv) { \
    attBwdKVTiled2<DIM>(H, Nq, Nk, scale, q, qo, qs, k, ko, ks, v, vo, vs, go, goo, gos, lse, delta, dk, dv); }

ATT_TILED(32)
ATT_TILED(64)
