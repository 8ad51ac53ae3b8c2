#!/usr/bin/env bash
# Builds the worker image from the repository root: the local base images first (no registry is
# reachable here), then the entrypoint bundle, then the image itself.
#
#   WORKER_IMAGE   tag to build             (default instantworker/worker:0.1.0, the dev stack's tag)
#   BASE_IMAGE     Node 24 base image       (default instantworker/node:24-bookworm-local, built here)
#   EXTRA_CA_FILE  PEM bundle trusted by npm during the build only; defaults to the host bundle when
#                  it exists, because this machine reaches the registry through a TLS-inspecting proxy.
#                  Set it to an empty string to trust only the base image's own CAs.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
WORKER_IMAGE=${WORKER_IMAGE:-instantworker/worker:0.1.0}
BASE_IMAGE=${BASE_IMAGE:-instantworker/node:24-bookworm-local}
EXTRA_CA_FILE=${EXTRA_CA_FILE-/etc/ssl/certs/ca-certificates.crt}
build="images/worker/build"

fail() { printf 'build-worker-image: %s\n' "$*" >&2; exit 1; }

if [[ "$BASE_IMAGE" == instantworker/* ]]; then bash scripts/build-base-images.sh; fi
rm -rf "$build" && mkdir -p "$build"
if [[ -n "$EXTRA_CA_FILE" ]]; then
  [[ -s "$EXTRA_CA_FILE" ]] || fail "EXTRA_CA_FILE \`$EXTRA_CA_FILE\` is missing or empty; give a PEM bundle or ''"
  cp "$EXTRA_CA_FILE" "$build/extra-ca.pem"
fi
node_modules/.bin/esbuild images/worker/src/entrypoint.ts --bundle --platform=node --target=node24 \
  --format=cjs --log-level=warning --outfile="$build/entrypoint.cjs"
docker build -f images/worker/Dockerfile --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$WORKER_IMAGE" . \
  >"$build/docker-build.log" 2>&1 || { tail -n 40 "$build/docker-build.log" >&2; fail "docker build failed"; }
rm -f "$build/extra-ca.pem"
printf 'build-worker-image: built %s (%s)\n' "$WORKER_IMAGE" \
  "$(docker image inspect -f '{{.Size}}' "$WORKER_IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"
