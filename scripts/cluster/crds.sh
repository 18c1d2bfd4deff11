#!/usr/bin/env bash
# Prints the paths of third-party CRDs the platform's objects need but no chart of ours installs, taken at test
# time from their upstream Go modules (nothing committed): prometheus-operator's ServiceMonitor, PodMonitor and
# PrometheusRule CRDs from example/prometheus-operator-crd/ at the version pinned in scripts/tools/versions.sh.
# Istio's CRDs come from the Istio base chart (the program installs it).
# Usage: kubectl apply --server-side -f "$(scripts/cluster/crds.sh prometheus-operator)"
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/lib.sh
source "$here/../tools/lib.sh"
# shellcheck source=../tools/versions.sh
source "$here/../tools/versions.sh"
case "${1:-}" in
  prometheus-operator)
    dir="$(go mod download -json "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION" | jq -r '.Dir // empty')"
    [[ -n "$dir" ]] || t_die "cannot download $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION"
    for crd in servicemonitors podmonitors prometheusrules; do echo "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml"; done
    ;;
  *) echo "usage: crds.sh prometheus-operator" >&2; exit 2 ;;
esac
