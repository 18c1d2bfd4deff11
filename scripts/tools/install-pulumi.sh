#!/usr/bin/env bash
# Builds the Pulumi engine pieces that no npm package ships, from their Go modules
# (versions in versions.sh), into one bundle dir and links them into $TOOLS_BIN_DIR:
#   pulumi                          CLI + engine, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi @ $PULUMI_VERSION
#   pulumi-language-nodejs          Node.js language host (see versions.sh for why its version differs)
#   pulumi-resource-pulumi-nodejs   the dynamic-provider launcher (this folder's own script)
# Bundle: $TOOLS_CACHE_DIR/pulumi-$PULUMI_VERSION/ (pulumi finds the language host next to itself).
#
# Usage: scripts/tools/install-pulumi.sh [--plugin NAME ...]
#   --plugin kafka|postgresql|random|kubernetes  also build that resource plugin at the version
#        of the npm package in package.json. These are refused by the Go module proxy today;
#        asking for one fails with the proxy's exact answer (see README.md).
# Then:  eval "$(scripts/tools/env.sh)"   (PATH, PULUMI_HOME, PULUMI_SKIP_UPDATE_CHECK, ...)
# Check: scripts/tools/smoke-pulumi.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=versions.sh
source "$here/versions.sh"

PULUMI_REPO=github.com/pulumi/pulumi
SDK_MODULE=$PULUMI_REPO/sdk/v3
PKG_MODULE=$PULUMI_REPO/pkg/v3
VERSION_VAR=$SDK_MODULE/go/common/version.Version

