#!/usr/bin/env bash
# The demo world's StyleGAN2 trained on a lent GPU machine (PyTorch, none of the project's apt
# packages): builds gpu_train_stylegan2 (CLIPGLASS_MODELS_ONLY) against that PyTorch's LibTorch and
# runs the configurations named on the command line side by side on cuda:0, each for at most
# TRAIN_SECONDS, each judged by the shipped referee at the end. Writes OUT_DIR/runs.tar (one
# folder per configuration: stylegan2_G.safetensors, stylegan2_D.safetensors,
# stylegan2_metrics.json, log.txt), OUT_DIR/build.log and OUT_DIR/summary.txt.
#
#   deploy/gpu/prepare.sh                                     # here first (headers into .gpu-deps)
#   deploy/gpu/train_stylegan2.sh 'NAME:FLAGS' ['NAME:FLAGS' ...]   # there
#   e.g. deploy/gpu/train_stylegan2.sh 'shipped:' 'batch128:--batch 128'
# Environment: OUT_DIR (default $OUT, else gpu-train-out), TRAIN_SECONDS (default 300),
# CLIPGLASS_THIRD_PARTY_DIR (default .gpu-deps), BUILD_JOBS (default: every core).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

out=${OUT_DIR:-${OUT:-gpu-train-out}}
mkdir -p "$out"
summary="$out/summary.txt"
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
[ $# -gt 0 ] || {
  note "usage: deploy/gpu/train_stylegan2.sh 'NAME:FLAGS' ..."
  exit 2
}
third_party=${CLIPGLASS_THIRD_PARTY_DIR:-$PWD/.gpu-deps}
seconds=${TRAIN_SECONDS:-300}
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)') || {
  note "no PyTorch in python3"
  exit 1
}
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
note "gpu: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1)"

start=$(date +%s)
if ! cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCLIPGLASS_MODELS_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$prefix" -DCLIPGLASS_THIRD_PARTY_DIR="$third_party" >"$out/build.log" 2>&1 ||
  ! cmake --build build-gpu -j "${BUILD_JOBS:-$(nproc)}" --target gpu_train_stylegan2 \
    >>"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log"
  note "build failed (build.log)"
  exit 1
fi
note "build: $(($(date +%s) - start)) s"

runs=$(mktemp -d)
pids=()
for spec in "$@"; do
  name=${spec%%:*}
  flags=${spec#*:}
  mkdir -p "$runs/$name"
  # shellcheck disable=SC2086 # FLAGS are words by design
  build-gpu/deploy/gpu/gpu_train_stylegan2 --out "$runs/$name" --device cuda:0 \
    --max-seconds "$seconds" --referee weights/demo/referee.safetensors --log-every 1000 \
    $flags >"$runs/$name/log.txt" 2>&1 &
  pids+=($!)
done
rc=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || rc=1
done
for spec in "$@"; do
  name=${spec%%:*}
  note "$name (${spec#*:}): $(grep -E '^wrote|^referee|gpu_train_stylegan2:' "$runs/$name/log.txt" | tr '\n' ' ')"
done
tar -C "$runs" -cf "$out/runs.tar" .
exit "$rc"
