"""The peer of LinearBf16Bench: OpenBLAS (through NumPy) on float32 linear layers, y = x @ W.T + b.

Same shapes and names as the Java bench; each shape cycles through several layers of distinct weights so that
they come from memory. Run with the default python3 and OPENBLAS_NUM_THREADS set (bench/run-linear-bf16.sh does).
Output per shape: "name<TAB>f32<TAB>us/layer<TAB>GFLOP/s<TAB>GB/s of weights", the median of 7 batches.
"""
import statistics
import sys
import time

import numpy as np

# (name, M, K, N, layers): LinearBf16Bench.SHAPES.
SHAPES = [
    ("DiT-XL adaLN, batch 1", 1, 1152, 6912, 8),
    ("DiT-XL fc1, 16 tokens", 16, 1152, 4608, 8),
    ("DiT-S qkv, 16 tokens", 16, 384, 1152, 48),
    ("DiT-XL fc1, 256 tokens", 256, 1152, 4608, 4),
]


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rng = np.random.default_rng(5)
    for name, m, k, n, layers in SHAPES:
        x = rng.standard_normal((m, k), dtype=np.float32)
        ws = [(rng.standard_normal((n, k), dtype=np.float32) * 0.02) for _ in range(layers)]
        bs = [rng.standard_normal(n, dtype=np.float32) for _ in range(layers)]
        out = np.empty((m, n), dtype=np.float32)

        def one_pass():
            for w, b in zip(ws, bs):
                np.matmul(x, w.T, out=out)
                np.add(out, b, out=out)

        passes, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds * 0.5 or passes < 3:
            one_pass()
            passes += 1
        per_batch = max(1, passes // 3)
        times = []
        for _ in range(7):
            t = time.perf_counter()
            for _ in range(per_batch):
                one_pass()
            times.append((time.perf_counter() - t) / per_batch / layers)
        t = statistics.median(times)
        print(f"{name}\tf32\t{t * 1e6:.1f} us/layer\t{2.0 * m * k * n / t / 1e9:.0f} GFLOP/s"
              f"\t{4.0 * k * n / t / 1e9:.1f} GB/s of weights", flush=True)


if __name__ == "__main__":
    main()
