// The program runs under Pulumi's ts-node, which compiles from the entry file and does not load tsconfig's
// `include`: without this reference the foundation SDK's subpath imports do not resolve under `pulumi up`.
/// <reference path="./grafana-foundation-sdk.d.ts" />
import { createHash } from "crypto";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { Catalog, ServiceSpec } from "../../model/catalog";
import { Problems } from "../../model/errors";
import { KafkaExporter, ObservabilityModel, kafkaExporterOf } from "../../model/observability";
import { WORKLOAD_REPORTING } from "./reporting";
import { Matcher, quantile, rate, ratio, sel, sumBy } from "./promql";
import {
    BY_DESTINATION_SERVICE,
    DESTINATION,
    ISTIO_DURATION_BUCKET,
    ISTIO_REQUESTS,
    ISTIO_TCP_OPENED,
    ISTIO_TCP_RECEIVED,
    ISTIO_TCP_SENT,
    KONG_5XX,
    KONG_BANDWIDTH,
    KONG_DATASTORE_REACHABLE,
    KONG_LATENCY_BUCKET,
    KONG_REQUESTS,
    KONG_REQUEST_LATENCY_BUCKET,
    KONG_UPSTREAM_LATENCY_BUCKET,
    MUTUAL_TLS,
    consumeRate,
    consumerLag,
    kongService,
    meshErrorMatcher,
    meshInbound,
    produceRate,
    quantileEach,
    reportedSelectors,
    Reporting,
    sumEach,
    kafkaMatchers,
    underReplicated,
    TCP_FAILED,
    ISTIO_TCP_CLOSED,
} from "./queries";

/**
 * Grafana dashboards built with Grafana's foundation SDK. Every panel and every target names the Prometheus
 * datasource by uid (the SDK leaves both unset otherwise), every target has a refId, panel ids are assigned in
 * order, and uids are derived from the stack's prefix and a fixed key, so the JSON is identical on every run.
 */

/** Grafana's own rate window variable: at least four scrape intervals, widened when zoomed out. */
const W = "$__rate_interval";
const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const BASE_TAGS = ["254carbon", "service-integration"];
/** Kafka topic names as Kafka accepts them. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export const DASHBOARD_KEYS = { mesh: "mesh-overview", gateway: "kong", events: "events" } as const;
export const DASHBOARD_TITLES = { mesh: "Service Mesh Overview", gateway: "API Gateway (Kong)", events: "Event-Driven Architecture" } as const;

export function serviceDashboardKey(svc: ServiceSpec): string {
    return `svc-${svc.name}`;
}

export function serviceDashboardTitle(svc: ServiceSpec): string {
    return `Service: ${svc.name}`;
}

/** `<prefix>-<key>`, or when that exceeds Grafana's 40 characters, its first 31 characters and a hash of the whole. */
export function dashboardUid(prefix: string, key: string): string {
    const uid = `${prefix}-${key}`;
    if (uid.length <= 40) {
        return uid;
    }
    return `${uid.slice(0, 31)}-${createHash("sha256").update(uid).digest("hex").slice(0, 8)}`;
}

export function dashboardUrl(model: ObservabilityModel, uid: string): string {
    return `${model.grafana.url}/d/${uid}`;
}

interface Query {
    readonly expr: string;
    readonly legend?: string;
}

interface PanelSpec {
    readonly title: string;
    readonly description: string;
    readonly unit: string;
    readonly queries: readonly Query[];
    /** Draws a dashed red line (timeseries) or turns the value red (stat) at this value. */
    readonly threshold?: number;
    readonly min?: number;
    readonly max?: number;
    readonly span?: number;
    readonly height?: number;
    readonly mappings?: dashboard.ValueMapping[];
}

/** One dashboard under construction: hands out panel ids and stamps the datasource on panels and targets. */
class Board {
    private nextId = 1;
    readonly builder: dashboard.DashboardBuilder;
    private readonly datasource: dashboard.DataSourceRef;

    constructor(model: ObservabilityModel, uid: string, title: string, description: string, tags: readonly string[]) {
        this.datasource = { type: "prometheus", uid: model.grafana.datasourceUid };
        this.builder = new dashboard.DashboardBuilder(title)
            .uid(uid)
            .description(description)
            .tags([...BASE_TAGS, ...tags])
            .readonly()
            .tooltip(dashboard.DashboardCursorSync.Crosshair)
            .time({ from: "now-6h", to: "now" })
            .refresh("30s")
            .timezone("browser")
            .link(new dashboard.DashboardLinkBuilder("Service integration").type(dashboard.DashboardLinkType.Dashboards).tags(["service-integration"]).asDropdown(true).keepTime(true));
    }

