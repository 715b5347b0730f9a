#!/usr/bin/env bash
# deploy/k8s/*.yaml validated offline: Kubernetes schemas and unknown fields, the sweep's own
# rules (validate_manifests.js), and every command line in them run against the built clipglass
# (check_commands.js). A broken copy of the manifests must fail, so the checks are known to bite.
# The npm packages (kubernetes-models, js-yaml) are installed once into NODE_DIR from the
# committed package-lock.json.
#
#   k8s_manifests_test.sh CLIPGLASS_BIN SOURCE_DIR NODE_DIR
set -euo pipefail

bin=$1
source_dir=$2
node_dir=$3
"$source_dir/tests/deploy/npm_install.sh" "$node_dir"

work=$(mktemp -d "${TMPDIR:-/tmp}/clipglass-k8s-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/shim" "$work/broken"
ln -s "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$work/shim/clipglass"

echo "== schemas and sweep rules"
manifests=("$source_dir"/deploy/k8s/*.yaml)
node "$node_dir/validate_manifests.js" "$work/commands.jsonl" "${manifests[@]}"

echo "== command lines against $(basename "$bin")"
node "$node_dir/check_commands.js" "$work/commands.jsonl" "$work/shim"

echo "== a broken copy must fail"
cp "${manifests[@]}" "$work/broken/"
sed -i 's/readinessProbe:/readinesProbe:/' "$work/broken/coordinator.yaml"
sed -i 's/clipglass-coordinator:50051/clipglass-coordinator:50052/; s/--dtype$/--dtipe/' \
  "$work/broken/workers.yaml"
if node "$node_dir/validate_manifests.js" "$work/broken.jsonl" "$work/broken"/*.yaml \
  2>"$work/broken.err"; then
  echo "FAIL: the broken manifests passed" >&2
  exit 1
fi
for expected in "unknown field spec/template/spec/containers/0/readinesProbe" \
  "Service clipglass-coordinator has no port 50052"; do
  grep -qF "$expected" "$work/broken.err" || {
    cat "$work/broken.err" >&2
    echo "FAIL: no problem reported for: $expected" >&2
    exit 1
  }
done
if node "$node_dir/check_commands.js" "$work/broken.jsonl" "$work/shim" >/dev/null 2>&1; then
  echo "FAIL: clipglass accepted a worker command with --dtipe" >&2
  exit 1
fi
echo "OK: deploy/k8s manifests valid; their command lines parse"
