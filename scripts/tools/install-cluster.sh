#!/usr/bin/env bash
# Builds the pieces of a real local Kubernetes control plane and the real Kubernetes resource
# plugin from their Go modules (versions in versions.sh), caches them under $TOOLS_CACHE_DIR and
# links them into $TOOLS_BIN_DIR:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl   k8s.io/kubernetes
#   etcd                                                               go.etcd.io/etcd/server/v3
#   kwok                                                               sigs.k8s.io/kwok (fake nodes and pods)
#   pulumi-resource-kubernetes                                         github.com/pulumi/pulumi-kubernetes/provider/v4
# and installs the plugin into $PULUMI_HOME with `pulumi plugin install --file`.
#
# Usage: scripts/tools/install-cluster.sh [kubernetes|etcd|kwok|provider ...]   (default: all)
# Facts behind the build recipes (pins, replaces, the provider's go:generate step): ../shared/REAL-CLUSTER.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=versions.sh
source "$here/versions.sh"

# t_build_module DIR MODULE VERSION REPLACE...: a build module in DIR requiring MODULE@VERSION.
t_build_module() {
  local dir="$1" mod="$2" ver="$3" r
  shift 3
  (cd "$dir" && go mod init 254carbon.local/toolbuild >/dev/null 2>&1 &&
    go mod edit -require="$mod@$ver" && for r in "$@"; do go mod edit -replace="$r"; done)
}

# Kubernetes' go.mod replaces each staging module with ./staging/src/k8s.io/<name>; the module zip
# has no such path, so each becomes the published release of the same name at v0.<minor>.<patch>.
# sample-cli-plugin and sample-controller are refused by the proxy and nothing imports them.
k8s_staging_replaces() {
  local staging_ver="v0.${KUBERNETES_VERSION#v1.}" old new
  t_upstream_replaces k8s.io/kubernetes "$KUBERNETES_VERSION" | while read -r old new; do
    [[ "$new" == ./staging/* ]] || continue
    case "$old" in k8s.io/sample-cli-plugin | k8s.io/sample-controller) continue ;; esac
    printf '%s=%s@%s\n' "$old" "$old" "$staging_ver"
  done
}

build_kubernetes() {
  local out="$1" work rc=0 gomod godebug
  work="$(mktemp -d "${TMPDIR:-/tmp}/254carbon-k8s.XXXXXX")"
  local -a repl
  mapfile -t repl < <(k8s_staging_replaces)
  [[ ${#repl[@]} -gt 20 ]] || t_die "could not read the staging replaces of k8s.io/kubernetes@$KUBERNETES_VERSION"
  gomod="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | jq -r .GoMod)"
  godebug="$(awk '$1=="godebug"{print $2}' "$gomod")"
  local minor="${KUBERNETES_VERSION#v1.}"
  minor="${minor%%.*}"
  local ld="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  (
    set -euo pipefail
    t_build_module "$work" k8s.io/kubernetes "$KUBERNETES_VERSION" "${repl[@]}"
    cd "$work"
    # Upstream's own godebug line (the defaults its binaries are released with).
    [[ -n "$godebug" ]] && printf 'godebug %s\n' "$godebug" >>go.mod
    local -a pkgs=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
    t_log "  resolving k8s.io/kubernetes@$KUBERNETES_VERSION (go get)"
    go get "${pkgs[@]/%/@$KUBERNETES_VERSION}" >get.log 2>&1 || { cat get.log >&2; exit 1; }
    t_log "  compiling ${pkgs[*]##*/}"
    GOMAXPROCS="$TOOLS_BUILD_PROCS" go build -p "$TOOLS_BUILD_PROCS" -ldflags="-s -w$ld" -o "$out/" "${pkgs[@]}"
  ) || rc=$?
  rm -rf "$work"
  [[ $rc -eq 0 ]] || t_die "build of k8s.io/kubernetes@$KUBERNETES_VERSION failed (exit $rc)"
}

build_etcd() {
  local out="$1" work rc=0 m
  work="$(mktemp -d "${TMPDIR:-/tmp}/254carbon-etcd.XXXXXX")"
  local -a repl=()
  for m in api client/pkg client pkg; do repl+=("go.etcd.io/etcd/$m/v3=go.etcd.io/etcd/$m/v3@$ETCD_VERSION"); done
  (
    set -euo pipefail
    t_build_module "$work" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "${repl[@]}"
    cd "$work"
    # The whole program: etcd's own entry point (server/etcdmain), as etcd's main.go calls it.
    printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' >main.go
    go get "go.etcd.io/etcd/server/v3/etcdmain@$ETCD_VERSION" >get.log 2>&1 || { cat get.log >&2; exit 1; }
    t_log "  compiling etcd $ETCD_VERSION"
    GOMAXPROCS="$TOOLS_BUILD_PROCS" go build -p "$TOOLS_BUILD_PROCS" \
      -ldflags="-s -w" -o "$out/etcd" .
  ) || rc=$?
  rm -rf "$work"
  [[ $rc -eq 0 ]] || t_die "build of etcd $ETCD_VERSION failed (exit $rc)"
}