    row(title: string): this {
        this.builder.withRow(new dashboard.RowBuilder(title).id(this.nextId++));
        return this;
    }

    private targets(queries: readonly Query[]): prometheus.DataqueryBuilder[] {
        if (queries.length > REF_IDS.length) {
            throw new Error(`a panel has ${queries.length} queries; at most ${REF_IDS.length} get a refId`);
        }
        return queries.map((q, i) =>
            new prometheus.DataqueryBuilder()
                .expr(q.expr)
                .legendFormat(q.legend ?? "__auto")
                .range()
                .refId(REF_IDS[i])
                .datasource(this.datasource),
        );
    }

    private thresholds(spec: PanelSpec): dashboard.ThresholdsConfigBuilder | undefined {
        if (spec.threshold === undefined) {
            return undefined;
        }
        return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
            { value: null, color: "green" },
            { value: spec.threshold, color: "red" },
        ]);
    }

    timeseries(spec: PanelSpec): this {
        const panel = new timeseries.PanelBuilder()
            .id(this.nextId++)
            .title(spec.title)
            .description(spec.description)
            .datasource(this.datasource)
            .unit(spec.unit)
            .targets(this.targets(spec.queries))
            .span(spec.span ?? 12)
            .height(spec.height ?? 8);
        const thresholds = this.thresholds(spec);
        if (thresholds) {
            panel.thresholds(thresholds).thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
        }
        if (spec.min !== undefined) {
            panel.min(spec.min);
        }
        if (spec.max !== undefined) {
            panel.max(spec.max);
        }
        this.builder.withPanel(panel);
        return this;
    }

    stat(spec: PanelSpec): this {
        const panel = new stat.PanelBuilder()
            .id(this.nextId++)
            .title(spec.title)
            .description(spec.description)
            .datasource(this.datasource)
            .unit(spec.unit)
            .targets(this.targets(spec.queries))
            .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
            .colorMode(common.BigValueColorMode.Background)
            .graphMode(common.BigValueGraphMode.None)
            .span(spec.span ?? 6)
            .height(spec.height ?? 5);
        const thresholds = this.thresholds(spec);
        if (thresholds) {
            panel.thresholds(thresholds);
        }
        if (spec.mappings) {
            panel.mappings(spec.mappings);
        }
        if (spec.min !== undefined) {
            panel.min(spec.min);
        }
        if (spec.max !== undefined) {
            panel.max(spec.max);
        }
        this.builder.withPanel(panel);
        return this;
    }

    build(): dashboard.Dashboard {
        return this.builder.build();
    }
}

const SERVICE_LEGEND = "{{destination_service_namespace}}/{{destination_service_name}}";
const CALLER_LEGEND = "{{source_workload_namespace}}/{{source_workload}}";

