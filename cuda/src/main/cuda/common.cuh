// Shared definitions of the usp4j CUDA kernels. Every array is passed as (base pointer, element offset, strides)
// over one logical shape, the way NDArray describes a view, so strided and broadcast (stride 0) operands need no
// copy. The Java side merges dims that are contiguous in every operand first, so most calls arrive with rank 1.
#pragma once
#include <cuda_fp16.h>

#define MAXR 8

struct Dims { int rank; int n; int shape[MAXR]; };
struct Str { int s[MAXR]; };

// Element offset of the i-th element (row-major order over d) in an operand with strides st.
// The coordinates of the index-th element (row-major over d). Sizes and offsets fit in int: a Storage holds at most
// 2^31 - 1 elements. The loops run over all MAXR dims with the rank test inside, fully unrolled, so that the struct
// parameters are only ever indexed by constants: a dynamic index would make every thread copy them to local memory
// (a stack frame of ~140 bytes per thread, and memory-bound kernels 10x slower).
struct Coord { int c[MAXR]; };

__device__ __forceinline__ Coord coords(long long index, const Dims& d) {
    Coord k;
    int i = (int) index;
    #pragma unroll
    for (int r = MAXR - 1; r > 0; --r) {
        if (r < d.rank) {
            int e = d.shape[r];
            k.c[r] = i % e;
            i /= e;
        } else {
            k.c[r] = 0;
        }
    }
    k.c[0] = i;
    return k;
}

// Element offset of coordinates k in an operand with strides st.
__device__ __forceinline__ int dot(const Coord& k, const Dims& d, const Str& st) {
    int o = k.c[0] * st.s[0];
    #pragma unroll
    for (int r = 1; r < MAXR; r++) {
        if (r < d.rank) o += k.c[r] * st.s[r];
    }
    return o;
}

// Element offset of the index-th element in an operand with strides st.
__device__ __forceinline__ int offsetOf(long long index, const Dims& d, const Str& st) {
    if (d.rank == 1) return (int) index * st.s[0];
    return dot(coords(index, d), d, st);
}

#define GRID_STRIDE(i, n) for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                               i += (long long)gridDim.x * blockDim.x)

// Java's Math.max/min: NaN wins (fmaxf/fminf would drop it).
__device__ __forceinline__ float jmax(float a, float b) { return (a != a || a > b) ? a : (b != b ? b : (a == b && a == 0.f ? (signbit(a) ? b : a) : b)); }
__device__ __forceinline__ float jmin(float a, float b) { return (a != a || a < b) ? a : (b != b ? b : (a == b && a == 0.f ? (signbit(a) ? a : b) : b)); }

__device__ __forceinline__ float warpSum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ double warpSumD(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ float warpMax(float v) {
    for (int o = 16; o > 0; o >>= 1) v = jmax(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over a whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ float blockSum(float v, float* shared32) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warpSum(v);
    __syncthreads();
    if (lane == 0) shared32[warp] = v;
    __syncthreads();
    float t = lane < warps ? shared32[lane] : 0.f;
    return warpSum(t);
}

__device__ __forceinline__ float bf16ToF(unsigned short b) { return __uint_as_float(((unsigned)b) << 16); }
// Round to nearest even, NaN kept quiet: the same rule as HalfFloats.floatToBf16.
__device__ __forceinline__ unsigned short fToBf16(float f) {
    unsigned u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40);
    return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
