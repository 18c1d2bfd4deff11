#!/usr/bin/env bash
# Builds the Go-built validators used by CI from their Go modules (see versions.sh):
#   actionlint  (workflow linter, issue 7)
#   istioctl    (istioctl analyze --use-kube=false, issue 6)
#   kube-score  (workload linter, issue 6; kube-linter is not served by the module proxy)
#   promtool    (promtool check rules / test rules over the plan's PrometheusRules, issue 15)
#   jaeger      (jaeger validate --config over the plan's Jaeger v2 configuration, issue 15)
#   cyclonus    (netpol-flows: the connectivity contract's NetworkPolicy engine, issue 12)
# and links them into $TOOLS_BIN_DIR (default ~/.cache/254carbon/bin).
#
# Usage: scripts/tools/install-go-tools.sh [actionlint|istioctl|kube-score|cyclonus|promtool|jaeger ...]
#        (no argument: all of them). Then: export PATH="$(scripts/tools/env.sh --bin):$PATH"
# Cold build times on 2 cores are in scripts/tools/README.md (istioctl is the long one).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=versions.sh
source "$here/versions.sh"

build_actionlint() {
  t_go_build "$1/actionlint" "$ACTIONLINT_MODULE" "$ACTIONLINT_VERSION" \
    "$ACTIONLINT_MODULE/cmd/actionlint" \
    "-X $ACTIONLINT_MODULE.version=${ACTIONLINT_VERSION}"
}

