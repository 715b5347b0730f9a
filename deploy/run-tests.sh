#!/usr/bin/env bash
# The whole test suite, as the README and CI run it:
#   1. format check (clang-format, .clang-format at the root)
#   2. configure + build everything (build/), run every test with ctest
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build of the tests that do not need LibTorch
#   4. a bounded libFuzzer run of the weight-file parsers (clang), deploy/fuzz.sh
# Usage: deploy/run-tests.sh [--no-asan] [--no-fuzz]
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/clipglass-ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
run_asan=1
run_fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) run_asan=0 ;;
    --no-fuzz) run_fuzz=0 ;;
    *) echo "usage: deploy/run-tests.sh [--no-asan] [--no-fuzz]" >&2; exit 2 ;;
  esac
done

echo "== format check"
git ls-files -- '*.cpp' '*.h' '*.cc' | grep -v '^tests/data/' | xargs -r clang-format --dry-run --Werror

echo "== build (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"

echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "$run_asan" = 1 ]; then
  echo "== sanitizer build (build-asan/, tests without LibTorch)"
  # -g1: line tables are all a sanitizer report needs, at ~25% less compile time than -g.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
    -DCMAKE_C_FLAGS_DEBUG=-g1 -DCLIPGLASS_SANITIZE=ON -DCLIPGLASS_WITH_TORCH=OFF \
    -DCLIPGLASS_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit
fi

if [ "$run_fuzz" = 1 ]; then
  echo "== fuzzing (build-fuzz/, 30 s)"
  JOBS="$jobs" bash deploy/fuzz.sh 30
fi
