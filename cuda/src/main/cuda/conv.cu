// Convolution through im2col + cuBLAS: im2col unfolds one image's receptive fields into a [C·kH·kW, OH·OW] matrix,
// col2im folds such a matrix back (the transposed convolution), each output pixel gathering its taps in a fixed
// order (no atomics). Also the small tiled SGEMM that backs up and cross-checks cuBLAS.
#include "common.cuh"

struct ConvGeo { int C, H, W, kH, kW, OH, OW, sH, sW, pT, pL, dH, dW; };

// cols[n][c·kH·kW + i·kW + j][oy·OW + ox] = x[n, c, oy·sH − pT + i·dH, ox·sW − pL + j·dW] (0 outside).
extern "C" __global__ void im2col_f32(int N, ConvGeo g, const float* x, float* cols) {
    long long P = (long long)g.OH * g.OW;
    long long rowsPer = (long long)g.C * g.kH * g.kW;
    long long total = (long long)N * rowsPer * P;
    GRID_STRIDE(idx, total) {
        long long p = idx % P;
        long long row = (idx / P) % rowsPer;
        int n = (int)(idx / (P * rowsPer));
        int j = (int)(row % g.kW), i = (int)((row / g.kW) % g.kH), c = (int)(row / ((long long)g.kW * g.kH));
        int oy = (int)(p / g.OW), ox = (int)(p % g.OW);
        int y = oy * g.sH - g.pT + i * g.dH, xx = ox * g.sW - g.pL + j * g.dW;
        cols[idx] = (y >= 0 && y < g.H && xx >= 0 && xx < g.W)
                ? x[(((long long)n * g.C + c) * g.H + y) * g.W + xx] : 0.f;
    }
}

// The adjoint of im2col: out[n, c, y, x] = Σ over taps (i, j) and output pixels that read (y, x) of cols.
extern "C" __global__ void col2im_f32(int N, ConvGeo g, const float* cols, float* out) {
    long long P = (long long)g.OH * g.OW;
    long long rowsPer = (long long)g.C * g.kH * g.kW;
    long long total = (long long)N * g.C * g.H * g.W;
    GRID_STRIDE(idx, total) {
        int xx = (int)(idx % g.W), y = (int)((idx / g.W) % g.H);
        int c = (int)((idx / ((long long)g.W * g.H)) % g.C);
        int n = (int)(idx / ((long long)g.W * g.H * g.C));
        float s = 0.f;
        for (int i = 0; i < g.kH; i++) {
            int ty = y + g.pT - i * g.dH;
            if (ty < 0 || ty % g.sH != 0) continue;
            int oy = ty / g.sH;
            if (oy >= g.OH) continue;
            for (int j = 0; j < g.kW; j++) {
                int tx = xx + g.pL - j * g.dW;
                if (tx < 0 || tx % g.sW != 0) continue;
                int ox = tx / g.sW;
                if (ox >= g.OW) continue;
                long long row = ((long long)c * g.kH + i) * g.kW + j;
                s += cols[((long long)n * rowsPer + row) * P + (long long)oy * g.OW + ox];
            }
        }
        out[idx] = s;
    }
}

// out[n, c, p] += bias[c] over a contiguous [N, C, P] array.
extern "C" __global__ void add_channel_bias_f32(int N, int C, int P, float* out, const float* bias) {
    GRID_STRIDE(i, (long long)N * C * P) out[i] += bias[(i / P) % C];
}

// C[b] = alpha·A[b]·B[b] + beta·C[b], row-major with arbitrary element strides (rows, cols) and batch strides;
// 16×16 tiles in shared memory. The reference GEMM where cuBLAS is missing, and its cross-check.
extern "C" __global__ void gemm_tiled_f32(int M, int N, int K, const float* A, long long aBatch, int aRow, int aCol,
                                          const float* Bm, long long bBatch, int bRow, int bCol, float* C,
                                          long long cBatch, int cRow, float alpha, float beta) {
    __shared__ float As[16][17], Bs[16][17];
    int b = blockIdx.z;
    const float* a = A + b * aBatch;
    const float* bb = Bm + b * bBatch;
    float* c = C + b * cBatch;
    int row = blockIdx.y * 16 + threadIdx.y, col = blockIdx.x * 16 + threadIdx.x;
    float acc = 0.f;
    for (int k0 = 0; k0 < K; k0 += 16) {
        int ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
        As[threadIdx.y][threadIdx.x] = (row < M && ka < K) ? a[(long long)row * aRow + (long long)ka * aCol] : 0.f;
        Bs[threadIdx.y][threadIdx.x] = (kb < K && col < N) ? bb[(long long)kb * bRow + (long long)col * bCol] : 0.f;
        __syncthreads();
        #pragma unroll
        for (int t = 0; t < 16; t++) acc += As[threadIdx.y][t] * Bs[t][threadIdx.x];
        __syncthreads();
    }
    if (row < M && col < N) {
        float* dst = c + (long long)row * cRow + col;
        *dst = beta == 0.f ? alpha * acc : alpha * acc + beta * *dst;
    }
}
