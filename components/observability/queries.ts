import { ServiceSpec } from "../../model/catalog";
import { KafkaExporterMetrics } from "../../model/observability";
import { Matcher, anyOf, quantile, rate, ratio, sel, sumBy } from "./promql";

/**
 * The selectors dashboards and alert rules share, so a panel and the alert beside it always measure the same thing.
 *
 * Mesh traffic is read with `reporter="destination"` only: every request between two sidecars is reported twice
 * (once by the client's proxy, once by the server's), and only the server side sees requests from outside the mesh
 * and knows the connection's `connection_security_policy`.
 */

export const ISTIO_REQUESTS = "istio_requests_total";
export const ISTIO_DURATION_BUCKET = "istio_request_duration_milliseconds_bucket";
export const ISTIO_TCP_SENT = "istio_tcp_sent_bytes_total";
export const ISTIO_TCP_RECEIVED = "istio_tcp_received_bytes_total";
export const ISTIO_TCP_OPENED = "istio_tcp_connections_opened_total";
export const ISTIO_TCP_CLOSED = "istio_tcp_connections_closed_total";

export const KONG_REQUESTS = "kong_http_requests_total";
export const KONG_LATENCY_BUCKET = "kong_kong_latency_ms_bucket";
export const KONG_UPSTREAM_LATENCY_BUCKET = "kong_upstream_latency_ms_bucket";
export const KONG_REQUEST_LATENCY_BUCKET = "kong_request_latency_ms_bucket";
export const KONG_BANDWIDTH = "kong_bandwidth_bytes";
export const KONG_TARGET_HEALTH = "kong_upstream_target_health";
export const KONG_DATASTORE_REACHABLE = "kong_datastore_reachable";

export const DESTINATION: Matcher = ["reporter", "=", "destination"];
export const MUTUAL_TLS: Matcher = ["connection_security_policy", "=", "mutual_tls"];
export const NOT_MUTUAL_TLS: Matcher = ["connection_security_policy", "!=", "mutual_tls"];
/** Per destination service, as the overview groups it. */
export const BY_DESTINATION_SERVICE = ["destination_service_namespace", "destination_service_name"] as const;

/** gRPC status codes that mean the server failed (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS). */
export const GRPC_SERVER_ERRORS = ["2", "4", "12", "13", "14", "15"];

/** Requests the service's own sidecar received. */
export function meshInbound(svc: ServiceSpec): Matcher[] {
    return [DESTINATION, ["destination_service_name", "=", svc.name], ["destination_service_namespace", "=", svc.namespace]];
}

/** What counts as a failed request for the service: 5xx for HTTP, server-side gRPC statuses for gRPC. */
export function meshErrorMatcher(svc: ServiceSpec): Matcher {
    return svc.protocol === "grpc" ? ["grpc_response_status", "=~", anyOf(GRPC_SERVER_ERRORS)] : ["response_code", "=~", "5.."];
}

/** TCP connections Envoy closed with a response flag (e.g. UF upstream failure, UO overflow) rather than `-`. */
export const TCP_FAILED: Matcher = ["response_flags", "!=", "-"];

/**
 * Name of the Kong service (the `service` label of Kong's metrics) that fronts a catalog service.
 * The gateway component names Kong services after catalog services.
 */
export function kongServiceName(svc: ServiceSpec): string {
    return svc.name;
}

export function kongService(svc: ServiceSpec): Matcher[] {
    return [["service", "=", kongServiceName(svc)]];
}

export const KONG_5XX: Matcher = ["code", "=~", "5.."];

export function meshErrorRatio(svc: ServiceSpec, window: string): string {
    const inbound = meshInbound(svc);
    return ratio(sel(ISTIO_REQUESTS, [...inbound, meshErrorMatcher(svc)]), sel(ISTIO_REQUESTS, inbound), [], window);
}

export function meshP99(svc: ServiceSpec, window: string): string {
    return quantile(0.99, sel(ISTIO_DURATION_BUCKET, meshInbound(svc)), [], window);
}

export function tcpFailureRatio(svc: ServiceSpec, window: string): string {
    const inbound = meshInbound(svc);
    return ratio(sel(ISTIO_TCP_CLOSED, [...inbound, TCP_FAILED]), sel(ISTIO_TCP_CLOSED, inbound), [], window);
}

/** Kafka selectors: platform topics only (or every non-internal topic when no topic list is given). */
export function topicMatcher(topics: readonly string[]): Matcher {
    return topics.length > 0 ? ["topic", "=~", anyOf(topics)] : ["topic", "!~", "__.*"];
}

export function produceRate(m: KafkaExporterMetrics, topics: readonly string[], window: string): string {
    // The exporter exposes offsets as gauges; they only grow (until a topic is re-created), and rate() treats the
    // rare decrease as a reset instead of a negative spike, which deriv() would not.
    return sumBy(["topic"], rate(sel(m.topicOffset, [topicMatcher(topics)]), window));
}

export function consumeRate(m: KafkaExporterMetrics, topics: readonly string[], window: string): string {
    return sumBy(["consumergroup", "topic"], rate(sel(m.consumerGroupOffset, [topicMatcher(topics)]), window));
}

export function consumerLag(m: KafkaExporterMetrics, topics: readonly string[]): string {
    return sumBy(["consumergroup", "topic"], sel(m.consumerGroupLag, [topicMatcher(topics)]));
}

export function underReplicated(m: KafkaExporterMetrics, topics: readonly string[]): string {
    return sumBy(["topic"], sel(m.underReplicatedPartitions, [topicMatcher(topics)]));
}
