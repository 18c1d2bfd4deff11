/**
 * Every metric name a dashboard panel or alert rule of this program may query, with where the name (and its labels)
 * come from upstream. Tests parse every PromQL expression and fail on a metric or a label matcher not listed here,
 * so a typo (`istio_request_total`) or a renamed upstream metric is caught before Grafana shows an empty panel.
 *
 * Histograms are listed by the series the queries read (`<name>_bucket`).
 */

export type MetricKind = "counter" | "gauge" | "histogram_bucket";

export interface MetricSource {
    readonly kind: MetricKind;
    /** Who exposes it. */
    readonly exporter: "istio" | "kong" | "kafka_exporter" | "prometheus";
    /** Upstream document or source file that defines the name and labels. */
    readonly source: string;
    /** Labels a query may match on (as documented upstream). */
    readonly labels: readonly string[];
    readonly help: string;
}

const ISTIO_DOC = "Istio Standard Metrics, https://istio.io/latest/docs/reference/config/metrics/ (istio/istio.io content/en/docs/reference/config/metrics/index.md)";
const KONG_SRC =
    "Kong Gateway 3.9.3 prometheus plugin, kong/plugins/prometheus/exporter.lua at tag 3.9.3 (init(): prefix kong_, http_requests_total {service, route, code, source, workspace, consumer}, kong_latency_ms/upstream_latency_ms/request_latency_ms {service, route, workspace}, bandwidth_bytes {service, route, direction, workspace, consumer}, upstream_target_health, datastore_reachable) and schema.lua (status_code_metrics, latency_metrics, bandwidth_metrics, upstream_health_metrics must be true)";
const PROMETHEUS_SRC = "Prometheus docs, Jobs and instances: \"Automatically generated labels and time series\" (up{job, instance}), docs/concepts/jobs_instances.md";
const KAFKA_EXPORTER_SRC = "kafka_exporter README, Metrics section, https://github.com/danielqsj/kafka_exporter#metrics";

/** Labels of Istio's standard metrics common to HTTP and TCP (istio.io "Labels"). */
const ISTIO_LABELS = [
    "reporter",
    "source_workload",
    "source_workload_namespace",
    "source_principal",
    "source_app",
    "source_version",
    "source_cluster",
    "source_canonical_service",
    "source_canonical_revision",
    "destination_workload",
    "destination_workload_namespace",
    "destination_principal",
    "destination_app",
    "destination_version",
    "destination_service",
    "destination_service_name",
    "destination_service_namespace",
    "destination_cluster",
    "destination_canonical_service",
    "destination_canonical_revision",
    "request_protocol",
    "connection_security_policy",
    "response_flags",
] as const;
/** Labels present only on HTTP/gRPC request metrics. */
const ISTIO_HTTP_LABELS = [...ISTIO_LABELS, "response_code", "grpc_response_status"] as const;

const KONG_SERVICE_ROUTE = ["service", "route", "workspace"] as const;

