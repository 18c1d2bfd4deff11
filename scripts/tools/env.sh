#!/usr/bin/env bash
# Prints the environment the callers of the Go-built tools need, as shell exports:
#   eval "$(scripts/tools/env.sh)"
# or just the bin dir:  export PATH="$(scripts/tools/env.sh --bin):$PATH"
# Honours TOOLS_ROOT / TOOLS_BIN_DIR like install-*.sh. Does not build anything.
set -euo pipefail
: "${TOOLS_ROOT:=${XDG_CACHE_HOME:-$HOME/.cache}/254carbon}"
: "${TOOLS_BIN_DIR:=$TOOLS_ROOT/bin}"
: "${PULUMI_HOME:=$TOOLS_ROOT/pulumi-home}"

if [[ "${1:-}" == "--bin" ]]; then
  printf '%s\n' "$TOOLS_BIN_DIR"
  exit 0
fi

q() { printf '%q' "$1"; }
case ":$PATH:" in
  *":$TOOLS_BIN_DIR:"*) ;;
  *) echo "export PATH=$(q "$TOOLS_BIN_DIR"):\"\$PATH\"" ;;
esac
# Pulumi's own state (plugins, credentials.json, workspaces) stays under the tools cache.
echo "export PULUMI_HOME=$(q "$PULUMI_HOME")"
# No network: never check for CLI updates, never try to download a missing plugin.
echo "export PULUMI_SKIP_UPDATE_CHECK=true"
echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
echo "export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true"
