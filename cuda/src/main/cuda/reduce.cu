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

// Integer reductions, laid out as reduce_f32: SUM, PROD, MAX and MIN of I64 arrays, MAX and MIN of I32 ones (index
// range checks, argsort results), and of BOOL ones as 0/1 (the Java side passes ANY as MAX and ALL as MIN). W is
// the type the warp folds in, U its unsigned twin: sums and products wrap around like Java's long, so every fold is
// exact in any order and one warp per output needs no care for determinism.
template <typename W, typename U>
__device__ __forceinline__ W foldInt(int op, W acc, W v) {
    switch (op) {
        case R_SUM: return (W) ((U) acc + (U) v);
        case R_PROD: return (W) ((U) acc * (U) v);
        case R_MIN: return v < acc ? v : acc;
        default: return v > acc ? v : acc;
    }
}

#define REDUCE_INT(NAME, T, W, U, LOWEST, HIGHEST) \
extern "C" __global__ void NAME(Dims kd, Str kx, Dims rd, Str rx, const T* x, int xo, T* out, int op) { \
    int lane = threadIdx.x & 31; \
    long long warps = ((long long)gridDim.x * blockDim.x) >> 5; \
    W id = op == R_SUM ? (W) 0 : op == R_PROD ? (W) 1 : op == R_MIN ? (W) (HIGHEST) : (W) (LOWEST); \
    for (long long o = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; o < kd.n; o += warps) { \
        const T* base = x + xo + offsetOf(o, kd, kx); \
        W acc = id; \
        for (long long j = lane; j < rd.n; j += 32) acc = foldInt<W, U>(op, acc, (W) base[offsetOf(j, rd, rx)]); \
        for (int s = 16; s > 0; s >>= 1) acc = foldInt<W, U>(op, acc, __shfl_xor_sync(0xffffffffu, acc, s)); \
        if (lane == 0) out[o] = (T) acc; \
    } \
}
REDUCE_INT(reduce_int_i32, int, int, unsigned int, (-2147483647 - 1), 2147483647)
REDUCE_INT(reduce_int_i64, long long, long long, unsigned long long, (-9223372036854775807LL - 1), \
           9223372036854775807LL)
REDUCE_INT(reduce_int_bool, unsigned char, int, unsigned int, 0, 1)

// Running sums and products (cumsum, cumprod) of a contiguous [outer, n, inner] array along n: one thread per
// (outer, inner) position scans sequentially, floats accumulating in double and rounding each prefix once, as the
// CPU kernel does, so the results are the CPU's bit for bit.
extern "C" __global__ void cumulative_f32(int outer, int n, int inner, const float* x, float* out, int product) {
    GRID_STRIDE(u, (long long) outer * inner) {
        long long a = u / inner, b = u % inner;
        long long base = a * n * inner + b;
        double acc = product ? 1.0 : 0.0;
        for (int i = 0; i < n; i++) {
            long long at = base + (long long) i * inner;
            acc = product ? __dmul_rn(acc, (double) x[at]) : __dadd_rn(acc, (double) x[at]);
            out[at] = (float) acc;
        }
    }
}

extern "C" __global__ void cumulative_i64(int outer, int n, int inner, const long long* x, long long* out,
                                          int product) {
    GRID_STRIDE(u, (long long) outer * inner) {
        long long a = u / inner, b = u % inner;
        long long base = a * n * inner + b;
        unsigned long long acc = product ? 1ull : 0ull;   // two's-complement wrap-around, as Java's long
        for (int i = 0; i < n; i++) {
            long long at = base + (long long) i * inner;
            acc = product ? acc * (unsigned long long) x[at] : acc + (unsigned long long) x[at];
            out[at] = (long long) acc;
        }
    }
}

// max/min over one dim with the index of the first extreme (torch.max(dim)): one thread per output scans the dim
// in order; only a strictly better value replaces the current one, NaN beats every number and nothing beats NaN.
// kd/kx: kept dims and x's strides; n, step: the reduced dim's extent and stride. values/indices contiguous.
__device__ __forceinline__ bool better(int max, float v, float best) {
    if (best != best) return false;
    if (v != v) return true;
    return max ? v > best : v < best;
}
__device__ __forceinline__ bool better(int max, long long v, long long best) { return max ? v > best : v < best; }
__device__ __forceinline__ bool better(int max, int v, int best) { return max ? v > best : v < best; }

#define ARG_REDUCE(NAME, T) \
extern "C" __global__ void NAME(Dims kd, Str kx, int n, int step, const T* x, int xo, T* values, \
                                long long* indices, int max) { \
    GRID_STRIDE(o, kd.n) { \
        const T* base = x + xo + offsetOf(o, kd, kx); \
        T best = base[0]; \
        int at = 0; \
        for (int i = 1; i < n; i++) { \
            T v = base[(long long) i * step]; \
            if (better(max, v, best)) { best = v; at = i; } \
        } \
        values[o] = best; \
        indices[o] = at; \
    } \
}
ARG_REDUCE(arg_reduce_f32, float)
ARG_REDUCE(arg_reduce_i32, int)
ARG_REDUCE(arg_reduce_i64, long long)
