#!/usr/bin/env bash
# Extracts Istio's real base, cni and istiod charts from the istio.io/istio module (the release-1.30 branch
# commit pinned in scripts/tools/versions.sh, which carries 1.30.4's content) into DIR/{base,cni,istiod},
# and sets what Istio's release packaging sets: Chart.yaml `version`/`appVersion`, and the `global.hub` /
# `global.tag` image defaults (the source tree says 1.0.0, registry.istio.io/testing and latest).
# Nothing of the charts is committed; DIR is under out/ (git-ignored) for the local stack.
# Usage: scripts/cluster/istio-charts.sh DIR        (idempotent: a complete DIR at the same version is kept)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/lib.sh
source "$here/../tools/lib.sh"
# shellcheck source=../tools/versions.sh
source "$here/../tools/versions.sh"

dest="${1:?usage: istio-charts.sh DIR}"
stamp="$dest/.extracted-$ISTIO_CHARTS_VERSION-$ISTIO_VERSION"
[[ -f "$stamp" ]] && { t_log "istio charts $ISTIO_CHARTS_VERSION: already in $dest"; exit 0; }
t_require_go
src="$(go mod download -json "$ISTIO_MODULE@$ISTIO_VERSION" | jq -r '.Dir // empty')"
[[ -n "$src" && -d "$src/manifests/charts" ]] || t_die "cannot download $ISTIO_MODULE@$ISTIO_VERSION from the Go module proxy"
rm -rf "$dest"
mkdir -p "$dest"
declare -A charts=([base]=base [cni]=istio-cni [istiod]=istio-control/istio-discovery)
for name in "${!charts[@]}"; do
  cp -R "$src/manifests/charts/${charts[$name]}" "$dest/$name"
  chmod -R u+w "$dest/$name"
  sed -i -E "s/^version: .*/version: $ISTIO_CHARTS_VERSION/; s/^appVersion: .*/appVersion: $ISTIO_CHARTS_VERSION/" "$dest/$name/Chart.yaml"
  # The global image defaults, as release-builder writes them for a published release.
  sed -i -E "s#^(    hub: )registry\.istio\.io/testing\$#\1docker.io/istio#; s#^(    tag: )latest\$#\1$ISTIO_CHARTS_VERSION#" "$dest/$name/values.yaml"
done
touch "$stamp"
t_log "istio charts $ISTIO_CHARTS_VERSION (from $ISTIO_MODULE@$ISTIO_VERSION): base, cni, istiod in $dest"
