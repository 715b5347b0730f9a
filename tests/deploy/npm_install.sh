#!/usr/bin/env bash
# Installs the deployment checks' npm packages (tests/deploy/node/package-lock.json) into DIR,
# with the check scripts beside them; does nothing when DIR already holds that lock file's
# packages. Needs node and npm (deploy/install-deps.sh) and, the first time, the npm registry.
#
#   npm_install.sh DIR
set -euo pipefail

dir=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
cp "$here"/node/*.js "$dir/"
if [ -d "$dir/node_modules" ] && cmp -s "$here/node/package-lock.json" "$dir/package-lock.json"; then
  exit 0
fi
command -v npm >/dev/null || {
  echo "npm_install.sh: npm not found (deploy/install-deps.sh installs it)" >&2
  exit 1
}
cp "$here/node/package.json" "$here/node/package-lock.json" "$dir/"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
