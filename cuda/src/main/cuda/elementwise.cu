// Elementwise kernels: dtype conversion copies, fills, arange, unary/binary/compare/where over strided views.
// Op codes are the ordinals of the Java enums UnaryOp, BinaryOp and CompareOp (checked by CudaKernelsTest).
#include "common.cuh"

// ---- conversions: the CPU rules (CopyKernels): float to int truncates (saturating, NaN to 0), anything to
// bool tests nonzero, float to half formats rounds to nearest even.
struct F32 { typedef float T; __device__ static float load(T v) { return v; } __device__ static T store(float f) { return f; } };
struct BF16 { typedef unsigned short T; __device__ static float load(T v) { return bf16ToF(v); } __device__ static T store(float f) { return fToBf16(f); } };
struct F16 { typedef unsigned short T; __device__ static float load(T v) { return __half2float(__ushort_as_half(v)); } __device__ static T store(float f) { return __half_as_ushort(__float2half_rn(f)); } };

template <typename S, typename D> __device__ __forceinline__ D convert(S v) { return (D) v; }

#define COPY_KERNEL(NAME, ST, DT, EXPR) \
extern "C" __global__ void NAME(Dims d, const ST* __restrict__ src, int so, Str ss, DT* __restrict__ dst, int dof, Str ds) { \
    GRID_STRIDE(i, d.n) { Coord k = coords(i, d); ST v = src[so + dot(k, d, ss)]; dst[dof + dot(k, d, ds)] = (EXPR); } }

// Same-type copies move raw bits (1, 2, 4 or 8 bytes).
COPY_KERNEL(copy_b1, unsigned char, unsigned char, v)
COPY_KERNEL(copy_b2, unsigned short, unsigned short, v)
COPY_KERNEL(copy_b4, unsigned int, unsigned int, v)
COPY_KERNEL(copy_b8, unsigned long long, unsigned long long, v)

// Cross-type conversions go through float (for the float formats) or the integer value.
COPY_KERNEL(convert_f32_bf16, float, unsigned short, fToBf16(v))
COPY_KERNEL(convert_f32_f16, float, unsigned short, F16::store(v))
COPY_KERNEL(convert_f32_i32, float, int, (int) v)
COPY_KERNEL(convert_f32_i64, float, long long, (long long) v)
COPY_KERNEL(convert_f32_bool, float, unsigned char, v != 0.f)
COPY_KERNEL(convert_bf16_f32, unsigned short, float, bf16ToF(v))
COPY_KERNEL(convert_bf16_f16, unsigned short, unsigned short, F16::store(bf16ToF(v)))
COPY_KERNEL(convert_bf16_i32, unsigned short, int, (int) bf16ToF(v))
COPY_KERNEL(convert_bf16_i64, unsigned short, long long, (long long) bf16ToF(v))
COPY_KERNEL(convert_bf16_bool, unsigned short, unsigned char, bf16ToF(v) != 0.f)
COPY_KERNEL(convert_f16_f32, unsigned short, float, F16::load(v))
COPY_KERNEL(convert_f16_bf16, unsigned short, unsigned short, fToBf16(F16::load(v)))
COPY_KERNEL(convert_f16_i32, unsigned short, int, (int) F16::load(v))
COPY_KERNEL(convert_f16_i64, unsigned short, long long, (long long) F16::load(v))
COPY_KERNEL(convert_f16_bool, unsigned short, unsigned char, F16::load(v) != 0.f)
COPY_KERNEL(convert_i32_f32, int, float, (float) v)
COPY_KERNEL(convert_i32_bf16, int, unsigned short, fToBf16((float) v))
COPY_KERNEL(convert_i32_f16, int, unsigned short, F16::store((float) v))
COPY_KERNEL(convert_i32_i64, int, long long, (long long) v)
COPY_KERNEL(convert_i32_bool, int, unsigned char, v != 0)
COPY_KERNEL(convert_i64_f32, long long, float, (float) v)
COPY_KERNEL(convert_i64_bf16, long long, unsigned short, fToBf16((float) v))
COPY_KERNEL(convert_i64_f16, long long, unsigned short, F16::store((float) v))
COPY_KERNEL(convert_i64_i32, long long, int, (int) v)
COPY_KERNEL(convert_i64_bool, long long, unsigned char, v != 0)
COPY_KERNEL(convert_bool_f32, unsigned char, float, v ? 1.f : 0.f)
COPY_KERNEL(convert_bool_bf16, unsigned char, unsigned short, v ? 0x3f80 : 0)
COPY_KERNEL(convert_bool_f16, unsigned char, unsigned short, v ? 0x3c00 : 0)
COPY_KERNEL(convert_bool_i32, unsigned char, int, v ? 1 : 0)
COPY_KERNEL(convert_bool_i64, unsigned char, long long, v ? 1 : 0)