# The istio.io/istio revision pinned in versions.sh requires pre-release pseudo-versions of
# istio.io/api, istio.io/client-go and github.com/envoyproxy/go-control-plane/{envoy,contrib}
# that the module proxy refuses (403). They are replaced by the nearest served releases
# (ISTIO_DEP_REPLACES). contrib v1.36.0 (the only one served) lacks 8 packages that istio
# imports only for their side effect (`import _`, registering EnvoyFilter typed-config
# types in pkg/config/xds); the build uses a copy of contrib v1.36.0 taken from the module
# cache into the temp build dir, with those 8 packages added empty. Effect on istioctl:
# `analyze` does not know the typed configs of those 8 Envoy contrib extensions
# (ISTIO_CONTRIB_EMPTY_PACKAGES), which this project does not use.
build_istioctl() {
  local out="$1" contrib_dir work src rel
  local -a repl=()
  local old new lines
  lines="$(t_upstream_replaces "$ISTIO_MODULE" "$ISTIO_VERSION")" || t_die "cannot read the replaces of $ISTIO_MODULE@$ISTIO_VERSION"
  while read -r old new; do
    [[ -z "$old" ]] && continue
    [[ "$new" == .* || "$new" == /* ]] && t_die "istio go.mod has a local replace $old => $new; cannot repeat it"
    repl+=("$old=$new")
  done <<<"$lines"
  repl+=("${ISTIO_DEP_REPLACES[@]}")

  work="$(mktemp -d "${TMPDIR:-/tmp}/254carbon-contrib.XXXXXX")"
  contrib_dir="$work/contrib"
  src="$(go mod download -json "$ISTIO_CONTRIB_MODULE@$ISTIO_CONTRIB_VERSION" | jq -r '.Dir // empty')"
  [[ -n "$src" && -d "$src" ]] || t_die "cannot download $ISTIO_CONTRIB_MODULE@$ISTIO_CONTRIB_VERSION"
  cp -R "$src" "$contrib_dir"
  chmod -R u+w "$contrib_dir"
  for rel in "${ISTIO_CONTRIB_EMPTY_PACKAGES[@]}"; do
    [[ -e "$contrib_dir/$rel" ]] && t_die "contrib $ISTIO_CONTRIB_VERSION now has $rel: drop it from ISTIO_CONTRIB_EMPTY_PACKAGES"
    mkdir -p "$contrib_dir/$rel"
    printf '// Package %s is empty: not in %s %s served by the module proxy (254carbon build).\npackage %s\n' \
      "${rel##*/}" "$ISTIO_CONTRIB_MODULE" "$ISTIO_CONTRIB_VERSION" "${rel##*/}" >"$contrib_dir/$rel/doc.go"
  done
  repl+=("$ISTIO_CONTRIB_MODULE=$contrib_dir")

  local v=istio.io/istio/pkg/version rc=0
  (t_go_build "$out/istioctl" "$ISTIO_MODULE" "$ISTIO_VERSION" \
    "$ISTIO_MODULE/istioctl/cmd/istioctl" \
    "-X $v.buildVersion=$ISTIO_LABEL -X $v.buildGitRevision=${ISTIO_VERSION##*-} -X $v.buildStatus=Clean -X $v.buildTag=$ISTIO_LABEL" \
    "${repl[@]}") || rc=$?
  rm -rf "$work"
  [[ $rc -eq 0 ]] || t_die "istioctl build failed"
}

build_kube_score() {
  t_go_build "$1/kube-score" "$KUBE_SCORE_MODULE" "$KUBE_SCORE_VERSION" \
    "$KUBE_SCORE_MODULE/cmd/kube-score" \
    "-X main.version=${KUBE_SCORE_VERSION#v} -X main.commit=go-module -X main.date=unknown"
}

# Upstream's release build (.promu.yml) adds the tags netgo (implied by CGO_ENABLED=0) and
# builtinassets (the web UI's assets, only the prometheus binary serves them): none of them
# changes promtool. The replaces loop is a guard: v0.316.0's go.mod has none today.
build_promtool() {
  local -a repl=()
  local old new lines
  lines="$(t_upstream_replaces "$PROMETHEUS_MODULE" "$PROMETHEUS_MODULE_VERSION")" || t_die "cannot read the replaces of $PROMETHEUS_MODULE@$PROMETHEUS_MODULE_VERSION"
  while read -r old new; do
    [[ -z "$old" ]] && continue
    [[ "$new" == .* || "$new" == /* ]] && t_die "prometheus go.mod has a local replace $old => $new; cannot repeat it"
    repl+=("$old=$new")
  done <<<"$lines"
  local v=github.com/prometheus/common/version
  t_go_build "$1/promtool" "$PROMETHEUS_MODULE" "$PROMETHEUS_MODULE_VERSION" \
    "$PROMETHEUS_MODULE/cmd/promtool" \
    "-X $v.Version=$PROMETHEUS_VERSION -X $v.Revision=go-module-$PROMETHEUS_MODULE_VERSION -X $v.Branch=release -X $v.BuildUser=254carbon -X $v.BuildDate=unknown" \
    ${repl[@]+"${repl[@]}"}
}

# Jaeger v2's binary only for its `validate` subcommand (the OpenTelemetry collector's otelcol.NewCommand): it
# resolves every component's config struct without starting anything. go.mod's non-local replaces are repeated.
build_jaeger() {
  local -a repl=()
  local old new lines
  lines="$(t_upstream_replaces "$JAEGER_MODULE" "$JAEGER_MODULE_VERSION")" || t_die "cannot read the replaces of $JAEGER_MODULE@$JAEGER_MODULE_VERSION"
  while read -r old new; do
    [[ -z "$old" ]] && continue
    [[ "$new" == .* || "$new" == /* ]] && t_die "jaeger go.mod has a local replace $old => $new; cannot repeat it"
    repl+=("$old=$new")
  done <<<"$lines"
  t_go_build "$1/jaeger" "$JAEGER_MODULE" "$JAEGER_MODULE_VERSION" \
    "$JAEGER_MODULE/cmd/jaeger" \
    "-X $JAEGER_MODULE/internal/version.latestVersion=v$JAEGER_VERSION" \
    ${repl[@]+"${repl[@]}"}
}

# netpol-flows is our own main (scripts/tools/netpol-flows/main.go) calling cyclonus's NetworkPolicy
# simulator (pkg/matcher): cyclonus's CLI only prints tables, the contract needs verdicts with the deciding
# policies as JSON. Built in a temp module that requires cyclonus at the pinned version; the cache key
# includes the main's hash, so an edit rebuilds it.
cyclonus_label() { echo "${CYCLONUS_VERSION}-$(sha256sum "$here/netpol-flows/main.go" | cut -c1-12)"; }
build_cyclonus() {
  local out="$1" work rc=0
  work="$(mktemp -d "${TMPDIR:-/tmp}/254carbon-netpol.XXXXXX")"
  (
    set -euo pipefail
    cd "$work"
    cp "$here/netpol-flows/main.go" .
    go mod init 254carbon.local/netpolflows >/dev/null 2>&1
    go mod edit -require="$CYCLONUS_MODULE@$CYCLONUS_VERSION"
    t_log "  resolving $CYCLONUS_MODULE@$CYCLONUS_VERSION (go mod tidy)"
    go mod tidy >"$work/tidy.log" 2>&1 || { cat "$work/tidy.log" >&2; t_die "go mod tidy for netpol-flows failed"; }
    t_log "  compiling netpol-flows (go build -p $TOOLS_BUILD_PROCS)"
    GOMAXPROCS="$TOOLS_BUILD_PROCS" go build -p "$TOOLS_BUILD_PROCS" -ldflags="-s -w" -o "$out/netpol-flows" .
  ) || rc=$?
  rm -rf "$work"
  [[ $rc -eq 0 ]] || t_die "netpol-flows build failed"
}

main() {
  t_require_go
  local -a tools=("$@")
  [[ ${#tools[@]} -gt 0 ]] || tools=(actionlint kube-score promtool jaeger istioctl cyclonus)
  local total_start tool
  total_start=$(date +%s)
  for tool in "${tools[@]}"; do
    case "$tool" in
      actionlint) t_install actionlint "$ACTIONLINT_VERSION" actionlint build_actionlint ;;
      istioctl) t_install istioctl "$ISTIO_LABEL" istioctl build_istioctl ;;
      kube-score) t_install kube-score "$KUBE_SCORE_VERSION" kube-score build_kube_score ;;
      promtool) t_install promtool "$PROMETHEUS_VERSION" promtool build_promtool ;;
      jaeger) t_install jaeger "$JAEGER_VERSION" jaeger build_jaeger ;;
      cyclonus) t_install cyclonus "$(cyclonus_label)" netpol-flows build_cyclonus ;;
      kube-linter)
        t_die "kube-linter cannot be built here: the Go module proxy refuses golang.stackrox.io/kube-linter (403 'This module version is not available'); use kube-score"
        ;;
      *) t_die "unknown tool '$tool' (known: actionlint istioctl kube-score promtool jaeger cyclonus)" ;;
    esac
  done
  t_log "done in $(($(date +%s) - total_start))s; binaries in $TOOLS_BIN_DIR:"
  local b
  for b in "${tools[@]}"; do
    [[ "$b" == cyclonus ]] && b=netpol-flows
    if [[ -e "$TOOLS_BIN_DIR/$b" ]]; then t_log "  $TOOLS_BIN_DIR/$b -> $(readlink "$TOOLS_BIN_DIR/$b")"; fi
  done
}

main "$@"
