#!/usr/bin/env bash
# Builds the libFuzzer targets of the weight loader with clang (ASan + UBSan, no LibTorch) in a
# separate build directory and runs them for a bounded time on the committed seed corpora.
#   deploy/fuzz.sh [SECONDS]      total fuzzing time, split between the targets (default 60)
# Environment: CLIPGLASS_FUZZ_BUILD_DIR (default build-fuzz), JOBS (build jobs, default 1).
# New inputs go to the build directory, never into the repository; a crash leaves its input in
# $CLIPGLASS_FUZZ_BUILD_DIR/artifacts/ and makes the script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
build="${CLIPGLASS_FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${JOBS:-1}"
fuzz_dir=worker/weights/fuzz
targets=(safetensors_fuzzer pickle_fuzzer)

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt install clang)" >&2; exit 1; }

start=$(date +%s)
echo "== configure ($build, clang, CLIPGLASS_FUZZ=ON)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCLIPGLASS_FUZZ=ON -DCLIPGLASS_SANITIZE=ON -DCLIPGLASS_WITH_TORCH=OFF \
  -DCLIPGLASS_BUILD_TESTS=OFF -DCLIPGLASS_BUILD_BENCH=OFF >/dev/null
echo "== build ${targets[*]}"
cmake --build "$build" --target "${targets[@]}" -j "$jobs"
built=$(date +%s)
echo "== built in $((built - start)) s"

per_target=$(( seconds / ${#targets[@]} ))
(( per_target >= 1 )) || per_target=1
mkdir -p "$build/artifacts"
status=0
for target in "${targets[@]}"; do
  name="${target%_fuzzer}"
  work="$build/corpus/$name"
  mkdir -p "$work"
  echo "== $target for ${per_target} s"
  # The first corpus directory receives new inputs; the committed seeds are only read.
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$build/$fuzz_dir/$target" -max_total_time="$per_target" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -dict="$fuzz_dir/$name.dict" \
      -artifact_prefix="$build/artifacts/$name-" "$work" "$fuzz_dir/corpus/$name" \
      2>"$build/$target.log"; then
    status=1
    tail -n 60 "$build/$target.log" >&2
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" \
    "$build/$target.log" || true
done
echo "== done in $(( $(date +%s) - start )) s (status $status)"
exit "$status"