// ---- fills (the value arrives as the destination dtype's raw bits) and arange (computed in double).
#define FILL_KERNEL(NAME, T) \
extern "C" __global__ void NAME(Dims d, T* dst, int o, Str s, T value) { GRID_STRIDE(i, d.n) dst[o + offsetOf(i, d, s)] = value; }
FILL_KERNEL(fill_b1, unsigned char)
FILL_KERNEL(fill_b2, unsigned short)
FILL_KERNEL(fill_b4, unsigned int)
FILL_KERNEL(fill_b8, unsigned long long)

extern "C" __global__ void arange_f32(int n, float* out, double start, double step) { GRID_STRIDE(i, n) out[i] = (float) (start + i * step); }
extern "C" __global__ void arange_i32(int n, int* out, double start, double step) { GRID_STRIDE(i, n) out[i] = (int) (start + i * step); }
extern "C" __global__ void arange_i64(int n, long long* out, double start, double step) { GRID_STRIDE(i, n) out[i] = (long long) (start + i * step); }

// ---- unary (UnaryOp ordinals)
enum { U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_SIN, U_COS, U_TANH, U_ERF, U_SIGMOID, U_SILU, U_GELU,
       U_GELU_TANH, U_RELU, U_SQUARE, U_RECIPROCAL, U_FLOOR, U_CEIL, U_ROUND, U_SIGN, U_LOG1P, U_EXPM1, U_CLAMP,
       U_POW_SCALAR, U_LOGICAL_NOT };

#define GELU_TANH_C 0.7978845608028654f
#define GELU_TANH_K 0.044715f

__device__ __forceinline__ float unaryOp(int op, float x, float p0, float p1) {
    switch (op) {
        case U_NEG: return -x;
        case U_ABS: return fabsf(x);
        case U_EXP: return expf(x);
        case U_LOG: return logf(x);
        case U_SQRT: return sqrtf(x);
        case U_RSQRT: return 1.f / sqrtf(x);
        case U_SIN: return sinf(x);
        case U_COS: return cosf(x);
        case U_TANH: return tanhf(x);
        case U_ERF: return erff(x);
        case U_SIGMOID: return 1.f / (1.f + expf(-x));
        case U_SILU: return x / (1.f + expf(-x));
        case U_GELU: return 0.5f * x * (1.f + erff(x * 0.7071067811865476f));
        case U_GELU_TANH: return 0.5f * x * (1.f + tanhf(GELU_TANH_C * (x + GELU_TANH_K * x * x * x)));
        case U_RELU: return x > 0.f ? x : (x != x ? x : 0.f);
        case U_SQUARE: return x * x;
        case U_RECIPROCAL: return 1.f / x;
        case U_FLOOR: return floorf(x);
        case U_CEIL: return ceilf(x);
        case U_ROUND: return rintf(x);
        case U_SIGN: return x != x ? 0.f : (x > 0.f ? 1.f : (x < 0.f ? -1.f : x));
        case U_LOG1P: return log1pf(x);
        case U_EXPM1: return expm1f(x);
        case U_CLAMP: return jmin(jmax(x, p0), p1);
        case U_POW_SCALAR: return powf(x, p0);
        default: return x == 0.f ? 1.f : 0.f;  // U_LOGICAL_NOT
    }
}

extern "C" __global__ void unary_f32(Dims d, const float* x, int xo, Str xs, float* y, int yo, Str ys, int op, float p0, float p1) {
    GRID_STRIDE(i, d.n) { Coord k = coords(i, d); y[yo + dot(k, d, ys)] = unaryOp(op, x[xo + dot(k, d, xs)], p0, p1); }
}

