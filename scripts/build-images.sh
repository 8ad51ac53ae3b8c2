#!/usr/bin/env bash
# Builds every image of the cell that this repository owns, with the dev stack's tags, from the local
# base images (no registry is reachable here; production builds use the pinned upstream bases named in
# each Dockerfile). Caddy, LiteLLM and Postgres are upstream images, pinned in the stack files.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[images] %s\n' "$*"; }
bash scripts/build-base-images.sh
log "worker";     bash scripts/build-worker-image.sh
log "gatekeeper"; bash images/gatekeeper/build.sh instantworker/gatekeeper:0.1.0 >/dev/null
log "cell-tools"; bash images/cell-tools/build.sh instantworker/cell-tools:0.1.0
log "squid"
docker build --quiet --build-arg BASE_IMAGE=instantworker/debian:bookworm-local \
  -t instantworker/squid:5.7-2-deb12u6 images/squid >/dev/null
