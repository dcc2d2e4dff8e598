#!/usr/bin/env bash
# Compiles the CUDA C kernels (src/main/cuda/*.cu) to PTX committed as resources (src/main/resources/.../ptx).
# PTX for compute_80 runs on Ampere and, JIT-compiled by the driver, on Hopper (sm_90); `nvcc -ptx` writes ISA
# version 9.0 with CUDA 13.0, the newest the GPU machines' driver 580 accepts. No --use_fast_math: the kernels must
# agree with the CPU to 1e-5. CudaPtxTest checks the committed files against a fresh build when nvcc is present.
#   cuda/build-ptx.sh            # rebuild all
#   cuda/build-ptx.sh --check    # exit 1 if a committed PTX differs from a fresh build
set -euo pipefail
cd "$(dirname "$0")"
SRC=src/main/cuda
DST=src/main/resources/dev/usp4j/tensor/cuda/ptx
NVCC=${NVCC:-nvcc}
ARCH=${ARCH:-compute_80}
mkdir -p "$DST"
status=0
for cu in "$SRC"/*.cu; do
  name=$(basename "$cu" .cu)
  tmp=$(mktemp)
  "$NVCC" -ptx -arch="$ARCH" -o "$tmp" "$cu"
  if [ "${1:-}" = "--check" ]; then
    if ! cmp -s "$tmp" "$DST/$name.ptx"; then echo "build-ptx: $DST/$name.ptx is stale (rerun cuda/build-ptx.sh)"; status=1; fi
    rm -f "$tmp"
  else
    mv "$tmp" "$DST/$name.ptx"
    echo "build-ptx: $DST/$name.ptx ($(grep -c '^.entry\|^\.visible \.entry' "$DST/$name.ptx") kernels)"
  fi
done
exit $status
