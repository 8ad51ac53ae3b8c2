#!/usr/bin/env bash
# Bundles ops/cell-tools.ts with esbuild (already in the repo's node_modules through tsx) and builds the
# image. Usage: images/cell-tools/build.sh [TAG] [BASE_IMAGE]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tag="${1:-instantworker/cell-tools:latest}"
base="${2:-instantworker/node:24-bookworm-local}"

"$repo/node_modules/.bin/esbuild" "$repo/ops/cell-tools.ts" \
  --bundle --platform=node --target=node24 --format=cjs --log-level=warning \
  --outfile="$here/dist/cell-tools.js"
docker build --quiet --build-arg "BASE_IMAGE=$base" --tag "$tag" "$here" >/dev/null
