# shellcheck shell=bash
# Shared helpers for scripts/tools/install-*.sh. Source it; do not run it.
#
# Every tool is built from its Go module through the Go module proxy in a build
# module generated in a temp dir (nothing of upstream source is kept in this repo),
# installed into   $TOOLS_CACHE_DIR/<tool>-<version>/   (skipped when present)
# and linked into  $TOOLS_BIN_DIR/                      (put that dir on PATH).
#
# Environment (all optional):
#   TOOLS_ROOT         default ${XDG_CACHE_HOME:-$HOME/.cache}/254carbon
#   TOOLS_CACHE_DIR    default $TOOLS_ROOT/tools
#   TOOLS_BIN_DIR      default $TOOLS_ROOT/bin
#   TOOLS_BUILD_PROCS  parallel compile jobs and GOMAXPROCS for `go build` (default 2)
#   TOOLS_FORCE=1      rebuild even when the cached binary exists
#   GOCACHE/GOMODCACHE are honoured (CI can cache them between runs).

set -euo pipefail

: "${TOOLS_ROOT:=${XDG_CACHE_HOME:-$HOME/.cache}/254carbon}"
: "${TOOLS_CACHE_DIR:=$TOOLS_ROOT/tools}"
: "${TOOLS_BIN_DIR:=$TOOLS_ROOT/bin}"
: "${TOOLS_BUILD_PROCS:=2}"
: "${TOOLS_FORCE:=0}"
export TOOLS_ROOT TOOLS_CACHE_DIR TOOLS_BIN_DIR

# Never let the go command fetch another toolchain: fail loudly instead.
export GOTOOLCHAIN=local
# -mod=mod lets the generated build module record go.sum entries as it resolves.
export GOFLAGS="-trimpath -buildvcs=false -mod=mod"
export CGO_ENABLED="${CGO_ENABLED:-0}"
export GOWORK=off

t_log() { printf '[tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
t_die() {
  t_log "ERROR: $*"
  exit 1
}

t_require_go() {
  command -v go >/dev/null 2>&1 || t_die "go is not on PATH (Go >= 1.25 is needed)"
  command -v jq >/dev/null 2>&1 || t_die "jq is not on PATH (apt-get install -y jq)"
  local v
  v="$(go env GOVERSION)"
  case "$v" in
    go1.2[5-9]* | go1.[3-9][0-9]*) ;;
    *) t_die "Go $v is too old: the pinned modules need Go >= 1.25 (GOTOOLCHAIN=local is set)" ;;
  esac
}

t_human_size() { du -h "$1" | cut -f1; }

# t_upstream_replaces MODULE VERSION
# Prints the replace directives of MODULE@VERSION's go.mod, one a line:
#   OLD[@OLDVER] NEW[@NEWVER]     (NEW starting with . or / is a local path in upstream's repo)
t_upstream_replaces() {
  local mod="$1" ver="$2" json gomod
  json="$(go mod download -json "$mod@$ver")" || t_die "go mod download $mod@$ver failed"
  gomod="$(jq -r '.GoMod // empty' <<<"$json")"
  [[ -n "$gomod" && -f "$gomod" ]] || t_die "no go.mod for $mod@$ver in the module cache"
  go mod edit -json "$gomod" | jq -r '(.Replace // [])[] |
    (.Old.Path + (if .Old.Version then "@" + .Old.Version else "" end)) + " " +
    (.New.Path + (if .New.Version then "@" + .New.Version else "" end))'
}

# t_go_build OUT MODULE VERSION PACKAGE LDFLAGS REPLACE...
# Builds PACKAGE (a main package of MODULE@VERSION) into the file OUT using a build
# module generated in a temp dir that requires MODULE@VERSION and carries the given
# replace directives ("OLD[@V]=NEW[@V]", as `go mod edit -replace` takes them).
t_go_build() {
  local out="$1" mod="$2" ver="$3" pkg="$4" ldflags="$5"
  shift 5
  local work rc=0
  work="$(mktemp -d "${TMPDIR:-/tmp}/254carbon-gobuild.XXXXXX")"
  (
    set -euo pipefail
    cd "$work"
    go mod init 254carbon.local/toolbuild >/dev/null 2>&1
    go mod edit -require="$mod@$ver"
    local r
    for r in "$@"; do go mod edit -replace="$r"; done
    t_log "  resolving $pkg@$ver (go get)"
    go get "$pkg@$ver" >"$work/get.log" 2>&1 || {
      cat "$work/get.log" >&2
      t_die "go get $pkg@$ver failed"
    }
    t_log "  compiling $pkg (go build -p $TOOLS_BUILD_PROCS, GOMAXPROCS=$TOOLS_BUILD_PROCS)"
    GOMAXPROCS="$TOOLS_BUILD_PROCS" go build -p "$TOOLS_BUILD_PROCS" \
      -ldflags="-s -w $ldflags" -o "$out" "$pkg"
  ) || rc=$?
  rm -rf "$work"
  [[ $rc -eq 0 ]] || t_die "build of $pkg@$ver failed (exit $rc)"
  [[ -x "$out" ]] || t_die "build of $pkg@$ver produced no binary at $out"
}

# t_install TOOL VERSION BINARY BUILD_FUNCTION
# Runs BUILD_FUNCTION DIR (which must leave DIR/BINARY) unless
# $TOOLS_CACHE_DIR/TOOL-VERSION/BINARY exists, then links BINARY into $TOOLS_BIN_DIR.
t_install() {
  local tool="$1" ver="$2" bin="$3" fn="$4"
  local dir="$TOOLS_CACHE_DIR/$tool-$ver"
  mkdir -p "$TOOLS_CACHE_DIR" "$TOOLS_BIN_DIR"
  if [[ -x "$dir/$bin" && "$TOOLS_FORCE" != "1" ]]; then
    t_log "$tool $ver: cached at $dir ($(t_human_size "$dir/$bin")), skipping build"
  else
    local tmp="$dir.partial.$$" start end
    rm -rf "$tmp"
    mkdir -p "$tmp"
    t_log "$tool $ver: building into $dir"
    start=$(date +%s)
    "$fn" "$tmp"
    end=$(date +%s)
    [[ -x "$tmp/$bin" ]] || t_die "$tool $ver: $fn did not produce $bin"
    printf 'tool=%s\nversion=%s\nbuilt=%s\nseconds=%s\ngo=%s\nbytes=%s\n' \
      "$tool" "$ver" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((end - start))" \
      "$(go env GOVERSION)" "$(stat -c %s "$tmp/$bin")" >"$tmp/BUILD-INFO"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    t_log "$tool $ver: built in $((end - start))s, $(t_human_size "$dir/$bin")"
  fi
  ln -sfn "$dir/$bin" "$TOOLS_BIN_DIR/$bin"
}