export const METRICS: Readonly<Record<string, MetricSource>> = {
    // Prometheus itself, per scrape target (the meta-alerts)
    up: { kind: "gauge", exporter: "prometheus", source: PROMETHEUS_SRC, labels: ["job", "instance"], help: "1 when the target's last scrape succeeded, 0 when it failed" },

    // Istio (reported by every sidecar's Envoy; scraped from /stats/prometheus on http-envoy-prom 15090)
    istio_requests_total: { kind: "counter", exporter: "istio", source: ISTIO_DOC, labels: ISTIO_HTTP_LABELS, help: "Request Count: every HTTP/HTTP2/gRPC request handled by a proxy" },
    istio_request_duration_milliseconds_bucket: {
        kind: "histogram_bucket",
        exporter: "istio",
        source: ISTIO_DOC,
        labels: [...ISTIO_HTTP_LABELS, "le"],
        help: "Request Duration (istio_request_duration_milliseconds DISTRIBUTION) buckets",
    },
    istio_tcp_sent_bytes_total: { kind: "counter", exporter: "istio", source: ISTIO_DOC, labels: ISTIO_LABELS, help: "Tcp Bytes Sent during response of a TCP connection" },
    istio_tcp_received_bytes_total: { kind: "counter", exporter: "istio", source: ISTIO_DOC, labels: ISTIO_LABELS, help: "Tcp Bytes Received during request of a TCP connection" },
    istio_tcp_connections_opened_total: { kind: "counter", exporter: "istio", source: ISTIO_DOC, labels: ISTIO_LABELS, help: "Tcp Connections Opened" },
    istio_tcp_connections_closed_total: { kind: "counter", exporter: "istio", source: ISTIO_DOC, labels: ISTIO_LABELS, help: "Tcp Connections Closed" },

    // Kong 3.x prometheus plugin (scraped from the status listener's /metrics, port 8100)
    kong_http_requests_total: {
        kind: "counter",
        exporter: "kong",
        source: KONG_SRC,
        labels: [...KONG_SERVICE_ROUTE, "code", "source", "consumer"],
        help: "HTTP status codes per consumer/service/route (status_code_metrics)",
    },
    kong_kong_latency_ms_bucket: {
        kind: "histogram_bucket",
        exporter: "kong",
        source: KONG_SRC,
        labels: [...KONG_SERVICE_ROUTE, "le"],
        help: "Latency added by Kong and its plugins per service/route (latency_metrics)",
    },
    kong_upstream_latency_ms_bucket: {
        kind: "histogram_bucket",
        exporter: "kong",
        source: KONG_SRC,
        labels: [...KONG_SERVICE_ROUTE, "le"],
        help: "Latency added by the upstream response per service/route (latency_metrics)",
    },
    kong_request_latency_ms_bucket: {
        kind: "histogram_bucket",
        exporter: "kong",
        source: KONG_SRC,
        labels: [...KONG_SERVICE_ROUTE, "le"],
        help: "Total request latency per service/route (latency_metrics)",
    },
    kong_bandwidth_bytes: {
        kind: "counter",
        exporter: "kong",
        source: KONG_SRC,
        labels: [...KONG_SERVICE_ROUTE, "direction", "consumer"],
        help: "Bandwidth (ingress/egress) in bytes per service/route (bandwidth_metrics)",
    },
    kong_datastore_reachable: { kind: "gauge", exporter: "kong", source: KONG_SRC, labels: [], help: "1 when the node reaches its database, 0 when not (always exported)" },

    // kafka_exporter (defaults of service-integration:observability.kafkaExporter); `job` is Prometheus' target label
    // of the exporter the stack names (kafkaExporter.job)
    kafka_topic_partition_current_offset: {
        kind: "gauge",
        exporter: "kafka_exporter",
        source: KAFKA_EXPORTER_SRC,
        labels: ["job", "topic", "partition"],
        help: "Current (newest) offset of a topic/partition; its rate is the produce rate",
    },
    kafka_consumergroup_current_offset: {
        kind: "gauge",
        exporter: "kafka_exporter",
        source: KAFKA_EXPORTER_SRC,
        labels: ["job", "consumergroup", "topic", "partition"],
        help: "Committed offset of a consumer group at a topic/partition; its rate is the consume rate",
    },
    kafka_consumergroup_lag: {
        kind: "gauge",
        exporter: "kafka_exporter",
        source: KAFKA_EXPORTER_SRC,
        labels: ["job", "consumergroup", "topic", "partition"],
        help: "Approximate lag of a consumer group at a topic/partition",
    },
    kafka_topic_partition_under_replicated_partition: {
        kind: "gauge",
        exporter: "kafka_exporter",
        source: KAFKA_EXPORTER_SRC,
        labels: ["job", "topic", "partition"],
        help: "1 if the topic/partition is under-replicated",
    },
};