// ---- binary (BinaryOp ordinals)
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_REMAINDER, B_FLOOR_DIVIDE, B_AND, B_OR, B_XOR,
       B_TANH_BACKWARD, B_SIGMOID_BACKWARD, B_SILU_BACKWARD, B_GELU_BACKWARD, B_GELU_TANH_BACKWARD };

// torch's div_floor for floats (the CPU's floorDivide).
__device__ __forceinline__ float floorDivide(float a, float b) {
    if (b == 0.f) return a / b;
    float mod = fmodf(a, b);
    float div = (a - mod) / b;
    if (mod != 0.f && (b < 0.f) != (mod < 0.f)) div -= 1.f;
    if (div != 0.f) {
        float f = floorf(div);
        if (div - f > 0.5f) f += 1.f;
        return f;
    }
    return copysignf(0.f, a / b);
}

__device__ __forceinline__ float binaryOp(int op, float x, float y) {
    switch (op) {
        case B_ADD: return x + y;
        case B_SUB: return x - y;
        case B_MUL: return x * y;
        case B_DIV: return x / y;
        case B_POW: return powf(x, y);
        case B_MAXIMUM: return jmax(x, y);
        case B_MINIMUM: return jmin(x, y);
        case B_REMAINDER: { float m = fmodf(x, y); return (m != 0.f && (y < 0.f) != (m < 0.f)) ? m + y : m; }
        case B_FLOOR_DIVIDE: return floorDivide(x, y);
        case B_AND: return (x != 0.f && y != 0.f) ? 1.f : 0.f;
        case B_OR: return (x != 0.f || y != 0.f) ? 1.f : 0.f;
        case B_XOR: return ((x != 0.f) != (y != 0.f)) ? 1.f : 0.f;
        // Activation derivatives: x is the incoming gradient, y what the forward saved (see ActivationGradKernels).
        case B_TANH_BACKWARD: return x * (1.f - y * y);
        case B_SIGMOID_BACKWARD: return x * y * (1.f - y);
        case B_SILU_BACKWARD: { float s = 1.f / (1.f + expf(-y)); return x * s * (y * (1.f - s) + 1.f); }
        case B_GELU_BACKWARD: {
            float cdf = 0.5f * (1.f + erff(y * 0.7071067811865476f));
            float pdf = expf(-0.5f * y * y) * 0.3989422804014327f;
            return x * (cdf + y * pdf);
        }
        default: {  // B_GELU_TANH_BACKWARD
            float x2 = y * y;
            float t = tanhf((x2 * y * GELU_TANH_K + y) * GELU_TANH_C);
            float left = (t + 1.f) * 0.5f;
            float right = y * 0.5f * (1.f - t * t) * ((x2 * (3.f * GELU_TANH_K) + 1.f) * GELU_TANH_C);
            return x * (left + right);
        }
    }
}

extern "C" __global__ void binary_f32(Dims d, const float* a, int ao, Str as, const float* b, int bo, Str bs,
                                      float* c, int co, Str cs, int op) {
    GRID_STRIDE(i, d.n) {
        Coord k = coords(i, d);
        c[co + dot(k, d, cs)] = binaryOp(op, a[ao + dot(k, d, as)], b[bo + dot(k, d, bs)]);
    }
}

// ---- integer arithmetic (I32, I64), the CPU's rules (BinaryKernels.integer): add, subtract, multiply and pow wrap
// around like Java's int and long (done in the unsigned type: signed overflow is undefined in C++); remainder and
// floor_divide round toward -inf, and by -1 give 0 and the wrapped negation (x86 would trap on MIN / -1). A kernel
// cannot throw: a zero divisor or a negative exponent stores the op code in *error (null for the ops that cannot
// fail) for the Java side to raise the CPU's exception, and writes 0.
template <typename T, typename U>
__device__ __forceinline__ T integerOp(int op, T x, T y, int* error) {
    switch (op) {
        case B_ADD: return (T) ((U) x + (U) y);
        case B_SUB: return (T) ((U) x - (U) y);
        case B_MUL: return (T) ((U) x * (U) y);
        case B_MAXIMUM: return x > y ? x : y;
        case B_MINIMUM: return x < y ? x : y;
        case B_POW: {
            if (y < 0) { *error = op; return 0; }
            U r = 1, base = (U) x;
            for (T e = y; e > 0; e >>= 1) {
                if (e & 1) r *= base;
                base *= base;
            }
            return (T) r;
        }
        case B_REMAINDER: {
            if (y == 0) { *error = op; return 0; }
            if (y == -1) return 0;
            T r = x % y;
            return (r != 0 && ((r ^ y) < 0)) ? r + y : r;
        }
        default: {  // B_FLOOR_DIVIDE
            if (y == 0) { *error = op; return 0; }
            if (y == -1) return (T) ((U) 0 - (U) x);
            T q = x / y;
            return (x % y != 0 && ((x ^ y) < 0)) ? q - 1 : q;
        }
    }
}

