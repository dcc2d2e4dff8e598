#!/usr/bin/env bash
# GEMM (fp32) of usp4j against OpenBLAS (NumPy), alternating the two at 1 and at 2 threads for several rounds,
# then a markdown table of medians. The machine drifts by ±20% over minutes, so only ratios measured back to back
# mean much. Usage: bench/run-gemm.sh [rounds]   (env: SHAPES=512,1024 to restrict, SKIP_BUILD=1, JAVA_HOME)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SHAPES=${SHAPES:-512,1024,2048,4096x384x1536,4096x1536x384,256x768x3072,64x256x64x256}
source bench/setup.sh  # Java 25, the build, JVM_FLAGS
OUT=$(mktemp -d /tmp/gemm-bench.XXXXXX)
echo "raw results in $OUT" >&2

java_run() {  # threads round
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xss4m -cp "bench/target/classes:bench/target/lib/*" \
        org.openjdk.jmh.Main GemmBenchmark -p shape="$SHAPES" -p threads="$1" \
        -f 1 -wi 3 -w 1s -i 3 -r 500ms \
        -jvmArgs "--add-modules jdk.incubator.vector -Xss4m -Xmx8g" \
        -rf csv -rff "$OUT/java-t$1-r$2.csv" > "$OUT/java-t$1-r$2.log" 2>&1
}

numpy_run() {  # threads round
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$1" \
        python3 bench/peers/gemm_numpy.py --shapes "$SHAPES" --batches 4 --batch-seconds 0.3 > "$OUT/numpy-t$1-r$2.txt"
}

for r in $(seq 1 "$ROUNDS"); do
    for t in 1 2; do
        # Alternate which side goes first, so that a slow drift does not favour one.
        if (( (r + t) % 2 == 0 )); then
            java_run "$t" "$r"; numpy_run "$t" "$r"
        else
            numpy_run "$t" "$r"; java_run "$t" "$r"
        fi
        echo "round $r, $t thread(s) done" >&2
    done
done

python3 - "$OUT" "$ROUNDS" "$SHAPES" <<'PY'
import csv, glob, os, statistics, sys

out, rounds, shapes = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")

def flops(shape):
    d = [int(x) for x in shape.split("x")]
    if len(d) == 1:
        d = [1, d[0], d[0], d[0]]
    elif len(d) == 3:
        d = [1] + d
    return 2.0 * d[0] * d[1] * d[2] * d[3]

java, peer = {}, {}
for path in glob.glob(os.path.join(out, "java-*.csv")):
    with open(path) as f:
        for row in csv.DictReader(f):
            s, t = row["Param: shape"], int(row["Param: threads"])
            us = float(row["Score"])  # average microseconds per invocation
            java.setdefault((s, t), []).append(flops(s) / (us * 1e3))
for path in glob.glob(os.path.join(out, "numpy-*.txt")):
    t = int(path.split("-t")[1].split("-")[0])
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            s, g = line.split("\t")
            peer.setdefault((s, t), []).append(float(g))

def med(v):
    return statistics.median(v) if v else float("nan")

print(f"GEMM fp32, GFLOP/s, median of {rounds} alternating rounds (Java: JMH avgt, 2·B·M·K·N / time; "
      "OpenBLAS: NumPy matmul with out=)")
print()
print("| shape (M×K×N) | Java 1 thr | OpenBLAS 1 thr | ratio 1 thr | Java 2 thr | OpenBLAS 2 thr | ratio 2 thr |")
print("|---|---|---|---|---|---|---|")
for s in shapes:
    cells = []
    for t in (1, 2):
        j, p = med(java.get((s, t), [])), med(peer.get((s, t), []))
        cells += [f"{j:.0f}", f"{p:.0f}", f"{j / p:.2f}"]
    name = s if "x" in s else f"{s}³"
    if s.count("x") == 3:
        b, m, k, n = s.split("x")
        name = f"{b}×({m}×{k} · {k}×{n})"
    elif s.count("x") == 2:
        name = s.replace("x", "×")
    print(f"| {name} | " + " | ".join(cells) + " |")
PY
