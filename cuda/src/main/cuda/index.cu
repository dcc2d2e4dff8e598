// Index ops on the device, so that the MAE's token shuffles and the label embedding stay on the GPU instead of
// round-tripping through the host.
//
// gather and index_select share one kernel: the Java side describes both as a walk over the output's coordinates
// with three strided operands (index, x, out), where x's stride along `dim` is zeroed and `strideD` is added per
// index value instead; index_select passes its 1-D index as a view broadcast over every other dim. Elements are
// moved as raw 1-, 2-, 4- or 8-byte words, so one kernel serves every dtype.
#include "common.cuh"

__device__ __forceinline__ long long indexAt(const void* idx, int is64, int o) {
    return is64 ? ((const long long*) idx)[o] : (long long) ((const int*) idx)[o];
}

// An index outside [0, extent) reads nothing and writes 0 (scatter_add skips it): the range check runs on the
// device too and is reported at the next read (DeferredChecks), so a bad index must not touch memory meanwhile.
#define GATHER(NAME, T) \
extern "C" __global__ void NAME(Dims d, const void* idx, int io, Str is, int is64, const T* x, int xo, Str xs, \
                                int strideD, int extent, T* out, int oo, Str os) { \
    GRID_STRIDE(i, d.n) { \
        Coord k = coords(i, d); \
        long long j = indexAt(idx, is64, io + dot(k, d, is)); \
        out[oo + dot(k, d, os)] = j >= 0 && j < extent ? x[xo + dot(k, d, xs) + (int) j * strideD] : (T) 0; \
    } \
}
GATHER(gather_b1, unsigned char)
GATHER(gather_b2, unsigned short)
GATHER(gather_b4, unsigned int)
GATHER(gather_b8, unsigned long long)

// self[c with c[dim] = index[c]] += src[c] over the index's coordinates. Two coordinates meet in one element of self
// only when they differ along dim, which atomics resolve; the order of those additions is not fixed, so sums
// agree with the CPU's to rounding, not bit for bit.
extern "C" __global__ void scatter_add_f32(Dims d, const void* idx, int io, Str is, int is64, const float* src, int so,
                                           Str ss, float* self, int fo, Str fs, int strideD, int extent) {
    GRID_STRIDE(i, d.n) {
        Coord k = coords(i, d);
        long long j = indexAt(idx, is64, io + dot(k, d, is));
        if (j < 0 || j >= extent) continue;
        atomicAdd(&self[fo + dot(k, d, fs) + (int) j * strideD], src[so + dot(k, d, ss)]);
    }
}

// ---- integer comparisons (CompareOp ordinals), for masks built from index arrays (the MAE's ids_restore >= keep)
#define COMPARE(NAME, T) \
extern "C" __global__ void NAME(Dims d, const T* a, int ao, Str as, const T* b, int bo, Str bs, unsigned char* c, \
                                int co, Str cs, int op) { \
    GRID_STRIDE(i, d.n) { \
        Coord k = coords(i, d); \
        T x = a[ao + dot(k, d, as)], y = b[bo + dot(k, d, bs)]; \
        bool r; \
        switch (op) { \
            case 0: r = x == y; break; \
            case 1: r = x != y; break; \
            case 2: r = x < y; break; \
            case 3: r = x <= y; break; \
            case 4: r = x > y; break; \
            default: r = x >= y; break; \
        } \
        c[co + dot(k, d, cs)] = r; \
    } \
}
COMPARE(compare_i32, int)
COMPARE(compare_i64, long long)

// ---- sort along one dim (torch.sort(stable=True) order): one block per row, the row's keys in shared memory as
// 64-bit words (an order-preserving 32-bit key above the element's position), sorted by a bitonic network. Keys are
// unique through the position, so the network's instability cannot show: the result is the stable sort's. NaN is
// the largest value, -0.0 equals 0.0; descending flips the key, never the position. F32 and I32 rows of at most
// 4096 elements (the Java side checks).

