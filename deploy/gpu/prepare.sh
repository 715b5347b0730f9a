#!/usr/bin/env bash
# Run HERE (the Debian machine with the project's apt packages), before deploy/gpu/check.sh runs
# on a GPU machine that has only a PyTorch install: copies the header-only libraries the
# models-only build uses (fmt, nlohmann_json) into DIR/include, with their licences. DIR must be
# a folder that travels to the GPU machine (git-ignored: name it in the device tool's `carry`).
#
#   deploy/gpu/prepare.sh [DIR]     (default .gpu-deps; also added to .git/info/exclude)
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=${1:-.gpu-deps}
for header in /usr/include/fmt/format-inl.h /usr/include/nlohmann/json.hpp; do
  [ -f "$header" ] || {
    echo "prepare.sh: $header missing (deploy/install-deps.sh installs libfmt-dev, nlohmann-json3-dev)" >&2
    exit 1
  }
done
rm -rf "$dir"
mkdir -p "$dir/include" "$dir/licenses"
cp -r /usr/include/fmt /usr/include/nlohmann "$dir/include/"
cp /usr/share/doc/libfmt-dev/copyright "$dir/licenses/fmt" 2>/dev/null || true
cp /usr/share/doc/nlohmann-json3-dev/copyright "$dir/licenses/nlohmann_json" 2>/dev/null || true
if [ -d .git ] && ! grep -qx "/$dir/" .git/info/exclude 2>/dev/null; then
  echo "/$dir/" >>.git/info/exclude
fi
echo "prepare.sh: $(du -sh "$dir" | cut -f1) of headers in $dir; carry it with the run: [\"$dir\"]"
