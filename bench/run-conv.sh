#!/usr/bin/env bash
# The VAE's convolutions (3×3, stride 1, padding 1) of usp4j against PyTorch 1.13 (oneDNN) on the same cores:
# forward, input gradient and weight gradient per shape, for usp4j's shifted-window kernels (the default) and its
# im2col path (-Dusp4j.conv.im2col=true), the three alternating round after round, then a markdown table of
# medians in ms with GFLOP/s and the ratio usp4j/PyTorch (speed, > 1 is faster).
# Usage: bench/run-conv.sh [rounds]   (env: SHAPES="N,Cin,H,W,Cout;...", THREADS=2, SKIP_BUILD=1, JAVA_HOME)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
THREADS=${THREADS:-2}
SHAPES=${SHAPES:-"64,32,32,32,32;64,64,8,8,64;64,64,16,16,64;64,64,32,32,64"}
source bench/setup.sh  # Java 25, the build, JVM_FLAGS
OUT=$(mktemp -d /tmp/conv-bench.XXXXXX)
echo "raw results in $OUT" >&2

# AlwaysPreTouch: every op's output is a fresh array, and the young generation is gigabytes, so without it the
# timed calls land on never-touched heap and mostly measure page faults (2-3x on these shapes; a training loop
# reuses its memory within a few steps, and PyTorch's allocator reuses freed blocks at once).
java_run() {  # label extra-flag round
    "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -XX:+AlwaysPreTouch $2 -cp "bench/target/classes:bench/target/lib/*" \
        dev.usp4j.bench.ConvBench "shapes=$SHAPES" "threads=$THREADS" > "$OUT/$1-r$3.txt"
}
torch_run() {  # round
    env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OPENBLAS_CORETYPE=SkylakeX \
        /usr/bin/python3 bench/peers/conv_torch.py "shapes=$SHAPES" "threads=$THREADS" > "$OUT/torch-r$1.txt"
}

for r in $(seq 1 "$ROUNDS"); do
    if (( r % 2 == 1 )); then
        java_run shifted "" "$r"; java_run im2col -Dusp4j.conv.im2col=true "$r"; torch_run "$r"
    else
        torch_run "$r"; java_run im2col -Dusp4j.conv.im2col=true "$r"; java_run shifted "" "$r"
    fi
    echo "round $r done" >&2
done

python3 - "$OUT" <<'PY'
import glob, os, statistics, sys
out = sys.argv[1]
runs = {}
for path in glob.glob(os.path.join(out, "*-r*.txt")):
    side = os.path.basename(path).split("-r")[0]
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 5 and p[0] == "conv":
                runs.setdefault((p[1], p[2]), {}).setdefault(side, []).append(float(p[3]))
print("| shape N×Cin×H×W×Cout | pass | usp4j shifted ms | usp4j im2col ms | PyTorch ms | shifted/PyTorch (speed) |")
print("|---|---|---|---|---|---|")
order = {"forward": 0, "input_grad": 1, "weight_grad": 2}
for (shape, kind) in sorted(runs, key=lambda k: (k[0], order.get(k[1], 9))):
    m = {s: statistics.median(v) for s, v in runs[(shape, kind)].items()}
    n, cin, h, w, cout = (int(v) for v in shape.split("x"))
    gf = lambda ms: 2.0 * n * h * w * cout * cin * 9 / ms / 1e6
    cell = lambda s: f"{m[s]:.2f} ({gf(m[s]):.0f} GF/s)" if s in m else "-"
    ratio = f"{m['torch'] / m['shifted']:.2f}" if "torch" in m and "shifted" in m else "-"
    print(f"| {shape} | {kind} | {cell('shifted')} | {cell('im2col')} | {cell('torch')} | {ratio} |")
PY
