import { Catalog, ServiceSpec } from "../../model/catalog";
import { Problems } from "../../model/errors";
import { ObservabilityModel } from "../../model/observability";
import { Manifest, metadata } from "../../model/wellknown";
import { checkTopics, dashboardUid, dashboardUrl, DASHBOARD_KEYS, serviceDashboardKey } from "./dashboards";
import { MONITORING_API_VERSION } from "./monitors";
import { Matcher, anyOf, rate, sel, sumBy } from "./promql";
import {
    DESTINATION,
    ISTIO_REQUESTS,
    ISTIO_TCP_OPENED,
    KONG_DATASTORE_REACHABLE,
    NOT_MUTUAL_TLS,
    consumerLag,
    meshErrorRatio,
    meshP99,
    tcpFailureRatio,
    underReplicated,
} from "./queries";

/**
 * PrometheusRule alerts. Per catalog service: error ratio and p99 latency over the service's SLO (TCP services:
 * failed-connection ratio). Platform: Kong's datastore, plaintext traffic into STRICT namespaces, Kafka replication
 * and consumer lag.
 */

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly AlertRule[];
}

export const RULE_NAMES = { services: "service-slos", platform: "platform" } as const;
export const GROUP_PREFIX = "service-integration";

function serviceRules(model: ObservabilityModel, svc: ServiceSpec): AlertRule[] {
    const a = model.alerts;
    const labels = { service: svc.name, namespace: svc.namespace };
    const dashboard = dashboardUrl(model, dashboardUid(model.grafana.dashboardUidPrefix, serviceDashboardKey(svc)));
    if (svc.protocol === "tcp") {
        return [
            {
                alert: "ServiceConnectionFailureRatioHigh",
                expr: `(${tcpFailureRatio(svc, a.window)}) > ${svc.slo.maxErrorRatio}`,
                for: a.errorRatioFor,
                labels: { ...labels, severity: "critical" },
                annotations: {
                    summary: `${svc.name}: more than ${svc.slo.maxErrorRatio * 100}% of TCP connections fail`,
                    description: `Share of connections to ${svc.name}.${svc.namespace} closed with an Envoy response flag over ${a.window} is {{ $value | humanizePercentage }}, above the SLO of ${svc.slo.maxErrorRatio}.`,
                    dashboard,
                },
            },
        ];
    }
    const what = svc.protocol === "grpc" ? "gRPC server errors" : "5xx responses";
    return [
        {
            alert: "ServiceErrorRatioHigh",
            expr: `(${meshErrorRatio(svc, a.window)}) > ${svc.slo.maxErrorRatio}`,
            for: a.errorRatioFor,
            labels: { ...labels, severity: "critical" },
            annotations: {
                summary: `${svc.name}: ${what} above ${svc.slo.maxErrorRatio * 100}%`,
                description: `Share of ${what} received by ${svc.name}.${svc.namespace} over ${a.window} is {{ $value | humanizePercentage }}, above the SLO of ${svc.slo.maxErrorRatio}.`,
                dashboard,
            },
        },
        {
            alert: "ServiceP99LatencyHigh",
            expr: `${meshP99(svc, a.window)} > ${svc.slo.p99LatencyMs}`,
            for: a.latencyFor,
            labels: { ...labels, severity: "warning" },
            annotations: {
                summary: `${svc.name}: p99 latency above ${svc.slo.p99LatencyMs} ms`,
                description: `p99 request duration of ${svc.name}.${svc.namespace} over ${a.window} is {{ $value | humanize }} ms, above the SLO of ${svc.slo.p99LatencyMs} ms.`,
                dashboard,
            },
        },
    ];
}

/** One group per catalog service, so `promtool`/Prometheus shows them by service. */
export function buildServiceRuleGroups(model: ObservabilityModel, catalog: Catalog): RuleGroup[] {
    return catalog.services.map((svc) => ({ name: `${GROUP_PREFIX}.service.${svc.name}`, rules: serviceRules(model, svc) }));
}