# upstream_replaces_as_args MODULE VERSION  -> "OLD=NEW" lines for t_go_build.
# A local-path replacement of one of pulumi's own modules (pkg's `sdk/v3 => ../sdk`) is
# turned into the same module at the version being built, which is what the path means
# at that tag.
upstream_replaces_as_args() {
  local mod="$1" ver="$2" old new lines
  lines="$(t_upstream_replaces "$mod" "$ver")" || exit 1
  while read -r old new; do
    [[ -z "$old" ]] && continue
    if [[ "$new" == .* || "$new" == /* ]]; then
      case "${old%@*}" in
        "$PULUMI_REPO"/*) printf '%s=%s@%s\n' "${old%@*}" "${old%@*}" "$ver" ;;
        *) t_die "$mod@$ver replaces $old with the local path $new; no module to stand for it" ;;
      esac
    else
      printf '%s=%s\n' "$old" "$new"
    fi
  done <<<"$lines"
}

build_cli() {
  local -a repl=()
  local lines
  lines="$(upstream_replaces_as_args "$PKG_MODULE" "$PULUMI_VERSION")" || t_die "cannot read the replaces of $PKG_MODULE@$PULUMI_VERSION"
  [[ -n "$lines" ]] && mapfile -t repl <<<"$lines"
  t_log "  upstream replaces repeated: ${repl[*]:-none}"
  t_go_build "$1/pulumi" "$PKG_MODULE" "$PULUMI_VERSION" "$PKG_MODULE/cmd/pulumi" \
    "-X $VERSION_VAR=$PULUMI_VERSION" "${repl[@]}"
}

build_language_nodejs() {
  local v="$PULUMI_LANGUAGE_NODEJS_SDK_VERSION"
  local -a repl=()
  local lines
  lines="$(upstream_replaces_as_args "$SDK_MODULE" "$v")" || t_die "cannot read the replaces of $SDK_MODULE@$v"
  [[ -n "$lines" ]] && mapfile -t repl <<<"$lines"
  t_log "  upstream replaces repeated: ${repl[*]:-none}"
  t_go_build "$1/pulumi-language-nodejs" "$SDK_MODULE" "$v" \
    "$SDK_MODULE/nodejs/cmd/pulumi-language-nodejs" "-X $VERSION_VAR=$v" "${repl[@]}"
}

# The bundle: CLI + a copy of the language host + the dynamic provider launcher, in one dir,
# so that the PATH entry and the "next to the pulumi binary" lookup name the same file.
assemble_bundle() {
  local out="$1" cli_dir="$TOOLS_CACHE_DIR/pulumi-cli-$PULUMI_VERSION"
  local lh_dir="$TOOLS_CACHE_DIR/pulumi-language-nodejs-$PULUMI_LANGUAGE_NODEJS_SDK_VERSION"
  # Hard links where possible (same file system): the CLI is ~110 MB.
  cp -l "$cli_dir/pulumi" "$out/pulumi" 2>/dev/null || cp "$cli_dir/pulumi" "$out/pulumi"
  cp -l "$lh_dir/pulumi-language-nodejs" "$out/pulumi-language-nodejs" 2>/dev/null ||
    cp "$lh_dir/pulumi-language-nodejs" "$out/pulumi-language-nodejs"
  # Our own dynamic-provider launcher (scripts/tools/pulumi-resource-pulumi-nodejs), not upstream's script.
  install -m 0755 "$here/pulumi-resource-pulumi-nodejs" "$out/pulumi-resource-pulumi-nodejs"
  printf 'cli=%s\nlanguage-nodejs=%s\n' "$PULUMI_VERSION" "$PULUMI_LANGUAGE_NODEJS_SDK_VERSION" >"$out/VERSIONS"
}

# Resource plugins: module path, version (= the npm package pinned in package.json).
plugin_module() {
  case "$1" in
    kafka) echo "github.com/pulumi/pulumi-kafka/provider/v3 v3.13.2" ;;
    postgresql) echo "github.com/pulumi/pulumi-postgresql/provider/v3 v3.18.1" ;;
    random) echo "github.com/pulumi/pulumi-random/provider/v4 v4.21.2" ;;
    kubernetes) echo "github.com/pulumi/pulumi-kubernetes/provider/v4 v4.34.2" ;;
    *) t_die "unknown plugin '$1' (known: kafka postgresql random kubernetes)" ;;
  esac
}

install_plugin() {
  local name="$1" mod ver out
  read -r mod ver < <(plugin_module "$name")
  t_log "pulumi-resource-$name $ver: resolving $mod@$ver on the Go module proxy"
  if ! out="$(go mod download -json "$mod@$ver" 2>&1)" || jq -e '.Error' >/dev/null 2>&1 <<<"$out"; then
    t_log "$(jq -r '.Error // empty' <<<"$out" 2>/dev/null || true)"
    t_die "pulumi-resource-$name $ver cannot be built here: the Go module proxy does not serve $mod@$ver; see scripts/tools/README.md"
  fi
  t_die "pulumi-resource-$name: $mod@$ver is now served; add its build (cmd/pulumi-resource-$name with the upstream replaces) to install-pulumi.sh"
}

main() {
  t_require_go
  local -a plugins=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --plugin) plugins+=("${2:?--plugin needs a name}"); shift 2 ;;
      -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
      *) t_die "unknown argument '$1' (see --help)" ;;
    esac
  done
  local start
  start=$(date +%s)
  t_install pulumi-cli "$PULUMI_VERSION" pulumi build_cli
  t_install pulumi-language-nodejs "$PULUMI_LANGUAGE_NODEJS_SDK_VERSION" pulumi-language-nodejs build_language_nodejs
  # The bundle is keyed by both versions; it is only copies, so it is cheap to rebuild.
  local bundle_ver="$PULUMI_VERSION-nodejs-$PULUMI_LANGUAGE_NODEJS_SDK_VERSION-launcher2"
  t_install pulumi "$bundle_ver" pulumi assemble_bundle
  local b
  for b in pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
    ln -sfn "$TOOLS_CACHE_DIR/pulumi-$bundle_ver/$b" "$TOOLS_BIN_DIR/$b"
  done
  local p
  for p in ${plugins[@]+"${plugins[@]}"}; do install_plugin "$p"; done
  t_log "pulumi: done in $(($(date +%s) - start))s; $("$TOOLS_BIN_DIR/pulumi" version) in $TOOLS_BIN_DIR"
  t_log "callers: eval \"\$($here/env.sh)\""
}

main "$@"
