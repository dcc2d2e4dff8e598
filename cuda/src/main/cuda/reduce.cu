// Reductions and softmax. A reduction is laid out as kept dims (one output each, in order) times reduced dims; one
// warp reduces one output, so every output is computed in a fixed order and the result does not depend on the
// launch (the backend's determinism rule).
#include "common.cuh"

enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_LOGSUMEXP };

// kd/kx: kept dims and x's strides over them; rd/rx: reduced dims and x's strides over them.
extern "C" __global__ void reduce_f32(Dims kd, Str kx, Dims rd, Str rx, const float* x, int xo, float* out, int op) {
    int lane = threadIdx.x & 31;
    long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long o = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; o < kd.n; o += warps) {
        const float* base = x + xo + offsetOf(o, kd, kx);
        float acc;
        if (op == R_MAX || op == R_MIN || op == R_LOGSUMEXP) {
            acc = op == R_MIN ? __int_as_float(0x7f800000) : __int_as_float(0xff800000);
            for (long long j = lane; j < rd.n; j += 32) {
                float v = base[offsetOf(j, rd, rx)];
                acc = op == R_MIN ? jmin(acc, v) : jmax(acc, v);
            }
            for (int s = 16; s > 0; s >>= 1) {
                float w = __shfl_xor_sync(0xffffffffu, acc, s);
                acc = op == R_MIN ? jmin(acc, w) : jmax(acc, w);
            }
            if (op == R_LOGSUMEXP) {
                float m = acc;
                if (isinf(m)) {
                    acc = rd.n == 0 ? m : m;  // all -inf gives -inf; +inf gives +inf (PyTorch's rule)
                } else if (m != m) {
                    acc = m;
                } else {
                    float s = 0.f;
                    for (long long j = lane; j < rd.n; j += 32) s += expf(base[offsetOf(j, rd, rx)] - m);
                    acc = m + logf(warpSum(s));
                }
            }
        } else if (op == R_PROD) {
            acc = 1.f;
            for (long long j = lane; j < rd.n; j += 32) acc *= base[offsetOf(j, rd, rx)];
            for (int s = 16; s > 0; s >>= 1) acc *= __shfl_xor_sync(0xffffffffu, acc, s);
        } else {
            // Sums accumulate in double: the CPU sums pairwise in float, and both then agree to float rounding.
            double s = 0.0;
            for (long long j = lane; j < rd.n; j += 32) s += base[offsetOf(j, rd, rx)];
            s = warpSumD(s);
            acc = (float) (op == R_MEAN ? s / rd.n : s);
        }
        if (lane == 0) out[o] = acc;
    }
}

// Variance with N - correction in the denominator, two passes (mean, then squared deviations) in double.
extern "C" __global__ void variance_f32(Dims kd, Str kx, Dims rd, Str rx, const float* x, int xo, float* out,
                                        double correction) {
    int lane = threadIdx.x & 31;
    long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long o = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; o < kd.n; o += warps) {
        const float* base = x + xo + offsetOf(o, kd, kx);
        double s = 0.0;
        for (long long j = lane; j < rd.n; j += 32) s += base[offsetOf(j, rd, rx)];
        double mean = warpSumD(s) / rd.n;
        double q = 0.0;
        for (long long j = lane; j < rd.n; j += 32) { double dv = base[offsetOf(j, rd, rx)] - mean; q += dv * dv; }
        q = warpSumD(q);
        if (lane == 0) out[o] = (float) (q / fmax(0.0, rd.n - correction));
    }
}

// Softmax (or log-softmax) of a contiguous x viewed as [outer, dim, inner] along the middle axis; one warp per row.
extern "C" __global__ void softmax_f32(int outer, int dim, int inner, const float* x, float* y, int logMode) {
    int lane = threadIdx.x & 31;
    long long rows = (long long)outer * inner;
    long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long r = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; r < rows; r += warps) {
        long long base = (r / inner) * (long long)dim * inner + (r % inner);
        float m = __int_as_float(0xff800000);
        for (int j = lane; j < dim; j += 32) m = jmax(m, x[base + (long long)j * inner]);
        m = warpMax(m);
        float s = 0.f;
        for (int j = lane; j < dim; j += 32) s += expf(x[base + (long long)j * inner] - m);
        s = warpSum(s);
        if (logMode) {
            float ls = logf(s);
            for (int j = lane; j < dim; j += 32) y[base + (long long)j * inner] = x[base + (long long)j * inner] - m - ls;
        } else {
            float inv = 1.f / s;
            for (int j = lane; j < dim; j += 32) y[base + (long long)j * inner] = expf(x[base + (long long)j * inner] - m) * inv;
        }
    }
}

// Sums and means whose outputs are contiguous in x (the innermost kept dim has stride 1) and whose reduced dims are
// outer ones: bias gradients, adaLN shift/scale gradients. A warp per output would read a column with a stride;
// here the 32 threads of a row of the block take 32 neighbouring outputs (coalesced), the 8 rows and the grid's y
// split the reduced range, and the partial sums (double) are combined in a fixed order by reduce_cols_final.
extern "C" __global__ void reduce_cols_partial_f32(Dims kd, Str kx, Dims rd, Str rx, const float* x, int xo,
                                                   double* partial, int chunk) {
    __shared__ double part[8][33];
    long long o = (long long)blockIdx.x * 32 + threadIdx.x;
    long long j0 = (long long)blockIdx.y * chunk;
    long long j1 = min((long long)rd.n, j0 + chunk);
    double acc = 0.0;
    if (o < kd.n) {
        const float* base = x + xo + offsetOf(o, kd, kx);
        for (long long j = j0 + threadIdx.y; j < j1; j += 8) acc += base[offsetOf(j, rd, rx)];
    }
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && o < kd.n) {
        double s = 0.0;
        for (int t = 0; t < 8; t++) s += part[t][threadIdx.x];
        partial[(long long)blockIdx.y * kd.n + o] = s;
    }
}

extern "C" __global__ void reduce_cols_final_f32(int n, int splits, const double* partial, float* out, int mean,
                                                 int count) {
    GRID_STRIDE(o, n) {
        double s = 0.0;
        for (int t = 0; t < splits; t++) s += partial[(long long)t * n + o];
        out[o] = (float) (mean ? s / count : s);
    }
}