function plaintextRules(model: ObservabilityModel, catalog: Catalog, strictNamespaces: readonly string[]): AlertRule[] {
    if (strictNamespaces.length === 0) {
        return [];
    }
    const a = model.alerts;
    // Services the catalog deliberately keeps reachable in plaintext (plaintextPorts, kept PERMISSIVE by the mesh)
    // would trip the alert all the time: their workloads are left out. Istio's metrics carry no port label, so the
    // exemption is per workload (its `app`), not per port.
    const exempt = catalog.services.filter((s) => s.plaintextPorts.length > 0 && strictNamespaces.includes(s.namespace)).map((s) => s.app);
    const matchers: Matcher[] = [DESTINATION, NOT_MUTUAL_TLS, ["destination_workload_namespace", "=~", anyOf(strictNamespaces)]];
    if (exempt.length > 0) {
        matchers.push(["destination_app", "!~", anyOf(exempt)]);
    }
    const by = ["destination_workload_namespace", "destination_workload"];
    const explain =
        "The namespace's PeerAuthentication is STRICT, so a sidecar should refuse plaintext before any request is counted; traffic without mutual TLS here means the policy is missing, overridden or not applied.";
    return [
        {
            alert: "PlaintextRequestsInStrictNamespace",
            expr: `${sumBy(by, rate(sel(ISTIO_REQUESTS, matchers), a.window))} > 0`,
            for: a.plaintextFor,
            labels: { severity: "critical" },
            annotations: {
                summary: "Requests without mutual TLS reach {{ $labels.destination_workload }} in STRICT namespace {{ $labels.destination_workload_namespace }}",
                description: `{{ $value | humanize }} requests/s arrive in plaintext. ${explain}`,
            },
        },
        {
            alert: "PlaintextConnectionsInStrictNamespace",
            expr: `${sumBy(by, rate(sel(ISTIO_TCP_OPENED, matchers), a.window))} > 0`,
            for: a.plaintextFor,
            labels: { severity: "critical" },
            annotations: {
                summary: "TCP connections without mutual TLS reach {{ $labels.destination_workload }} in STRICT namespace {{ $labels.destination_workload_namespace }}",
                description: `{{ $value | humanize }} connections/s are opened in plaintext. ${explain}`,
            },
        },
    ];
}

export function buildPlatformRuleGroups(model: ObservabilityModel, catalog: Catalog, strictNamespaces: readonly string[], topics: readonly string[]): RuleGroup[] {
    const a = model.alerts;
    const m = model.kafkaExporter;
    const prefix = model.grafana.dashboardUidPrefix;
    const groups: RuleGroup[] = [
        {
            name: `${GROUP_PREFIX}.gateway`,
            rules: [
                {
                    alert: "KongDatastoreUnreachable",
                    expr: `${sel(KONG_DATASTORE_REACHABLE)} == 0`,
                    for: a.datastoreUnreachableFor,
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "Kong pod {{ $labels.pod }} cannot reach its PostgreSQL datastore",
                        description: "kong_datastore_reachable is 0: configuration changes fail and the node serves from cache only.",
                        dashboard: dashboardUrl(model, dashboardUid(prefix, DASHBOARD_KEYS.gateway)),
                    },
                },
            ],
        },
        {
            name: `${GROUP_PREFIX}.kafka`,
            rules: [
                {
                    alert: "KafkaUnderReplicatedPartitions",
                    expr: `${underReplicated(m, topics)} > 0`,
                    for: a.underReplicatedFor,
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "Topic {{ $labels.topic }} has under-replicated partitions",
                        description: "{{ $value }} partitions of {{ $labels.topic }} have fewer in-sync replicas than replicas; a broker is down or lagging.",
                        dashboard: dashboardUrl(model, dashboardUid(prefix, DASHBOARD_KEYS.events)),
                    },
                },
                {
                    alert: "KafkaConsumerGroupLagHigh",
                    expr: `${consumerLag(m, topics)} > ${a.consumerLagMessages}`,
                    for: a.consumerLagFor,
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "Consumer group {{ $labels.consumergroup }} lags on {{ $labels.topic }}",
                        description: `{{ $value }} messages of {{ $labels.topic }} are not yet consumed by {{ $labels.consumergroup }} (threshold ${a.consumerLagMessages}).`,
                        dashboard: dashboardUrl(model, dashboardUid(prefix, DASHBOARD_KEYS.events)),
                    },
                },
            ],
        },
    ];
    const plaintext = plaintextRules(model, catalog, strictNamespaces);
    if (plaintext.length > 0) {
        groups.push({ name: `${GROUP_PREFIX}.mesh-security`, rules: plaintext });
    }
    return groups;
}

function checkStrictNamespaces(catalog: Catalog, strictNamespaces: readonly string[]): void {
    const problems = new Problems();
    const known = catalog.namespaces.map((n) => n.name);
    strictNamespaces.forEach((ns, i) => {
        if (!known.includes(ns)) {
            problems.add(`strictNamespaces[${i}]`, ns, "is not a namespace of the service catalog", `pass the STRICT namespaces of the mesh model (one of ${known.join(", ")})`);
        }
    });
    problems.throwIfAny("STRICT namespace list passed to the observability rules");
}

/** Both PrometheusRule manifests (per-service SLOs, platform). */
export function buildRules(model: ObservabilityModel, catalog: Catalog, strictNamespaces: readonly string[], topics: readonly string[]): Manifest[] {
    checkStrictNamespaces(catalog, strictNamespaces);
    checkTopics(topics);
    const { namespace, selectorLabels } = model.prometheus;
    return [
        {
            apiVersion: MONITORING_API_VERSION,
            kind: "PrometheusRule",
            metadata: metadata(RULE_NAMES.services, namespace, { ...selectorLabels }),
            spec: { groups: buildServiceRuleGroups(model, catalog) },
        },
        {
            apiVersion: MONITORING_API_VERSION,
            kind: "PrometheusRule",
            metadata: metadata(RULE_NAMES.platform, namespace, { ...selectorLabels }),
            spec: { groups: buildPlatformRuleGroups(model, catalog, strictNamespaces, topics) },
        },
    ];
}
