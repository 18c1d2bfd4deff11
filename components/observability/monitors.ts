import { Catalog } from "../../model/catalog";
import { ObservabilityModel } from "../../model/observability";
import { GATEWAY, ISTIO_PORTS, MESH_ROOT_NAMESPACE, Manifest, metadata } from "../../model/wellknown";

/**
 * Prometheus-operator scrape configuration for the mesh and the gateway, as plain manifests
 * (the component declares them as CustomResources; tests validate them against the operator's schemas).
 */

export const MONITORING_API_VERSION = "monitoring.coreos.com/v1";

/** Port name of istiod's Service for its own metrics (15014), as Istio's istiod chart names it. */
export const ISTIOD_MONITORING_PORT_NAME = "http-monitoring";
/** Label istiod's Service carries in every revision (istiod chart). */
export const ISTIOD_SERVICE_SELECTOR = { istio: "pilot" } as const;

/**
 * Envoy's own Prometheus endpoint on the istio-proxy container: declared by the injection template as container port
 * `http-envoy-prom` (15090), path `/stats/prometheus`.
 *
 * Why 15090 and not istio-agent's merged port 15020: 15020 is not declared as a container port, and a PodMonitor can
 * only select declared ports (prometheus-operator: "portNumber ... cannot be used to enable scraping of an undeclared
 * port"), so using it takes address-rewriting relabelings keyed on `prometheus.io/*` annotations that metrics merging
 * may or may not have written. 15090 carries every Istio standard metric the dashboards and alerts read, is excluded
 * from the sidecar's traffic capture (so it is reachable in plaintext even in STRICT namespaces), and leaves
 * application metrics to the applications' own monitors instead of scraping them a second time through the merge.
 */
export const ENVOY_STATS_PORT_NAME = "http-envoy-prom";
export const ENVOY_STATS_PATH = "/stats/prometheus";
/** Label the sidecar injector puts on every injected pod. */
export const INJECTED_POD_SELECTOR = { "security.istio.io/tlsMode": "istio" } as const;

/**
 * What the gateway must provide for its ServiceMonitor: a ClusterIP Service in GATEWAY.namespace labelled
 * `app: GATEWAY.app` with a port named `status` targeting Kong's status listener (KONG_STATUS_LISTEN on
 * GATEWAY.ports.status). The status listener serves the prometheus plugin's `/metrics`; it must never be on the
 * public kong-proxy LoadBalancer.
 *
 * A ServiceMonitor rather than a PodMonitor because Kong's metrics are application metrics behind Kong's sidecar:
 * under STRICT mTLS (and the gateway's AuthorizationPolicy, which admits only Prometheus' mesh identity) they must
 * be scraped with Istio certificates, and only ServiceMonitor endpoints accept certificate files (a PodMonitor's
 * tlsConfig is the operator's SafeTLSConfig: Secrets and ConfigMaps only).
 */
export const KONG_STATUS_PORT_NAME = GATEWAY.statusPortName;
export const KONG_SERVICE_SELECTOR = { app: GATEWAY.app } as const;
export const KONG_METRICS_PATH = "/metrics";

export const MONITOR_NAMES = { istiod: "istiod", envoy: "envoy-sidecars", kong: "kong-gateway" } as const;

/**
 * The `job` label of each monitor's targets: the monitor's own name, set by a relabeling so that the meta-alerts
 * (`up == 0`, `absent(up{job=...})`) know it without depending on the operator's defaults. prometheus-operator
 * (pkg/prometheus/promcfg.go, v0.85.0) first sets `job` itself (a ServiceMonitor: the Service's name or its jobLabel
 * value; a PodMonitor: `<namespace>/<name>`) and appends the endpoint's own `relabelings` after that, so ours wins.
 */
export function jobRelabeling(job: string): Record<string, unknown> {
    return { action: "replace", targetLabel: "job", replacement: job };
}

