#!/usr/bin/env bash
# Everything issue "CPU performance" asks to see, in one command: fp32 GEMM against OpenBLAS at 1 and 2 threads
# (bench/run-gemm.sh, NumPy as the peer) and the training steps of DiT-S/2, MAE-ViT-S/2 and the VAE against
# PyTorch 1.13 on the same cores (bench/run-train-steps.sh), each side by side with its peer over alternating
# rounds, then the two tables of ratios. The peers are set up as ../shared/anchors.md says (Debian's python3-torch
# with libopenblas0-openmp; NumPy for the GEMM). Takes ~20 minutes with 2 rounds on the 2-core machine; run it
# on a quiet machine (the training script prints the best step of each side too, the estimate noise disturbs
# least).
# Usage: bench/run-cpu-performance.sh [rounds]   (env: SKIP_BUILD=1, and those of the two scripts: SHAPES, ONLY,
#        WARMUP, ITERS, THREADS)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
source bench/setup.sh  # Java 25 and the build, once for both scripts
echo "$(lscpu | sed -n 's/^Model name: *//p') ($(nproc) CPUs), $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "### GEMM (fp32) against OpenBLAS"
SKIP_BUILD=1 bench/run-gemm.sh "$ROUNDS"
echo
echo "### Training steps against PyTorch"
SKIP_BUILD=1 WARMUP=${WARMUP:-12} ITERS=${ITERS:-10} bench/run-train-steps.sh "$ROUNDS"