#define BINARY_INT(NAME, T, U) \
extern "C" __global__ void NAME(Dims d, const T* a, int ao, Str as, const T* b, int bo, Str bs, T* c, int co, \
                                Str cs, int op, int* error) { \
    GRID_STRIDE(i, d.n) { \
        Coord k = coords(i, d); \
        c[co + dot(k, d, cs)] = integerOp<T, U>(op, a[ao + dot(k, d, as)], b[bo + dot(k, d, bs)], error); \
    } \
}
BINARY_INT(binary_i32, int, unsigned int)
BINARY_INT(binary_i64, long long, unsigned long long)

// ---- compare (CompareOp ordinals) and where
extern "C" __global__ void compare_f32(Dims d, const float* a, int ao, Str as, const float* b, int bo, Str bs,
                                       unsigned char* c, int co, Str cs, int op) {
    GRID_STRIDE(i, d.n) {
        Coord k = coords(i, d);
        float x = a[ao + dot(k, d, as)], y = b[bo + dot(k, d, bs)];
        bool r;
        switch (op) {
            case 0: r = x == y; break;
            case 1: r = x != y; break;
            case 2: r = x < y; break;
            case 3: r = x <= y; break;
            case 4: r = x > y; break;
            default: r = x >= y; break;
        }
        c[co + dot(k, d, cs)] = r;
    }
}

extern "C" __global__ void where_f32(Dims d, const unsigned char* m, int mo, Str ms, const float* a, int ao, Str as,
                                     const float* b, int bo, Str bs, float* c, int co, Str cs) {
    GRID_STRIDE(i, d.n) {
        Coord k = coords(i, d);
        c[co + dot(k, d, cs)] = m[mo + dot(k, d, ms)] ? a[ao + dot(k, d, as)] : b[bo + dot(k, d, bs)];
    }
}

// ---- logical ops on BOOL operands (masks): LOGICAL_AND/OR/XOR by their BinaryOp ordinals, and NOT
extern "C" __global__ void logical_bool(Dims d, const unsigned char* a, int ao, Str as, const unsigned char* b, int bo,
                                       Str bs, unsigned char* c, int co, Str cs, int op) {
    GRID_STRIDE(i, d.n) {
        Coord k = coords(i, d);
        bool x = a[ao + dot(k, d, as)] != 0, y = b[bo + dot(k, d, bs)] != 0;
        c[co + dot(k, d, cs)] = op == B_AND ? (x && y) : op == B_OR ? (x || y) : (x != y);
    }
}

extern "C" __global__ void not_bool(Dims d, const unsigned char* a, int ao, Str as, unsigned char* c, int co, Str cs) {
    GRID_STRIDE(i, d.n) { Coord k = coords(i, d); c[co + dot(k, d, cs)] = a[ao + dot(k, d, as)] == 0; }
}

