#!/usr/bin/env bash
# One DiT forward (eval, no grad) of usp4j against PyTorch on the same cores, alternating the two for several rounds.
# Usage: bench/run-dit-forward.sh [rounds] [model] [batch]   (env: SKIP_BUILD=1, THREADS=2, JAVA_HOME)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
MODEL=${2:-DiT-XL/2}
BATCH=${3:-1}
THREADS=${THREADS:-2}
source bench/setup.sh  # Java 25, the build, JVM_FLAGS
java_run() {
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx8g -cp "bench/target/classes:bench/target/lib/*" \
        dev.usp4j.bench.DiTForwardBench model="$MODEL" batch="$BATCH" threads="$THREADS" 2>&1 | grep -v WARNING
}
torch_run() {
    /usr/bin/python3 bench/peers/dit_forward_torch.py model="$MODEL" batch="$BATCH" threads="$THREADS"
}
for r in $(seq 1 "$ROUNDS"); do
    echo "== round $r"
    if (( r % 2 == 1 )); then java_run; torch_run; else torch_run; java_run; fi
done
