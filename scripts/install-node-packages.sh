#!/usr/bin/env bash
# Installs the locked npm dependencies of the program and of the packages beside it, once per lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in . deployer policy; do
  [ -f "$dir/package-lock.json" ] || continue
  stamp="$dir/node_modules/.lock-installed"
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then continue; fi
  echo "[npm] $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
done