/** Every scrape job this program configures, and the Kafka exporter's job the stack names (the meta-alerts cover each). */
export function scrapeJobs(manifests: readonly Manifest[], model?: ObservabilityModel): string[] {
    const own = manifests.filter((m) => m.kind === "ServiceMonitor" || m.kind === "PodMonitor").map((m) => m.metadata.name);
    const named = model?.kafkaExporter.job !== undefined ? [model.kafkaExporter.job] : [];
    return [...new Set([...own, ...named])].sort();
}

/** Istio's documented way for Prometheus to scrape workloads behind STRICT sidecars (files written by its own sidecar). */
function kongTls(model: ObservabilityModel): Record<string, unknown> {
    if (model.prometheus.kongScrapeTls === "plaintext") {
        return {};
    }
    const dir = model.prometheus.istioCertsDir;
    return {
        scheme: "https",
        tlsConfig: {
            caFile: `${dir}/root-cert.pem`,
            certFile: `${dir}/cert-chain.pem`,
            keyFile: `${dir}/key.pem`,
            // Prometheus cannot verify Istio's SPIFFE identities (no IP/DNS SAN); the mTLS still authenticates Prometheus.
            insecureSkipVerify: true,
        },
    };
}

export function buildMonitors(model: ObservabilityModel, catalog: Catalog): Manifest[] {
    const { namespace, selectorLabels, scrapeInterval } = model.prometheus;
    const injected = catalog.namespaces
        .filter((ns) => ns.injected)
        .map((ns) => ns.name)
        .sort();
    return [
        {
            apiVersion: MONITORING_API_VERSION,
            kind: "ServiceMonitor",
            metadata: metadata(MONITOR_NAMES.istiod, namespace, { ...selectorLabels }),
            spec: {
                jobLabel: "istio",
                namespaceSelector: { matchNames: [MESH_ROOT_NAMESPACE] },
                selector: { matchLabels: { ...ISTIOD_SERVICE_SELECTOR } },
                endpoints: [{ port: ISTIOD_MONITORING_PORT_NAME, path: "/metrics", interval: scrapeInterval, relabelings: [jobRelabeling(MONITOR_NAMES.istiod)] }],
            },
        },
        {
            apiVersion: MONITORING_API_VERSION,
            kind: "PodMonitor",
            metadata: metadata(MONITOR_NAMES.envoy, namespace, { ...selectorLabels }),
            spec: {
                namespaceSelector: { matchNames: injected },
                selector: { matchLabels: { ...INJECTED_POD_SELECTOR } },
                podMetricsEndpoints: [
                    {
                        port: ENVOY_STATS_PORT_NAME,
                        path: ENVOY_STATS_PATH,
                        interval: scrapeInterval,
                        // Only the sidecar: an application container never declares http-envoy-prom, but be explicit.
                        relabelings: [{ action: "keep", sourceLabels: ["__meta_kubernetes_pod_container_name"], regex: "istio-proxy" }, jobRelabeling(MONITOR_NAMES.envoy)],
                    },
                ],
            },
        },
        {
            apiVersion: MONITORING_API_VERSION,
            kind: "ServiceMonitor",
            metadata: metadata(MONITOR_NAMES.kong, namespace, { ...selectorLabels }),
            spec: {
                namespaceSelector: { matchNames: [GATEWAY.namespace] },
                selector: { matchLabels: { ...KONG_SERVICE_SELECTOR } },
                endpoints: [{ port: KONG_STATUS_PORT_NAME, path: KONG_METRICS_PATH, interval: scrapeInterval, relabelings: [jobRelabeling(MONITOR_NAMES.kong)], ...kongTls(model) }],
            },
        },
    ];
}

/** Ports the monitors scrape, for the report and tests (numbers from model/wellknown.ts). */
export const SCRAPED_PORTS = { istiod: ISTIO_PORTS.istiodMonitoring, envoy: ISTIO_PORTS.envoyStats, kong: GATEWAY.ports.status } as const;