build_kwok() {
  local out="$1" old new
  local -a repl=()
  while read -r old new; do
    [[ -z "$old" ]] && continue
    [[ "$new" == .* || "$new" == /* ]] && continue
    repl+=("$old=$new")
  done < <(t_upstream_replaces sigs.k8s.io/kwok "$KWOK_VERSION")
  t_go_build "$out/kwok" sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok \
    "" ${repl[@]+"${repl[@]}"}
}

# kwok refuses to start without stages; its default ones ship in its module (kustomize/stage/).
# They are data, taken from the module at build time into the cache (keyed by the list's hash).
install_kwok_stages() {
  local key out dir s
  key="$KWOK_VERSION-$(printf '%s\n' "${KWOK_STAGES[@]}" | sha256sum | cut -c1-8)"
  out="$TOOLS_CACHE_DIR/kwok-stages-$key"
  if [[ ! -f "$out/.complete" ]]; then
    dir="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | jq -r .Dir)"
    rm -rf "$out" && mkdir -p "$out"
    for s in "${KWOK_STAGES[@]}"; do cp "$dir/kustomize/stage/$s" "$out/${s//\//-}"; done
    chmod u+w "$out"/*.yaml
    touch "$out/.complete"
  fi
  ln -sfn "$out" "$TOOLS_BIN_DIR/kwok-stages"
  t_log "kwok stages: ${#KWOK_STAGES[@]} files in $out"
}

# The provider's cmd/ go:embeds two files that only its `go generate` writes. The build module
# does what that step does: main.go without its //go:generate line, the schema with its version
# set, and the Terraform mapping compacted (REAL-CLUSTER.md).
build_provider() {
  local out="$1" work rc=0 dir
  work="$(mktemp -d "${TMPDIR:-/tmp}/254carbon-k8sprovider.XXXXXX")"
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  (
    set -euo pipefail
    t_build_module "$work" "$mod" "$K8S_PROVIDER_MODULE_VERSION" "${K8S_PROVIDER_REPLACES[@]}"
    cd "$work"
    dir="$(go mod download -json "$mod@$K8S_PROVIDER_MODULE_VERSION" | jq -r .Dir)/cmd/pulumi-resource-kubernetes"
    grep -v '^//go:generate' "$dir/main.go" >main.go
    jq -c --arg v "$K8S_PROVIDER_VERSION" '.version=$v' "$dir/schema.json" >schema-embed.json
    jq -c . "$dir/terraform-mapping.json" >terraform-mapping-embed.json
    t_log "  resolving $mod@$K8S_PROVIDER_MODULE_VERSION (go get)"
    go get "$mod/pkg/provider@$K8S_PROVIDER_MODULE_VERSION" >get.log 2>&1 || { cat get.log >&2; exit 1; }
    go mod tidy >tidy.log 2>&1 || { cat tidy.log >&2; exit 1; }
    t_log "  compiling pulumi-resource-kubernetes (labelled $K8S_PROVIDER_VERSION)"
    GOMAXPROCS="$TOOLS_BUILD_PROCS" go build -p "$TOOLS_BUILD_PROCS" \
      -ldflags="-s -w -X $mod/pkg/version.Version=$K8S_PROVIDER_VERSION" -o "$out/pulumi-resource-kubernetes" .
  ) || rc=$?
  rm -rf "$work"
  [[ $rc -eq 0 ]] || t_die "build of pulumi-resource-kubernetes failed (exit $rc)"
}

# Installs the cached provider binary as the engine's kubernetes plugin (1-2 s; skipped when present).
install_provider_plugin() {
  eval "$("$here/env.sh")"
  command -v pulumi >/dev/null || t_die "pulumi is not built: run scripts/tools/install-pulumi.sh first"
  local plugin_dir="$PULUMI_HOME/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION"
  if [[ -x "$plugin_dir/pulumi-resource-kubernetes" ]] &&
    cmp -s "$plugin_dir/pulumi-resource-kubernetes" "$TOOLS_BIN_DIR/pulumi-resource-kubernetes"; then
    t_log "kubernetes plugin v$K8S_PROVIDER_VERSION: installed in $PULUMI_HOME"
    return
  fi
  pulumi plugin install resource kubernetes "v$K8S_PROVIDER_VERSION" \
    --file "$(readlink -f "$TOOLS_BIN_DIR/pulumi-resource-kubernetes")" >&2
  t_log "kubernetes plugin v$K8S_PROVIDER_VERSION: installed in $PULUMI_HOME"
}

link_all() {
  local dir="$1" b
  shift
  for b in "$@"; do ln -sfn "$dir/$b" "$TOOLS_BIN_DIR/$b"; done
}

main() {
  t_require_go
  local -a parts=("$@")
  [[ ${#parts[@]} -gt 0 ]] || parts=(kubernetes etcd kwok provider)
  local start part
  start=$(date +%s)
  for part in "${parts[@]}"; do
    case "$part" in
      kubernetes)
        t_install kubernetes "$KUBERNETES_VERSION" kube-apiserver build_kubernetes
        link_all "$TOOLS_CACHE_DIR/kubernetes-$KUBERNETES_VERSION" kube-controller-manager kube-scheduler kubectl
        ;;
      etcd) t_install etcd "$ETCD_VERSION" etcd build_etcd ;;
      kwok)
        t_install kwok "$KWOK_VERSION" kwok build_kwok
        install_kwok_stages
        ;;
      provider)
        t_install pulumi-resource-kubernetes "$K8S_PROVIDER_VERSION-$K8S_PROVIDER_MODULE_VERSION" \
          pulumi-resource-kubernetes build_provider
        install_provider_plugin
        ;;
      *) t_die "unknown part '$part' (known: kubernetes etcd kwok provider)" ;;
    esac
  done
  t_log "cluster tools: done in $(($(date +%s) - start))s"
}

main "$@"
