#!/usr/bin/env bash
# deploy/docker/Dockerfile.* linted without Docker (Docker cannot run on these machines):
# dockerfile-utils' validator plus the project's rules (lint_dockerfiles.js, which also checks the
# flags passed to deploy/install-deps.sh); a broken Dockerfile must fail.
#
#   dockerfiles_test.sh SOURCE_DIR NODE_DIR
set -euo pipefail

source_dir=$1
node_dir=$2
"$source_dir/tests/deploy/npm_install.sh" "$node_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/clipglass-docker-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

dockerfiles=("$source_dir"/deploy/docker/Dockerfile.cpu "$source_dir"/deploy/docker/Dockerfile.cuda)
node "$node_dir/lint_dockerfiles.js" "$source_dir" "${dockerfiles[@]}"

sed 's/^COPY deploy\/install-deps.sh/COPY deploy\/install-dep.sh/; s/^FROM debian:12 AS build/FROM debian AS build/; s/^WORKDIR/WORKDIRR/; s/--build-only/--build-onli/' \
  "$source_dir/deploy/docker/Dockerfile.cpu" >"$work/Dockerfile.broken"
if node "$node_dir/lint_dockerfiles.js" "$source_dir" "$work/Dockerfile.broken" 2>"$work/err"; then
  echo "FAIL: a broken Dockerfile passed" >&2
  exit 1
fi
for expected in "install-dep.sh is not in the build context" "needs a fixed tag" "Unknown instruction" \
  "install-deps.sh does not accept --build-onli"; do
  grep -qF "$expected" "$work/err" || {
    cat "$work/err" >&2
    echo "FAIL: not reported: $expected" >&2
    exit 1
  }
done
echo "OK: Dockerfiles lint clean"
