#!/usr/bin/env bash
# The CUDA checks of a GPU machine in one go. Two halves:
#   cuda/run-device.sh pack      here: build, then bundle a Java runtime, the jars and JUnit into .devjre (ignored)
#   cuda/run-device.sh run OUT   there, from the copied tree: the CUDA test suite, CudaBench beside PyTorch's
#                                cuda_torch.py, and a DiT-B/2 training step on both; logs into OUT
# The GPU machines have no Java and no network (../shared/gpu-notes.md); .devjre is what travels.
set -uo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  pack)
    set -e
    source bench/setup.sh >/dev/null 2>&1 || true
    JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
    PATH=$JAVA_HOME/bin:$PATH
    mvn -q -o install -DskipTests
    mkdir -p cuda/target/device
    jar cf cuda/target/device/usp4j-cuda-tests.jar -C cuda/target/test-classes .
    M2=$HOME/.m2/repository
    JARS="tensor/target/usp4j-tensor-0.1.0-SNAPSHOT.jar tensor/target/usp4j-tensor-0.1.0-SNAPSHOT-tests.jar autograd/target/usp4j-autograd-0.1.0-SNAPSHOT.jar
          nn/target/usp4j-nn-0.1.0-SNAPSHOT.jar data/target/usp4j-data-0.1.0-SNAPSHOT.jar
          diffusion/target/usp4j-diffusion-0.1.0-SNAPSHOT.jar cuda/target/usp4j-cuda-0.1.0-SNAPSHOT.jar
          usp-app/target/usp4j-usp-0.1.0-SNAPSHOT.jar bench/target/usp4j-bench-0.1.0-SNAPSHOT.jar
          cuda/target/device/usp4j-cuda-tests.jar $M2/org/jcuda/jcuda/12.6.0/jcuda-12.6.0.jar
          $M2/info/picocli/picocli/4.7.7/picocli-4.7.7.jar"
    rm -rf .devjre
    # --desktop: ImageIO, which the pipeline's image grids need (./usp on the GPU machine).
    ../shared/tools/device-jre.sh --desktop --out .devjre --jars "$JARS" --junit 1.14.1
    ;;
  run)
    OUT=${2:?usage: run OUT}
    mkdir -p "$OUT"
    # System.gc() (the CUDA allocator's way to get the blocks of unreachable arrays back) as a concurrent cycle
    # whose young pause already frees the short-lived ones, instead of a full stop-the-world collection.
    export JAVA_OPTS="-Xmx24g -XX:+ExplicitGCInvokesConcurrent ${JAVA_OPTS:-}"
    { nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; } > "$OUT/device.txt" 2>&1
    cat "$OUT/device.txt"
    echo "== CUDA test suite"
    # Classes by name: the carried runtime has no zip file system, which JUnit's package scan needs.
    JAVA_OPTS="$JAVA_OPTS -Dusp4j.poisonOutputs=true" timeout "${JUNIT_TIMEOUT:-240}" bash .devjre/run.sh --junit \
      --select-class dev.usp4j.tensor.cuda.CudaOpsTest --select-class dev.usp4j.tensor.cuda.DeviceTrainingStepTest \
      --select-class dev.usp4j.tensor.cuda.EmulatedDeviceOpsTest --select-class dev.usp4j.tensor.cuda.CudaPtxTest \
      --details=tree --disable-ansi-colors > "$OUT/junit.txt" 2>&1
    echo "junit exit $?"; grep -E "tests (successful|failed|aborted)|✘|CudaOpsTest on" "$OUT/junit.txt" | head -60
    echo "== benchmarks"
    : > "$OUT/bench.txt"
    if [ "${KERNELS:-1}" = 1 ]; then  # KERNELS=0 skips the GEMM and attention timings
      timeout 90 bash .devjre/run.sh dev.usp4j.bench.CudaBench >> "$OUT/bench.txt" 2>&1; echo "CudaBench exit $?"
      timeout 90 python3 bench/peers/cuda_torch.py gemm attention >> "$OUT/bench.txt" 2>&1; echo "torch exit $?"
    fi
    timeout 120 bash .devjre/run.sh dev.usp4j.bench.TrainStepBench net=dit model=DiT-B/2 batch=256 side=32 \
      device=cuda warmup=2 iters=5 verbose=true >> "$OUT/bench.txt" 2>&1; echo "TrainStepBench exit $?"
    if [ "${PROFILE:-1}" = 1 ]; then  # PROFILE=0 skips the per-op profile of one step
      JAVA_OPTS="$JAVA_OPTS -Dusp4j.profile=true -Dusp4j.profile.rows=40 -Dusp4j.cuda.sync=true" timeout 90 \
        bash .devjre/run.sh dev.usp4j.bench.TrainStepBench net=dit model=DiT-B/2 batch=256 side=32 device=cuda \
        warmup=1 iters=2 > "$OUT/profile.txt" 2>&1; echo "profiled step exit $?"
    fi
    timeout 60 python3 bench/peers/cuda_torch.py dit warmup=2 iters=5 >> "$OUT/bench.txt" 2>&1; echo "torch dit exit $?"
    grep -E "^(usp4j|torch)" "$OUT/bench.txt"
    grep -A45 "in backend ops" "$OUT/profile.txt" | head -50
    ;;
  *)
    echo "usage: cuda/run-device.sh pack | run OUT" >&2; exit 2 ;;
esac