__device__ __forceinline__ unsigned int orderedKey(float v) {
    if (v != v) return 0xffffffffu;          // every NaN above +inf
    if (v == 0.f) v = 0.f;                   // -0.0 sorts with 0.0
    unsigned int b = __float_as_uint(v);
    return (b & 0x80000000u) ? ~b : b | 0x80000000u;
}

__device__ __forceinline__ unsigned int orderedKey(int v) { return (unsigned int) v ^ 0x80000000u; }

template <typename T>
__device__ __forceinline__ void sortRow(int n, int inner, int pow2, const T* x, T* values, long long* indices,
                                        int descending) {
    extern __shared__ unsigned long long words[];
    long long row = blockIdx.x;
    long long o = row / inner, in = row % inner;
    long long base = o * (long long) n * inner + in;
    for (int i = threadIdx.x; i < pow2; i += blockDim.x) {
        unsigned long long w;
        if (i < n) {
            unsigned int key = orderedKey(x[base + (long long) i * inner]);
            if (descending) key = ~key;
            w = ((unsigned long long) key << 32) | (unsigned int) i;
        } else {
            w = 0xffffffffffffffffull;           // padding sorts after every real word
        }
        words[i] = w;
    }
    __syncthreads();
    for (int size = 2; size <= pow2; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int i = threadIdx.x; i < pow2; i += blockDim.x) {
                int j = i ^ stride;
                if (j > i) {
                    bool up = (i & size) == 0;
                    unsigned long long a = words[i], b = words[j];
                    if ((a > b) == up) { words[i] = b; words[j] = a; }
                }
            }
            __syncthreads();
        }
    }
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        int pos = (int) (words[i] & 0xffffffffu);
        values[base + (long long) i * inner] = x[base + (long long) pos * inner];
        indices[base + (long long) i * inner] = pos;
    }
}

extern "C" __global__ void sort_f32(int n, int inner, int pow2, const float* x, float* values, long long* indices,
                                    int descending) {
    sortRow<float>(n, inner, pow2, x, values, indices, descending);
}

extern "C" __global__ void sort_i32(int n, int inner, int pow2, const int* x, int* values, long long* indices,
                                    int descending) {
    sortRow<int>(n, inner, pow2, x, values, indices, descending);
}

// I64 keys do not fit beside a position in one word: keys and positions sit in two shared arrays (12 bytes an
// element, rows of at most 2048) and compare as pairs. The MAE's ids_restore = argsort(ids_shuffle) sorts these.
extern "C" __global__ void sort_i64(int n, int inner, int pow2, const long long* x, long long* values,
                                    long long* indices, int descending) {
    extern __shared__ unsigned long long keys[];
    int* pos = (int*) (keys + pow2);
    long long row = blockIdx.x;
    long long o = row / inner, in = row % inner;
    long long base = o * (long long) n * inner + in;
    for (int i = threadIdx.x; i < pow2; i += blockDim.x) {
        if (i < n) {
            unsigned long long key = (unsigned long long) x[base + (long long) i * inner] ^ 0x8000000000000000ull;
            keys[i] = descending ? ~key : key;
            pos[i] = i;
        } else {
            keys[i] = 0xffffffffffffffffull;
            pos[i] = 0x7fffffff;
        }
    }
    __syncthreads();
    for (int size = 2; size <= pow2; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int i = threadIdx.x; i < pow2; i += blockDim.x) {
                int j = i ^ stride;
                if (j > i) {
                    bool up = (i & size) == 0;
                    unsigned long long a = keys[i], b = keys[j];
                    bool greater = a > b || (a == b && pos[i] > pos[j]);
                    if (greater == up) {
                        keys[i] = b; keys[j] = a;
                        int t = pos[i]; pos[i] = pos[j]; pos[j] = t;
                    }
                }
            }
            __syncthreads();
        }
    }
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        int p = pos[i];
        values[base + (long long) i * inner] = x[base + (long long) p * inner];
        indices[base + (long long) i * inner] = p;
    }
}