// ---- fused AdamW over one flat parameter: torch.optim.AdamW's rule (non-amsgrad) with its Python-side scalars,
// in the CPU kernel's order of operations (UpdateKernels.adamw).
extern "C" __global__ void adamw_f32(int n, float* p, const float* g, float* m, float* v, int decay, float keep,
                                     float beta1, float beta2, float bias2Sqrt, float eps, float negStepSize) {
    GRID_STRIDE(i, n) {
        float pi = decay ? p[i] * keep : p[i];
        float gi = g[i];
        float mi = fmaf(gi, 1.f - beta1, m[i] * beta1);
        float vi = v[i] * beta2 + (1.f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bias2Sqrt + eps;
        p[i] = pi + negStepSize * (mi / denom);
    }
}

// ---- random numbers: the CPU's Philox4x32-10 stream (dev.usp4j.tensor.random.Philox) block for block, with the
// same transforms (RandomKernels), so that a seed draws the same numbers on either device (normals up to the last
// bit of the double-precision log/sin/cos, which CUDA rounds within an ulp of StrictMath's).
enum { D_UNIFORM, D_NORMAL, D_RANDINT, D_BERNOULLI };
enum { O_F32, O_I64, O_I32, O_BOOL };

__device__ __forceinline__ void philox(unsigned k0, unsigned k1, unsigned c0, unsigned c1, unsigned c2, unsigned c3,
                                       unsigned* out) {
    #pragma unroll
    for (int round = 0; round < 10; round++) {
        unsigned hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        unsigned hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

extern "C" __global__ void random_philox(int n, void* out, int outType, int dist, double a, double b,
                                         unsigned long long seed, unsigned long long firstBlock) {
    GRID_STRIDE(blk, (n + 3) / 4) {
        unsigned long long c = firstBlock + blk;
        unsigned w[4];
        philox((unsigned) seed, (unsigned) (seed >> 32), (unsigned) c, (unsigned) (c >> 32), 0u, 0u, w);
        double v[4];
        if (dist == D_UNIFORM) {
            for (int j = 0; j < 4; j++) {
                float u = (w[j] >> 8) * 0x1.0p-24f;
                v[j] = (float) (a + (b - a) * u);
                if (v[j] >= b && b > a) v[j] = nextafterf((float) b, -1e30f);
            }
        } else if (dist == D_NORMAL) {
            for (int j = 0; j < 4; j += 2) {
                double u = (w[j] >> 8) * 0x1.0p-24f;
                double r = sqrt(-2.0 * log(((w[j + 1] >> 8) + 1) * 0x1.0p-24));
                double theta = 2 * 3.141592653589793 * u;
                v[j] = a + b * r * cos(theta);
                v[j + 1] = a + b * r * sin(theta);
            }
        } else if (dist == D_RANDINT) {
            unsigned long long range = (unsigned long long) ((long long) b - (long long) a);
            for (int j = 0; j < 4; j++) v[j] = (double) ((long long) a + (long long) (((unsigned long long) w[j] * range) >> 32));
        } else {
            for (int j = 0; j < 4; j++) v[j] = ((w[j] >> 8) * 0x1.0p-24f) < a ? 1.0 : 0.0;
        }
        for (int j = 0; j < 4; j++) {
            long long at = blk * 4 + j;
            if (at >= n) break;
            if (outType == O_F32) ((float*) out)[at] = (float) v[j];
            else if (outType == O_I64) ((long long*) out)[at] = (long long) v[j];
            else if (outType == O_I32) ((int*) out)[at] = (int) v[j];
            else ((unsigned char*) out)[at] = v[j] != 0.0;
        }
    }
}

// ---- the sinusoidal timestep embedding of DiT/SiT (Backend.timestepEmbedding), in double and rounded once:
// out[r, i] = cos(t_r f_i), out[r, half + i] = sin(t_r f_i). The frequencies f come from the host (StrictMath's exp,
// uploaded once), so only cos and sin can differ from the CPU's, by an ulp of a double: the floats agree but for a
// rare rounding tie. t is F32 (type 0), I32 (1) or I64 (2), contiguous.
extern "C" __global__ void timestep_embedding_f32(int n, int dim, int half, const void* t, int type, const double* f,
                                                  float* out) {
    GRID_STRIDE(e, (long long) n * 2 * half) {
        int r = (int) (e / (2 * half)), c = (int) (e % (2 * half));
        int i = c < half ? c : c - half;
        double tv = type == 0 ? (double) ((const float*) t)[r]
                  : type == 1 ? (double) ((const int*) t)[r] : (double) ((const long long*) t)[r];
        double a = __dmul_rn(tv, f[i]);
        out[(long long) r * dim + c] = (float) (c < half ? cos(a) : sin(a));
    }
}
