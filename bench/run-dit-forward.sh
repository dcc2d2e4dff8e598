#!/usr/bin/env bash
# One DiT forward (eval, no grad) of usp4j against PyTorch on the same cores, alternating the two for several rounds.
# Usage: bench/run-dit-forward.sh [rounds] [model] [batch] [side] [weights]   (env: SKIP_BUILD=1, THREADS=2,
# JAVA_HOME); side is the latent side (32), weights f32 or bf16 (both sides convert the model after filling it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
MODEL=${2:-DiT-XL/2}
BATCH=${3:-1}
SIDE=${4:-32}
WEIGHTS=${5:-f32}
THREADS=${THREADS:-2}
source bench/setup.sh  # Java 25, the build, JVM_FLAGS
java_run() {
    "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -cp "bench/target/classes:bench/target/lib/*" \
        dev.usp4j.bench.DiTForwardBench model="$MODEL" batch="$BATCH" side="$SIDE" weights="$WEIGHTS" \
        threads="$THREADS" 2>&1 | grep -v WARNING
}
torch_run() {
    # OpenBLAS with the SkylakeX kernels, as ../shared/anchors.md says (Debian's default BLAS is 50x slower).
    env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OPENBLAS_CORETYPE=SkylakeX \
        /usr/bin/python3 bench/peers/dit_forward_torch.py model="$MODEL" batch="$BATCH" side="$SIDE" weights="$WEIGHTS" \
        threads="$THREADS"
}
for r in $(seq 1 "$ROUNDS"); do
    echo "== round $r"
    if (( r % 2 == 1 )); then java_run; torch_run; else torch_run; java_run; fi
done
