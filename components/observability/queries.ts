import { ServiceSpec } from "../../model/catalog";
import { KafkaExporter } from "../../model/observability";
import { Matcher, anyOf, quantile, rate, ratio, sel, sumBy } from "./promql";

/**
 * The selectors dashboards and alert rules share, so a panel and the alert beside it always measure the same thing.
 *
 * Every request between two sidecars is reported twice (once by the client's proxy, `reporter="source"`, once by
 * the server's, `reporter="destination"`). A service is read where it is reported: at its own sidecar when it has
 * one (which also sees callers from outside the mesh and knows `connection_security_policy`), otherwise at its
 * callers' sidecars (`reporter="source"`; a workload without a sidecar reports nothing itself).
 */

export type Reporter = "destination" | "source";

/** Which side reports each service's traffic; derived from the workload model (who has a sidecar). */
export interface Reporting {
    reporterOf(svc: ServiceSpec): Reporter;
}

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
export const KONG_DATASTORE_REACHABLE = "kong_datastore_reachable";

export const DESTINATION: Matcher = ["reporter", "=", "destination"];
export const SOURCE: Matcher = ["reporter", "=", "source"];

export function reporterMatcher(reporter: Reporter): Matcher {
    return reporter === "destination" ? DESTINATION : SOURCE;
}
export const MUTUAL_TLS: Matcher = ["connection_security_policy", "=", "mutual_tls"];
export const NOT_MUTUAL_TLS: Matcher = ["connection_security_policy", "!=", "mutual_tls"];
/** Per destination service, as the overview groups it. */
export const BY_DESTINATION_SERVICE = ["destination_service_namespace", "destination_service_name"] as const;

/** gRPC status codes that mean the server failed (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS). */
export const GRPC_SERVER_ERRORS = ["2", "4", "12", "13", "14", "15"];

/** Requests to the service, as reported by its own sidecar or else by its callers' sidecars. */
export function meshInbound(svc: ServiceSpec, reporting: Reporting): Matcher[] {
    return [reporterMatcher(reporting.reporterOf(svc)), ["destination_service_name", "=", svc.name], ["destination_service_namespace", "=", svc.namespace]];
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

export function meshErrorRatio(svc: ServiceSpec, reporting: Reporting, window: string): string {
    const inbound = meshInbound(svc, reporting);
    return ratio(sel(ISTIO_REQUESTS, [...inbound, meshErrorMatcher(svc)]), sel(ISTIO_REQUESTS, inbound), [], window);
}

export function meshP99(svc: ServiceSpec, reporting: Reporting, window: string): string {
    return quantile(0.99, sel(ISTIO_DURATION_BUCKET, meshInbound(svc, reporting)), [], window);
}

export function tcpFailureRatio(svc: ServiceSpec, reporting: Reporting, window: string): string {
    const inbound = meshInbound(svc, reporting);
    return ratio(sel(ISTIO_TCP_CLOSED, [...inbound, TCP_FAILED]), sel(ISTIO_TCP_CLOSED, inbound), [], window);
}

/** The `+Inf` bucket counts every observation: the traffic behind a latency quantile. */
export const ALL_OBSERVATIONS: Matcher = ["le", "=", "+Inf"];

/** Kafka selectors: platform topics only (or every non-internal topic when no topic list is given). */
export function topicMatcher(topics: readonly string[]): Matcher {
    return topics.length > 0 ? ["topic", "=~", anyOf(topics)] : ["topic", "!~", "__.*"];
}

/** The exporter's own series (its `job`), for the platform's topics. */
export function kafkaMatchers(m: KafkaExporter, topics: readonly string[]): Matcher[] {
    return [["job", "=", m.job], topicMatcher(topics)];
}

export function produceRate(m: KafkaExporter, topics: readonly string[], window: string): string {
    // The exporter exposes offsets as gauges; they only grow (until a topic is re-created), and rate() treats the
    // rare decrease as a reset instead of a negative spike, which deriv() would not.
    return sumBy(["topic"], rate(sel(m.topicOffset, kafkaMatchers(m, topics)), window));
}

export function consumeRate(m: KafkaExporter, topics: readonly string[], window: string): string {
    return sumBy(["consumergroup", "topic"], rate(sel(m.consumerGroupOffset, kafkaMatchers(m, topics)), window));
}

export function consumerLag(m: KafkaExporter, topics: readonly string[]): string {
    return sumBy(["consumergroup", "topic"], sel(m.consumerGroupLag, kafkaMatchers(m, topics)));
}

export function underReplicated(m: KafkaExporter, topics: readonly string[]): string {
    return sumBy(["topic"], sel(m.underReplicatedPartitions, kafkaMatchers(m, topics)));
}

/**
 * Selectors covering every service where it is reported: `reporter="destination"` (services with a sidecar) and,
 * when some services have none, `reporter="source"` restricted to those services.
 */
export function reportedSelectors(metric: string, extra: readonly Matcher[], services: readonly ServiceSpec[], reporting: Reporting): string[] {
    const bySource = services.filter((s) => reporting.reporterOf(s) === "source");
    const selectors = [sel(metric, [DESTINATION, ...extra])];
    if (bySource.length > 0) {
        selectors.push(
            sel(metric, [SOURCE, ["destination_service_name", "=~", anyOf(bySource.map((s) => s.name))], ["destination_service_namespace", "=~", anyOf(bySource.map((s) => s.namespace))], ...extra]),
        );
    }
    return selectors;
}

/** `sum by (...) (rate(a[w])) or sum by (...) (rate(b[w]))`: the two sides never share a destination service. */
export function sumEach(by: readonly string[], selectors: readonly string[], window: string): string {
    return selectors.map((s) => sumBy(by, rate(s, window))).join(" or ");
}

/** `histogram_quantile(q, <sumEach by le and labels>)`. */
export function quantileEach(q: number, selectors: readonly string[], by: readonly string[], window: string): string {
    return `histogram_quantile(${q}, ${sumEach(["le", ...by], selectors, window)})`;
}
