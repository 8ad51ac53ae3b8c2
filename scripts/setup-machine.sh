#!/usr/bin/env bash
# Installs and starts every real component the tests and the dev stack need on a fresh Debian machine:
# the Docker engine, PostgreSQL, Caddy, Squid, cloud-init (for its schema check), headless Chromium,
# and Node 24 for OpenClaw. Idempotent: a second run only checks that everything is up.
set -euo pipefail
log() { printf '[setup] %s\n' "$*"; }

packages=(docker.io iptables caddy squid cloud-init debootstrap chromium netcat-openbsd
  postgresql postgresql-client curl ca-certificates iproute2 jq wrk sqlite3 systemd openssl util-linux)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts packaged daemons on install where systemd runs; here nothing does, and the tests start
# their own Caddy and Squid on loopback, so the packaged ones must not hold the default ports.
pkill -x caddy 2>/dev/null || true

"$(dirname "$0")/start-dockerd.sh"
"$(dirname "$0")/start-postgres.sh"
