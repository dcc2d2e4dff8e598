"""The GEMM peer: NumPy's OpenBLAS sgemm on the shapes of GemmBenchmark, printed as GFLOP/s.

Run with the default python3 (NumPy 2.x with OpenBLAS 0.3.31), the thread count set per process:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 bench/peers/gemm_numpy.py
(bench/run-gemm.sh does this). Each shape is warmed up, then timed in batches of calls lasting about
--batch-seconds; the printed figure is the median batch. Output: one line per shape, "shape<TAB>GFLOP/s".
"""
import argparse
import os
import statistics
import time

import numpy as np

# (name, batch, M, K, N): the same names as GemmBenchmark's shape parameter.
SHAPES = [
    ("512", 1, 512, 512, 512),
    ("1024", 1, 1024, 1024, 1024),
    ("2048", 1, 2048, 2048, 2048),
    ("4096x384x1536", 1, 4096, 384, 1536),
    ("4096x1536x384", 1, 4096, 1536, 384),
    ("256x768x3072", 1, 256, 768, 3072),
    ("64x256x64x256", 64, 256, 64, 256),
]


def measure(batch, m, k, n, batches, batch_seconds):
    rng = np.random.default_rng(0)
    shape_a = (batch, m, k) if batch > 1 else (m, k)
    shape_b = (batch, k, n) if batch > 1 else (k, n)
    a = rng.standard_normal(shape_a, dtype=np.float32)
    b = rng.standard_normal(shape_b, dtype=np.float32)
    out = np.empty(((batch, m, n) if batch > 1 else (m, n)), dtype=np.float32)
    flops = 2.0 * batch * m * n * k
    # Calls per timed batch, from a warm-up of about one batch.
    calls, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < batch_seconds:
        np.matmul(a, b, out=out)
        calls += 1
    rates = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(calls):
            np.matmul(a, b, out=out)
        rates.append(flops * calls / (time.perf_counter() - t0) / 1e9)
    return statistics.median(rates)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", default=",".join(s[0] for s in SHAPES), help="comma-separated shape names")
    p.add_argument("--batches", type=int, default=5)
    p.add_argument("--batch-seconds", type=float, default=0.4)
    args = p.parse_args()
    wanted = args.shapes.split(",")
    print(f"# numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    for name, batch, m, k, n in SHAPES:
        if name in wanted:
            g = measure(batch, m, k, n, args.batches, args.batch_seconds)
            print(f"{name}\t{g:.1f}", flush=True)


if __name__ == "__main__":
    main()
