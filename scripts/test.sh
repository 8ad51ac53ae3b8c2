#!/usr/bin/env bash
# Sets up a fresh machine for the tests and runs all of them: every real component is installed and
# started first, so no suite has a reason to skip. Safe to run again; finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "machine: Docker engine, PostgreSQL, Caddy, Squid, cloud-init, Chromium"
bash scripts/setup-machine.sh
step "node packages"
bash scripts/install-node-packages.sh
step "OpenClaw and Node 24 for the config validator"
bash scripts/install-openclaw.sh
step "images"
bash scripts/build-images.sh

step "format and types"
npx prettier --check . >/dev/null || { npx prettier --check . | tail -n 20; exit 1; }
npx tsc --noEmit -p tsconfig.json
(cd deployer && npx tsc --noEmit -p tsconfig.json)
(cd policy && npx tsc --noEmit -p tsconfig.json)

step "tests"
mapfile -t files < <(find test deployer/test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
# One run of node's test runner over every suite, so the closing counts cover the whole project.
node --import tsx --test --test-concurrency=2 "${files[@]}"
