#!/usr/bin/env bash
# The GPU check, one script for a lent GPU machine that has PyTorch but not the project's apt
# packages: builds the models-only target (CLIPGLASS_MODELS_ONLY) against that PyTorch's LibTorch,
# runs the golden fixtures on the GPU (fp32 within 1e-4; fp16 and bf16 within the looser bounds
# gpu_parity.cpp states), then the model benchmarks at the real checkpoints' dimensions in fp32,
# bf16 and fp16. Every result goes to OUT_DIR: gpu.txt (the card), build.log, parity.txt,
# bench-<dtype>.txt, summary.txt.
#
#   deploy/gpu/prepare.sh            # here first: header-only libraries into .gpu-deps
#   deploy/gpu/check.sh [OUT_DIR]    # there (default $OUT, else gpu-check-out)
# Environment: CLIPGLASS_THIRD_PARTY_DIR (default .gpu-deps), BENCH_SECONDS (per dtype, 90; the whole
# script stays under 10 minutes: build ~2, parity <= 2, benchmarks <= 4.5),
# BUILD_JOBS (default: every core).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

out=${1:-${OUT:-gpu-check-out}}
mkdir -p "$out"
summary="$out/summary.txt"
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
third_party=${CLIPGLASS_THIRD_PARTY_DIR:-$PWD/.gpu-deps}
bench_seconds=${BENCH_SECONDS:-90}
jobs=${BUILD_JOBS:-$(nproc)}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >"$out/gpu.txt" 2>&1 ||
  note "nvidia-smi failed"
note "gpu: $(tail -n 1 "$out/gpu.txt")"
python=$(command -v python3)
prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)') || {
  note "no PyTorch in $python"
  exit 1
}
note "torch: $("$python" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)')"
[ -f "$third_party/include/fmt/format.h" ] || {
  note "$third_party/include/fmt missing: run deploy/gpu/prepare.sh here and carry .gpu-deps"
  exit 1
}

# PyTorch's CMake config looks for the CUDA toolkit (nvcc); no CUDA code is compiled here, so the
# architecture list only spares its detection step.
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}

start=$(date +%s)
if ! cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCLIPGLASS_MODELS_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$prefix" -DCLIPGLASS_THIRD_PARTY_DIR="$third_party" >"$out/build.log" 2>&1 ||
  ! cmake --build build-gpu -j "$jobs" --target gpu_parity gpu_model_bench >>"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log"
  note "build failed (build.log)"
  exit 1
fi
note "build: $(($(date +%s) - start)) s with $jobs jobs"

rc=0
timeout 120 build-gpu/deploy/gpu/gpu_parity --fixtures tests/data/reference --device cuda:0 \
  --dtypes fp32,fp16,bf16 >"$out/parity.txt" 2>&1 || rc=1
note "parity: $(tail -n 1 "$out/parity.txt")"
for dtype in fp32 bf16 fp16; do
  timeout "$bench_seconds" build-gpu/deploy/gpu/gpu_model_bench --device cuda:0 --dtype "$dtype" \
    --repeats 3 >"$out/bench-$dtype.txt" 2>&1
  status=$?
  [ "$status" = 124 ] && note "bench $dtype: stopped after ${bench_seconds}s (rows so far kept)"
  [ "$status" != 0 ] && [ "$status" != 124 ] && {
    note "bench $dtype: exit $status"
    rc=1
  }
done
cat "$out/parity.txt" "$out"/bench-*.txt
exit "$rc"