function meshOverview(model: ObservabilityModel, uid: string, catalog: Catalog, reporting: Reporting): dashboard.Dashboard {
    const all = sel(ISTIO_REQUESTS, [DESTINATION]);
    const reported = (metric: string, extra: Matcher[] = []): string[] => reportedSelectors(metric, extra, catalog.services, reporting);
    const requests = `(${sumEach(BY_DESTINATION_SERVICE, reported(ISTIO_REQUESTS), W)})`;
    const ok = `(${sumEach(BY_DESTINATION_SERVICE, reported(ISTIO_REQUESTS, [["response_code", "!~", "5.."]]), W)})`;
    const board = new Board(
        model,
        uid,
        DASHBOARD_TITLES.mesh,
        "Istio standard metrics where each service is reported: by its own sidecar (reporter=\"destination\"), or by its callers' sidecars for services without one (reporter=\"source\"), so a request between two sidecars is counted once. Mutual TLS panels read the destination side only: only a sidecar knows how a connection arrived.",
        ["istio", "mesh"],
    );
    board
        .row("Requests")
        .timeseries({
            title: "Request rate by destination service",
            description: "Requests per second received by each service.",
            unit: "reqps",
            queries: [{ expr: sumEach(BY_DESTINATION_SERVICE, reported(ISTIO_REQUESTS), W), legend: SERVICE_LEGEND }],
        })
        .timeseries({
            title: "Success rate by destination service",
            description: "Share of requests answered without a 5xx.",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [{ expr: `${ok} / ${requests}`, legend: SERVICE_LEGEND }],
        })
        .row("Latency");
    for (const [q, label] of [
        [0.5, "p50"],
        [0.95, "p95"],
        [0.99, "p99"],
    ] as const) {
        board.timeseries({
            title: `${label} request duration by destination service`,
            description: `${label} of istio_request_duration_milliseconds where each service is reported.`,
            unit: "ms",
            span: 8,
            queries: [{ expr: quantileEach(q, reported(ISTIO_DURATION_BUCKET), BY_DESTINATION_SERVICE, W), legend: SERVICE_LEGEND }],
        });
    }
    board
        .row("Mutual TLS")
        .stat({
            title: "Mutual TLS share of requests",
            description: "Share of requests that arrived over Istio mutual TLS (connection_security_policy=\"mutual_tls\").",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [{ expr: ratio(sel(ISTIO_REQUESTS, [DESTINATION, MUTUAL_TLS]), all, [], W), legend: "mTLS" }],
        })
        .stat({
            title: "Mutual TLS share of TCP connections",
            description: "Share of TCP connections opened over Istio mutual TLS.",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [{ expr: ratio(sel(ISTIO_TCP_OPENED, [DESTINATION, MUTUAL_TLS]), sel(ISTIO_TCP_OPENED, [DESTINATION]), [], W), legend: "mTLS" }],
        })
        .timeseries({
            title: "Mutual TLS share of requests by namespace",
            description: "A namespace in STRICT mode should stay at 100%.",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [{ expr: ratio(sel(ISTIO_REQUESTS, [DESTINATION, MUTUAL_TLS]), all, ["destination_workload_namespace"], W), legend: "{{destination_workload_namespace}}" }],
        })
        .row("TCP")
        .timeseries({
            title: "TCP bytes sent by destination service",
            description: "istio_tcp_sent_bytes_total: bytes the service sent back on TCP connections.",
            unit: "Bps",
            queries: [{ expr: sumEach(BY_DESTINATION_SERVICE, reported(ISTIO_TCP_SENT), W), legend: SERVICE_LEGEND }],
        })
        .timeseries({
            title: "TCP bytes received by destination service",
            description: "istio_tcp_received_bytes_total: bytes the service received on TCP connections.",
            unit: "Bps",
            queries: [{ expr: sumEach(BY_DESTINATION_SERVICE, reported(ISTIO_TCP_RECEIVED), W), legend: SERVICE_LEGEND }],
        });
    return board.build();
}

function gatewayOverview(model: ObservabilityModel, uid: string): dashboard.Dashboard {
    const requests = sel(KONG_REQUESTS);
    const board = new Board(
        model,
        uid,
        DASHBOARD_TITLES.gateway,
        "Kong 3.9 prometheus plugin metrics from the status listener's /metrics (status_code_metrics, latency_metrics and bandwidth_metrics). No upstream-health panels: the gateway declares no Kong upstreams (each Kong service points at its mesh DNS name and Envoy balances), so kong_upstream_target_health has no series.",
        ["kong", "gateway"],
    );
    board
        .row("Requests")
        .timeseries({
            title: "Requests by service and status code",
            description: "kong_http_requests_total per Kong service and HTTP status.",
            unit: "reqps",
            queries: [{ expr: sumBy(["service", "code"], rate(requests, W)), legend: "{{service}} {{code}}" }],
        })
        .timeseries({
            title: "5xx share by service",
            description: "Share of requests answered with a 5xx, by Kong or by the upstream.",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [{ expr: ratio(sel(KONG_REQUESTS, [KONG_5XX]), requests, ["service"], W), legend: "{{service}}" }],
        })
        .timeseries({
            title: "Responses generated by Kong",
            description: "Responses Kong produced itself (source=\"kong\": authentication, rate limits, no route) rather than the upstream.",
            unit: "reqps",
            queries: [{ expr: sumBy(["service", "code"], rate(sel(KONG_REQUESTS, [["source", "=", "kong"]]), W)), legend: "{{service}} {{code}}" }],
        })
        .row("Latency");
    for (const [title, bucket, what] of [
        ["Kong latency (routing and plugins)", KONG_LATENCY_BUCKET, "time Kong spent routing and running plugins"],
        ["Upstream latency", KONG_UPSTREAM_LATENCY_BUCKET, "time the upstream took to answer"],
        ["Total request latency", KONG_REQUEST_LATENCY_BUCKET, "time from first byte read to last byte sent"],
    ] as const) {
        board.timeseries({
            title,
            description: `p95 and p99 of the ${what}, by service.`,
            unit: "ms",
            span: 8,
            queries: [
                { expr: quantile(0.95, sel(bucket), ["service"], W), legend: "{{service}} p95" },
                { expr: quantile(0.99, sel(bucket), ["service"], W), legend: "{{service}} p99" },
            ],
        });
    }
    board
        .row("Bandwidth and datastore")
        .timeseries({
            title: "Bandwidth by service and direction",
            description: "kong_bandwidth_bytes: ingress (requests) and egress (responses).",
            unit: "Bps",
            queries: [{ expr: sumBy(["service", "direction"], rate(sel(KONG_BANDWIDTH), W)), legend: "{{service}} {{direction}}" }],
        })
        .stat({
            title: "Datastore reachable",
            description: "kong_datastore_reachable on the least healthy Kong node: 1 reachable, 0 unreachable.",
            unit: "none",
            queries: [{ expr: `min(${sel(KONG_DATASTORE_REACHABLE)})`, legend: "datastore" }],
            mappings: [
                {
                    type: dashboard.MappingType.ValueToText,
                    options: { "0": { text: "unreachable", color: "red", index: 0 }, "1": { text: "reachable", color: "green", index: 1 } },
                },
            ],
        });
    return board.build();
}

