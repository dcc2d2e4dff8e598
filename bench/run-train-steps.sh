#!/usr/bin/env bash
# Training steps (forward + backward + AdamW, fp32) of usp4j against PyTorch 1.13 on the same cores, on the
# workloads of issue "CPU performance": DiT-S/2 on 8×8×4 and 16×16×4 latents, MAE-ViT-S/2 (encoder + 4×256
# decoder, 75% masked) on the same latents, and the small VAE on 1×32×32 images, all at batch 64. The two sides
# alternate, round after round (the machine drifts by ±20% over minutes), and a markdown table of medians follows:
# images/s, the ratio, effective GFLOP/s (the multiply-add FLOPs torch.profiler counts in one forward, ×3) as a
# share of the machine's fp32 peak, and peak memory (the process's peak RSS on both sides; Java's heap peak too).
#
# PyTorch runs as ../shared/anchors.md says: OpenBLAS with AVX-512 kernels and two threads (Debian's default BLAS
# would make it 50× slower and the comparison void); its script warns when a 1024³ matmul is under 100 GFLOP/s.
#
# Usage: bench/run-train-steps.sh [rounds]
#   env: ONLY="dit8 mae16" to pick workloads (dit8 dit16 mae8 mae16 vae), THREADS=2, ITERS=8, WARMUP=4,
#        PEAK=320 (GFLOP/s of both cores, anchors.md), SKIP_BUILD=1, JAVA_HOME
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
THREADS=${THREADS:-2}
ITERS=${ITERS:-8}
WARMUP=${WARMUP:-4}
PEAK=${PEAK:-320}
ONLY=${ONLY:-"dit8 dit16 mae8 mae16 vae"}
source bench/setup.sh  # Java 25, the build, JVM_FLAGS
OUT=$(mktemp -d /tmp/train-steps.XXXXXX)
echo "raw results in $OUT" >&2

java_run() {  # workload round
    # shellcheck disable=SC2046
    "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -cp "bench/target/classes:bench/target/lib/*" \
        dev.usp4j.bench.TrainStepBench $(workload_args "$1") batch=64 warmup="$WARMUP" iters="$ITERS" \
        threads="$THREADS" 2>&1 | grep '^usp4j ' > "$OUT/java-$1-r$2.txt"
}

torch_run() {  # workload round
    # shellcheck disable=SC2046
    env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OPENBLAS_CORETYPE=SkylakeX \
        /usr/bin/python3 bench/peers/train_step_torch.py $(workload_args "$1") batch=64 warmup="$WARMUP" \
        iters="$ITERS" threads="$THREADS" > "$OUT/torch-$1-r$2.txt"
}

for r in $(seq 1 "$ROUNDS"); do
    for w in $ONLY; do
        if (( r % 2 == 1 )); then java_run "$w" "$r"; torch_run "$w" "$r"; else torch_run "$w" "$r"; java_run "$w" "$r"; fi
        echo "round $r: $w done ($(grep -ho ', step [0-9.]*' "$OUT/java-$w-r$r.txt" | cut -c8-) ms usp4j," \
             "$(grep -ho ', step [0-9.]*' "$OUT/torch-$w-r$r.txt" | cut -c8-) ms torch)" >&2
    done
done

python3 - "$OUT" "$ROUNDS" "$PEAK" "$THREADS" "$ONLY" <<'PY'
import glob, os, re, statistics, sys

out, rounds, peak, threads, only = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5].split()
names = {"dit8": "DiT-S/2, 8×8×4 latents", "dit16": "DiT-S/2, 16×16×4 latents",
         "mae8": "MAE-ViT-S/2 + 4×256 decoder, 75% masked, 8×8×4", "mae16": "same, 16×16×4",
         "vae": "VAE-f4-small, 1×32×32 images"}

def field(text, pattern):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else float("nan")

def collect(side, w):
    step, best, rss, heap, flops = [], [], [], [], []
    for p in sorted(glob.glob(os.path.join(out, f"{side}-{w}-r*.txt"))):
        t = open(p).read()
        step.append(field(t, r", step ([0-9.]+)"))
        best.append(field(t, r"best step ([0-9.]+)"))
        rss.append(field(t, r"peak RSS ([0-9.]+) MiB"))
        heap.append(field(t, r"peak heap ([0-9.]+) MiB"))
        flops.append(field(t, r"flops ([0-9.e+]+)"))
    med = lambda v: statistics.median(v) if v else float("nan")
    return (med(step), min(best, default=float("nan")), max(rss, default=float("nan")),
            max(heap, default=float("nan")), med(flops))

print(f"Training steps at batch 64, fp32, {threads} threads, median of {rounds} alternating rounds "
      f"(each: warm-up, then the median step); GFLOP/s = step FLOPs / step time, peak = {peak:.0f} GFLOP/s; "
      f"'best' = the fastest step of all rounds on each side (noise from neighbours only adds time)")
print()
print("| workload | usp4j img/s | PyTorch img/s | usp4j / PyTorch | best steps, ms (usp4j / PyTorch) | ratio of best "
      "| usp4j GFLOP/s (% peak) | PyTorch GFLOP/s (% peak) | usp4j peak RSS (heap) | PyTorch peak RSS |")
print("|---|---|---|---|---|---|---|---|---|---|")
for w in only:
    js, jb, jrss, jheap, _ = collect("java", w)
    ts, tb, trss, _, fl = collect("torch", w)
    ji, ti = 64e3 / js, 64e3 / ts
    jg, tg = fl / js / 1e6, fl / ts / 1e6
    print(f"| {names[w]} | {ji:.1f} | {ti:.1f} | **{ji / ti:.2f}** | {jb:.0f} / {tb:.0f} | **{tb / jb:.2f}** "
          f"| {jg:.0f} ({100 * jg / peak:.0f}%) "
          f"| {tg:.0f} ({100 * tg / peak:.0f}%) | {jrss / 1024:.1f} GiB ({jheap / 1024:.1f}) | {trss / 1024:.1f} GiB |")
PY
