#!/usr/bin/env bash
# Linear layers at inference: usp4j with float32 and with bfloat16 weights against OpenBLAS (NumPy, float32) on the
# same cores, alternating the two for several rounds. Usage: bench/run-linear-bf16.sh [rounds]
# (env: THREADS=2, SKIP_BUILD=1, JAVA_HOME)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
THREADS=${THREADS:-2}
source bench/setup.sh  # Java 25, the build, JVM_FLAGS
# -XX:+AlwaysPreTouch: each layer call allocates its output, and a short run would otherwise time the kernel's
# first-touch page faults on fresh heap (a 256-row layer ran at half speed), not the steady state of a long one.
java_run() {
    "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -XX:+AlwaysPreTouch -cp "bench/target/classes:bench/target/lib/*" \
        dev.usp4j.bench.LinearBf16Bench threads="$THREADS" seconds=2 2>&1 | grep -v WARNING
}
numpy_run() {
    echo "OpenBLAS (NumPy), $THREADS threads"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" python3 bench/peers/linear_numpy.py 2
}
for r in $(seq 1 "$ROUNDS"); do
    echo "== round $r"
    if (( r % 2 == 1 )); then java_run; numpy_run; else numpy_run; java_run; fi
done
