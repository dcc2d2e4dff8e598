#!/usr/bin/env bash
# Lists the kernels in which C2 left a Vector API operation as a call: a vector crossing such a call is boxed on the
# heap and the kernel runs several times slower, in some JVMs and not others (the node budget C2 spends on inlining
# depends on what was compiled before). Runs a few training steps of each workload with -XX:+PrintInlining and the
# launcher's flags, then prints, per usp4j method compiled (on-stack-replacement compiles left out: they only run
# until the normal compile replaces them), the vector calls that stayed calls and why. Nothing printed: all clean.
#
# Usage: bench/check-inlining.sh [workload...]   (dit8 dit16 mae8 mae16 vae; default: all five)
#   env: SKIP_BUILD=1, JAVA_HOME
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/setup.sh  # Java 25, the build, JVM_FLAGS
OUT=$(mktemp -d /tmp/check-inlining.XXXXXX)
for w in "${@:-dit8 dit16 mae8 mae16 vae}"; do
    for one in $w; do
        args=$(workload_args "$one")
        # shellcheck disable=SC2086
        "$JAVA_HOME/bin/java" "${JVM_FLAGS[@]}" -XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation \
            -XX:+PrintInlining -cp "bench/target/classes:bench/target/lib/*" dev.usp4j.bench.TrainStepBench $args \
            batch=64 warmup=6 iters=2 threads=2 > "$OUT/$one.txt" 2>&1
        echo "== $one"
        python3 - "$OUT/$one.txt" <<'PY'
import collections, re, sys

# A compile's header: timestamp, compile id, flags (% marks on-stack replacement), Class::method.
header = re.compile(r"^\s*\d+\s+\d+\s+([%sbn!\s]*)\s([\w.$/]+::[\w$<>]+)")
method, osr = None, False
calls = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1], errors="replace"):
    m = header.match(line)
    if m and "@" not in line.split("::")[0]:
        method, osr = (None, False) if "made not entrant" in line else (m.group(2), "%" in m.group(1))
        continue
    if not method or osr or "usp4j" not in method:
        continue
    if "failed to inline" in line and "late inline succeeded" not in line:
        callee = re.search(r"@ \d+\s+([\w.$]+::[\w$<>]+)", line)
        name = callee.group(1) if callee else ""
        # Vector API internals, and our helpers that take or return vectors (VectorMath, *Vector methods).
        if name.startswith(("jdk.incubator.vector", "jdk.internal.vm.vector")) or "VectorMath::" in name \
                or name.endswith("Vector"):
            reason = line.rsplit("failed to inline:", 1)[-1].strip()
            calls[method][name.rsplit(".", 1)[-1] + " (" + reason + ")"] += 1
for m in sorted(calls):
    print(m)
    for c, n in calls[m].most_common():
        print(f"    {n}× {c}")
PY
    done
done