function eventsOverview(model: ObservabilityModel, m: KafkaExporter, uid: string, topics: readonly string[]): dashboard.Dashboard {
    const board = new Board(
        model,
        uid,
        DASHBOARD_TITLES.events,
        `Kafka topics of the platform (${topics.length > 0 ? topics.length : "all non-internal"} topics) from the stack's kafka_exporter (job="${m.job}").`,
        ["kafka", "events"],
    );
    board
        .row("Throughput")
        .timeseries({
            title: "Produce rate by topic",
            description: `Messages appended per second (rate of ${m.topicOffset}, summed over partitions).`,
            unit: "suffix: msg/s",
            queries: [{ expr: produceRate(m, topics, W), legend: "{{topic}}" }],
        })
        .timeseries({
            title: "Consume rate by consumer group and topic",
            description: `Messages committed per second (rate of ${m.consumerGroupOffset}, summed over partitions).`,
            unit: "suffix: msg/s",
            queries: [{ expr: consumeRate(m, topics, W), legend: "{{consumergroup}} {{topic}}" }],
        })
        .row("Health")
        .timeseries({
            title: "Consumer group lag",
            description: `Messages not yet consumed (${m.consumerGroupLag}, summed over partitions). The line is the alert threshold.`,
            unit: "short",
            threshold: model.alerts.consumerLagMessages,
            queries: [{ expr: consumerLag(m, topics), legend: "{{consumergroup}} {{topic}}" }],
        })
        .timeseries({
            title: "Under-replicated partitions by topic",
            description: `Partitions with fewer in-sync replicas than replicas (${m.underReplicatedPartitions}).`,
            unit: "short",
            threshold: 1,
            queries: [{ expr: underReplicated(m, topics), legend: "{{topic}}" }],
        })
        .stat({
            title: "Under-replicated partitions",
            description: "All platform topics together; anything above 0 needs attention.",
            unit: "short",
            threshold: 1,
            queries: [{ expr: sumBy([], sel(m.underReplicatedPartitions, kafkaMatchers(m, topics))), legend: "under-replicated" }],
        });
    return board.build();
}

