#!/usr/bin/env bash
# deploy/gpu/gpu_train_stylegan2 (the GPU machine's StyleGAN2 training) on the CPU: a few steps
# write weights that the evaluator's loader reads (G_ema samples through `clipglass model-run
# stylegan2`), metrics with the steps done and the device; a time limit stops the run; bad flags
# and a CUDA device on a CPU-only LibTorch fail with one line naming the cause.
#
#   gpu_train_stylegan2_test.sh GPU_TRAIN_STYLEGAN2 CLIPGLASS SOURCE_DIR
set -euo pipefail
train=$1
clipglass=$2
source_dir=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/clipglass-gpu-train-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"$train" --out "$work/run" --device cpu --steps 3 --batch 8 --log-every 1 \
  --referee "$source_dir/weights/demo/referee.safetensors" >"$work/log" 2>&1 || {
  cat "$work/log"
  fail "3 steps on the CPU"
}
for f in stylegan2_G.safetensors stylegan2_D.safetensors stylegan2_metrics.json; do
  [ -s "$work/run/$f" ] || fail "$f not written"
done
grep -q '"steps": 3' "$work/run/stylegan2_metrics.json" || fail "metrics: steps"
grep -q '"device": "cpu"' "$work/run/stylegan2_metrics.json" || fail "metrics: device"
grep -q '"referee"' "$work/run/stylegan2_metrics.json" || fail "metrics: referee"
grep -q '^step      3 ' "$work/log" || fail "no progress line for step 3"

# The written G loads as a checkpoint and draws images (the fixture's z: [4, 32], the default z_dim).
"$clipglass" model-run stylegan2 --weights "$work/run/stylegan2_G.safetensors" \
  --weights "$work/run/stylegan2_D.safetensors" \
  --inputs "$source_dir/tests/data/reference/stylegan2/inputs.safetensors" --out "$work/img" \
  >"$work/model-run.log" 2>&1 || {
  cat "$work/model-run.log"
  fail "model-run on the trained G and D"
}
[ -s "$work/img" ] || fail "model-run wrote nothing"

"$train" --out "$work/timed" --device cpu --steps 100000 --batch 8 --max-seconds 0.000001 \
  --log-every 0 >"$work/timed.log" 2>&1 || fail "time-limited run"
grep -q '"steps": 1' "$work/timed/stylegan2_metrics.json" || fail "time limit: not 1 step"

if "$train" --out "$work/bad" --device cpu --batch six 2>"$work/err"; then fail "--batch six"; fi
grep -q 'gpu_train_stylegan2: --batch: not a number: six' "$work/err" || fail "$(cat "$work/err")"
if "$train" --out "$work/bad" --device cpu --bogus 1 2>"$work/err"; then fail "--bogus"; fi
grep -q 'unknown flag or missing value: --bogus' "$work/err" || fail "$(cat "$work/err")"
# On a LibTorch without CUDA (Debian's) a CUDA device is refused up front; with CUDA it trains.
if ! "$train" --out "$work/cuda" --device cuda:0 --steps 1 --batch 8 2>"$work/err" >/dev/null; then
  grep -q 'stylegan2 training: .*cuda:0' "$work/err" || fail "$(cat "$work/err")"
fi
echo "ok"
