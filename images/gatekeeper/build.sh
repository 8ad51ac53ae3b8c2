#!/usr/bin/env bash
# Bundles the gatekeeper into one file and builds its image.
# Usage: images/gatekeeper/build.sh TAG [BASE_IMAGE]   (run from anywhere inside the repository)
set -euo pipefail
tag="${1:?usage: build.sh TAG [BASE_IMAGE]}"
base="${2:-instantworker/node:24-bookworm-local}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
mkdir -p "$here/build"
"$repo/node_modules/.bin/esbuild" "$repo/gatekeeper/main.ts" --bundle --platform=node \
  --target=node20 --format=cjs --log-level=warning --outfile="$here/build/gatekeeper.cjs"
docker build --quiet --build-arg "BASE_IMAGE=$base" -t "$tag" "$here" >/dev/null
echo "$tag"