function serviceBoard(model: ObservabilityModel, uid: string, svc: ServiceSpec, reporting: Reporting): dashboard.Dashboard {
    const inbound = meshInbound(svc, reporting);
    const hasSidecar = reporting.reporterOf(svc) === "destination";
    const side = hasSidecar ? "server side" : "callers' side: it has no sidecar";
    const slo = svc.slo;
    const board = new Board(
        model,
        uid,
        serviceDashboardTitle(svc),
        `${svc.name} in ${svc.namespace} (${svc.protocol}, port ${svc.port}). SLO: at most ${slo.maxErrorRatio * 100}% errors, p99 under ${slo.p99LatencyMs} ms; dashed lines mark them.`,
        ["service", svc.namespace],
    );
    if (svc.protocol === "tcp") {
        board
            .row(`Through the mesh (TCP, ${side})`)
            .timeseries({
                title: "Connections opened by caller",
                description: "TCP connections per second received by the service's sidecar.",
                unit: "cps",
                queries: [{ expr: sumBy(["source_workload_namespace", "source_workload"], rate(sel(ISTIO_TCP_OPENED, inbound), W)), legend: CALLER_LEGEND }],
            })
            .timeseries({
                title: "Failed connection share",
                description: "Share of closed connections that Envoy closed with a response flag (upstream failure, overflow, ...).",
                unit: "percentunit",
                min: 0,
                threshold: slo.maxErrorRatio,
                queries: [{ expr: ratio(sel(ISTIO_TCP_CLOSED, [...inbound, TCP_FAILED]), sel(ISTIO_TCP_CLOSED, inbound), [], W), legend: "failed" }],
            })
            .timeseries({
                title: "Bytes sent and received",
                description: "TCP throughput at the service's sidecar.",
                unit: "Bps",
                queries: [
                    { expr: sumBy([], rate(sel(ISTIO_TCP_SENT, inbound), W)), legend: "sent" },
                    { expr: sumBy([], rate(sel(ISTIO_TCP_RECEIVED, inbound), W)), legend: "received" },
                ],
            });
        if (hasSidecar) {
            board.stat({
                title: "Mutual TLS share of connections",
                description: "Share of connections that arrived over Istio mutual TLS.",
                unit: "percentunit",
                min: 0,
                max: 1,
                queries: [{ expr: ratio(sel(ISTIO_TCP_OPENED, [...inbound, MUTUAL_TLS]), sel(ISTIO_TCP_OPENED, inbound), [], W), legend: "mTLS" }],
            });
        }
        return board.build();
    }
    const requests = sel(ISTIO_REQUESTS, inbound);
    const buckets = sel(ISTIO_DURATION_BUCKET, inbound);
    board
        .row(`Through the mesh (${side})`)
        .timeseries({
            title: "Request rate by caller",
            description: "Requests per second received by the service's sidecar, by calling workload (unknown: from outside the mesh).",
            unit: "reqps",
            queries: [{ expr: sumBy(["source_workload_namespace", "source_workload"], rate(requests, W)), legend: CALLER_LEGEND }],
        })
        .timeseries({
            title: svc.protocol === "grpc" ? "Error ratio (gRPC server errors)" : "Error ratio (5xx)",
            description: `Share of failed requests; the dashed line is the SLO (${slo.maxErrorRatio}).`,
            unit: "percentunit",
            min: 0,
            threshold: slo.maxErrorRatio,
            queries: [{ expr: ratio(sel(ISTIO_REQUESTS, [...inbound, meshErrorMatcher(svc)]), requests, [], W), legend: "errors" }],
        })
        .timeseries({
            title: "Request duration",
            description: `p50, p95 and p99 at the server-side sidecar; the dashed line is the p99 SLO (${slo.p99LatencyMs} ms).`,
            unit: "ms",
            threshold: slo.p99LatencyMs,
            queries: [
                { expr: quantile(0.5, buckets, [], W), legend: "p50" },
                { expr: quantile(0.95, buckets, [], W), legend: "p95" },
                { expr: quantile(0.99, buckets, [], W), legend: "p99" },
            ],
        });
    // Only a destination sidecar knows how a connection arrived; a service without one has no mTLS to show.
    if (hasSidecar) {
        board.stat({
            title: "Mutual TLS share",
            description: "Share of requests that arrived over Istio mutual TLS.",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [{ expr: ratio(sel(ISTIO_REQUESTS, [...inbound, MUTUAL_TLS]), requests, [], W), legend: "mTLS" }],
        });
    }
    if (svc.gateway) {
        const kong = kongService(svc);
        const kongRequests = sel(KONG_REQUESTS, kong);
        board
            .row("Through the gateway (Kong)")
            .timeseries({
                title: "Gateway requests by route and status",
                description: `Requests Kong routed to ${svc.name} (routes ${svc.gateway.routes.map((r) => r.name).join(", ")}).`,
                unit: "reqps",
                queries: [{ expr: sumBy(["route", "code"], rate(kongRequests, W)), legend: "{{route}} {{code}}" }],
            })
            .timeseries({
                title: "Gateway 5xx share",
                description: "Share of gateway requests answered with a 5xx (by Kong or by the service).",
                unit: "percentunit",
                min: 0,
                threshold: slo.maxErrorRatio,
                queries: [{ expr: ratio(sel(KONG_REQUESTS, [...kong, KONG_5XX]), kongRequests, [], W), legend: "5xx" }],
            })
            .timeseries({
                title: "Gateway latency (p99)",
                description: "p99 of the total request time, of the upstream's share and of Kong's own share.",
                unit: "ms",
                threshold: slo.p99LatencyMs,
                queries: [
                    { expr: quantile(0.99, sel(KONG_REQUEST_LATENCY_BUCKET, kong), [], W), legend: "total" },
                    { expr: quantile(0.99, sel(KONG_UPSTREAM_LATENCY_BUCKET, kong), [], W), legend: "upstream" },
                    { expr: quantile(0.99, sel(KONG_LATENCY_BUCKET, kong), [], W), legend: "kong" },
                ],
            });
    }
    return board.build();
}

