#!/usr/bin/env bash
# Bundles the gatekeeper into one file and builds its image from a throwaway context holding only that
# file and the Dockerfile. Usage: images/gatekeeper/build.sh TAG [BASE_IMAGE]
set -euo pipefail
tag="${1:?usage: build.sh TAG [BASE_IMAGE]}"
base="${2:-instantworker/node:24-bookworm-local}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/build"
cp "$here/Dockerfile" "$context/"
"$repo/node_modules/.bin/esbuild" "$repo/gatekeeper/main.ts" --bundle --platform=node \
  --target=node20 --format=cjs --log-level=warning --outfile="$context/build/gatekeeper.cjs"
docker build --quiet --build-arg "BASE_IMAGE=$base" -t "$tag" "$context" >/dev/null
echo "$tag"