export interface BuiltDashboard {
    /** Stable key (e.g. `mesh-overview`, `svc-portal-services`): the Pulumi resource name is derived from it. */
    readonly key: string;
    readonly uid: string;
    readonly title: string;
    readonly url: string;
    readonly dashboard: dashboard.Dashboard;
    /** What Grafana receives (`configJson`). */
    readonly configJson: string;
}

/** Throws a ConfigError when a name could not be a Kafka topic: surely a wiring mistake by the caller. */
export function checkTopics(topics: readonly string[]): void {
    const problems = new Problems();
    topics.forEach((t, i) => {
        if (!TOPIC_NAME.test(t)) {
            problems.add(`topics[${i}]`, t, "is not a Kafka topic name", "pass the topic names of the topic catalog (letters, digits, '.', '_' and '-')");
        }
    });
    problems.throwIfAny("topic list passed to the observability dashboards");
}

/**
 * Every dashboard of the stack: the three overviews, then one per catalog service (catalog order).
 * `topics` are the Kafka topic names of the topic catalog (the Event-Driven Architecture dashboard and the Kafka
 * alerts filter on them; an empty list means every non-internal topic).
 */
export function buildDashboards(model: ObservabilityModel, catalog: Catalog, topics: readonly string[], reporting: Reporting = WORKLOAD_REPORTING): BuiltDashboard[] {
    checkTopics(topics);
    const prefix = model.grafana.dashboardUidPrefix;
    const exporter = kafkaExporterOf(model);
    const entries: { key: string; title: string; build: (uid: string) => dashboard.Dashboard }[] = [
        { key: DASHBOARD_KEYS.mesh, title: DASHBOARD_TITLES.mesh, build: (uid) => meshOverview(model, uid, catalog, reporting) },
        { key: DASHBOARD_KEYS.gateway, title: DASHBOARD_TITLES.gateway, build: (uid) => gatewayOverview(model, uid) },
        // Only with a Kafka exporter the stack names: without one every panel would stay empty.
        ...(exporter ? [{ key: DASHBOARD_KEYS.events, title: DASHBOARD_TITLES.events, build: (uid: string) => eventsOverview(model, exporter, uid, topics) }] : []),
        ...catalog.services.map((svc) => ({ key: serviceDashboardKey(svc), title: serviceDashboardTitle(svc), build: (uid: string) => serviceBoard(model, uid, svc, reporting) })),
    ];
    const built = entries.map(({ key, title, build }) => {
        const uid = dashboardUid(prefix, key);
        const board = build(uid);
        return { key, uid, title, url: dashboardUrl(model, uid), dashboard: board, configJson: JSON.stringify(board) };
    });
    const seen = new Map<string, string>();
    for (const b of built) {
        const other = seen.get(b.uid);
        if (other !== undefined) {
            throw new Error(`dashboards ${other} and ${b.key} would share the uid ${b.uid}; rename one of the services`);
        }
        seen.set(b.uid, b.key);
    }
    return built;
}

export interface RenderedDashboard {
    readonly uid: string;
    readonly title: string;
    readonly url: string;
    /** Suggested file name for the offline plan, e.g. `si-mesh-overview.json`. */
    readonly file: string;
    /** The dashboard model, pretty-printed (same content as the configJson Grafana receives). */
    readonly json: string;
}

/** For the offline plan: each dashboard's JSON, ready to write to a file. */
export function renderDashboards(model: ObservabilityModel, catalog: Catalog, topics: readonly string[], reporting: Reporting = WORKLOAD_REPORTING): RenderedDashboard[] {
    return buildDashboards(model, catalog, topics, reporting).map((b) => ({
        uid: b.uid,
        title: b.title,
        url: b.url,
        file: `${b.uid}.json`,
        json: `${JSON.stringify(b.dashboard, null, 2)}\n`,
    }));
}
