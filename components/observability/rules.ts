import { Catalog, ServiceSpec } from "../../model/catalog";
import { Problems } from "../../model/errors";
import { ObservabilityModel, kafkaExporterOf } from "../../model/observability";
import { GATEWAY, Manifest, metadata } from "../../model/wellknown";
import { checkTopics, dashboardUid, dashboardUrl, DASHBOARD_KEYS, serviceDashboardKey } from "./dashboards";
import { MONITORING_API_VERSION } from "./monitors";
import { Matcher, anyOf, quantile, rate, sel, sumBy } from "./promql";
import {
    ALL_OBSERVATIONS,
    ISTIO_DURATION_BUCKET,
    ISTIO_REQUESTS,
    ISTIO_TCP_CLOSED,
    ISTIO_TCP_OPENED,
    KONG_5XX,
    KONG_DATASTORE_REACHABLE,
    KONG_REQUESTS,
    KONG_REQUEST_LATENCY_BUCKET,
    NOT_MUTUAL_TLS,
    DESTINATION,
    Reporting,
    TCP_FAILED,
    consumerLag,
    meshErrorMatcher,
    meshInbound,
    underReplicated,
} from "./queries";
import { AlertCase, CaseClock, clockFor, counter, gauge, labelsOf } from "./rule-cases";

/**
 * PrometheusRule alerts. Per catalog service: error ratio and p99 latency over the service's SLO (TCP services:
 * failed-connection ratio), read where the service's traffic is reported; the gateway's SLO from Kong's own metrics.
 * Platform: Kong's datastore, plaintext traffic into STRICT namespaces, Kafka replication and consumer lag.
 * Meta: every scrape job this program configures is up and present.
 *
 * Every ratio and latency alert carries a minimum-traffic guard (`and <traffic> > <guard>`), and every alert is
 * built together with its unit-test cases (rule-cases.ts): it fires above its threshold, stays silent below it,
 * and stays silent below its traffic guard. `promtool test rules` runs them.
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

/** An alert rule and the cases that test it. */
export interface TestedAlert {
    readonly rule: AlertRule;
    readonly cases: readonly AlertCase[];
}

export interface TestedGroup {
    readonly name: string;
    readonly alerts: readonly TestedAlert[];
}

/** What the rules are built from. */
export interface RuleInputs {
    readonly model: ObservabilityModel;
    readonly catalog: Catalog;
    /** Namespaces whose effective mTLS mode is STRICT. */
    readonly strictNamespaces: readonly string[];
    readonly topics: readonly string[];
    readonly reporting: Reporting;
    /** The `job` of every scrape job the program configures (monitors.ts scrapeJobs). */
    readonly scrapeJobs: readonly string[];
}

export const RULE_NAMES = { services: "service-slos", platform: "platform" } as const;
export const GROUP_PREFIX = "service-integration";

/** A traffic rate below the guard, and one comfortably above it. */
function quiet(guard: number): number {
    return guard / 4;
}
function busy(guard: number): number {
    return Math.max(1, guard * 10);
}

/** `(<value> > <threshold>) and (<traffic> > <guard>)`: both sides are label-less sums, so `and` matches them. */
function guarded(value: string, threshold: number, traffic: string, guard: number): string {
    return `(${value} > ${threshold}) and (${traffic} > ${guard})`;
}

interface RatioSeries {
    /** Metric counting every event (the ratio's denominator). */
    readonly metric: string;
    /** Labels of a good event and of a bad one (both counted by the denominator). */
    readonly good: Readonly<Record<string, string>>;
    readonly bad: Readonly<Record<string, string>>;
}

/** Cases of a guarded ratio alert: fires at a 50% error share, silent at half the threshold, silent below the guard. */
function ratioCases(s: RatioSeries, threshold: number, guard: number, clock: CaseClock): AlertCase[] {
    const mix = (total: number, share: number): AlertCase["series"] => [counter(s.metric, s.good, total * (1 - share), clock), counter(s.metric, s.bad, total * share, clock)];
    const high = Math.min(1, Math.max(0.5, threshold * 2));
    return [
        { name: `fires when the error share (${high}) is above ${threshold}`, series: mix(busy(guard), high), fires: true, value: high },
        { name: `silent at half the threshold (${threshold / 2})`, series: mix(busy(guard), threshold / 2), fires: false },
        { name: `silent below the traffic guard (${quiet(guard)}/s < ${guard}/s)`, series: mix(quiet(guard), high), fires: false },
    ];
}

/**
 * Cases of a guarded p99 alert on a histogram: every observation in the bucket above the threshold makes
 * histogram_quantile return that bucket's lower bound (the threshold × 2); in the bucket below, p99 stays under it.
 */
function latencyCases(metric: string, labels: Readonly<Record<string, string>>, thresholdMs: number, guard: number, clock: CaseClock): AlertCase[] {
    const low = String(thresholdMs / 2);
    const high = String(thresholdMs * 2);
    const observe = (perSecond: number, slow: boolean): AlertCase["series"] => [
        counter(metric, { ...labels, le: low }, slow ? 0 : perSecond, clock),
        counter(metric, { ...labels, le: high }, slow ? 0 : perSecond, clock),
        counter(metric, { ...labels, le: "+Inf" }, perSecond, clock),
    ];
    return [
        { name: `fires when every request takes longer than ${high} ms`, series: observe(busy(guard), true), fires: true, value: thresholdMs * 2 },
        { name: `silent when every request is under ${low} ms`, series: observe(busy(guard), false), fires: false },
        { name: `silent below the traffic guard (${quiet(guard)}/s < ${guard}/s)`, series: observe(quiet(guard), true), fires: false },
    ];
}

function serviceRules(inputs: RuleInputs, svc: ServiceSpec): TestedAlert[] {
    const { model } = inputs;
    const a = model.alerts;
    const labels = { service: svc.name, namespace: svc.namespace };
    const dashboard = dashboardUrl(model, dashboardUid(model.grafana.dashboardUidPrefix, serviceDashboardKey(svc)));
    if (svc.name === GATEWAY.proxyService) {
        return gatewayRules(inputs, svc, labels, dashboard);
    }
    const inbound = meshInbound(svc, inputs.reporting);
    const where = inputs.reporting.reporterOf(svc) === "destination" ? "its own sidecar" : "its callers' sidecars (it has none)";
    if (svc.protocol === "tcp") {
        const guard = a.minConnectionsPerSecond;
        const closed = sumBy([], rate(sel(ISTIO_TCP_CLOSED, inbound), a.window));
        const failed = sumBy([], rate(sel(ISTIO_TCP_CLOSED, [...inbound, TCP_FAILED]), a.window));
        return [
            {
                rule: {
                    alert: "ServiceConnectionFailureRatioHigh",
                    expr: guarded(`${failed} / ${closed}`, svc.slo.maxErrorRatio, closed, guard),
                    for: a.errorRatioFor,
                    labels: { ...labels, severity: "critical" },
                    annotations: {
                        summary: `${svc.name}: more than ${svc.slo.maxErrorRatio * 100}% of TCP connections fail`,
                        description: `Share of connections to ${svc.name}.${svc.namespace} (reported by ${where}) closed with an Envoy response flag over ${a.window} is {{ $value | humanizePercentage }}, above the SLO of ${svc.slo.maxErrorRatio}; evaluated above ${guard} connections/s.`,
                        dashboard,
                    },
                },
                cases: ratioCases(
                    { metric: ISTIO_TCP_CLOSED, good: labelsOf(inbound, { response_flags: "-" }), bad: labelsOf(inbound, { response_flags: "UF" }) },
                    svc.slo.maxErrorRatio,
                    guard,
                    clockFor(a.window, a.errorRatioFor),
                ),
            },
        ];
    }
    const guard = a.minRequestsPerSecond;
    const what = svc.protocol === "grpc" ? "gRPC server errors" : "5xx responses";
    const requests = sumBy([], rate(sel(ISTIO_REQUESTS, inbound), a.window));
    const errors = sumBy([], rate(sel(ISTIO_REQUESTS, [...inbound, meshErrorMatcher(svc)]), a.window));
    const observed = sumBy([], rate(sel(ISTIO_DURATION_BUCKET, [...inbound, ALL_OBSERVATIONS]), a.window));
    const failure: Record<string, string> = svc.protocol === "grpc" ? { grpc_response_status: "14", response_code: "200" } : { response_code: "503" };
    const success: Record<string, string> = svc.protocol === "grpc" ? { grpc_response_status: "0", response_code: "200" } : { response_code: "200" };
    return [
        {
            rule: {
                alert: "ServiceErrorRatioHigh",
                expr: guarded(`${errors} / ${requests}`, svc.slo.maxErrorRatio, requests, guard),
                for: a.errorRatioFor,
                labels: { ...labels, severity: "critical" },
                annotations: {
                    summary: `${svc.name}: ${what} above ${svc.slo.maxErrorRatio * 100}%`,
                    description: `Share of ${what} of ${svc.name}.${svc.namespace} (reported by ${where}) over ${a.window} is {{ $value | humanizePercentage }}, above the SLO of ${svc.slo.maxErrorRatio}; evaluated above ${guard} requests/s.`,
                    dashboard,
                },
            },
            cases: ratioCases({ metric: ISTIO_REQUESTS, good: labelsOf(inbound, success), bad: labelsOf(inbound, failure) }, svc.slo.maxErrorRatio, guard, clockFor(a.window, a.errorRatioFor)),
        },
        {
            rule: {
                alert: "ServiceP99LatencyHigh",
                expr: guarded(quantile(0.99, sel(ISTIO_DURATION_BUCKET, inbound), [], a.window), svc.slo.p99LatencyMs, observed, guard),
                for: a.latencyFor,
                labels: { ...labels, severity: "warning" },
                annotations: {
                    summary: `${svc.name}: p99 latency above ${svc.slo.p99LatencyMs} ms`,
                    description: `p99 request duration of ${svc.name}.${svc.namespace} (reported by ${where}) over ${a.window} is {{ $value | humanize }} ms, above the SLO of ${svc.slo.p99LatencyMs} ms; evaluated above ${guard} requests/s.`,
                    dashboard,
                },
            },
            cases: latencyCases(ISTIO_DURATION_BUCKET, labelsOf(inbound), svc.slo.p99LatencyMs, guard, clockFor(a.window, a.latencyFor)),
        },
    ];
}

/**
 * The gateway's SLO from Kong's own prometheus plugin (kong_http_requests_total, kong_request_latency_ms): Istio's
 * metrics cannot see the TLS traffic Kong terminates itself on 8443, and the proxy ports bypass the sidecar.
 */
function gatewayRules(inputs: RuleInputs, svc: ServiceSpec, labels: Readonly<Record<string, string>>, dashboard: string): TestedAlert[] {
    const a = inputs.model.alerts;
    const guard = a.minRequestsPerSecond;
    const requests = sumBy([], rate(sel(KONG_REQUESTS), a.window));
    const errors = sumBy([], rate(sel(KONG_REQUESTS, [KONG_5XX]), a.window));
    const observed = sumBy([], rate(sel(KONG_REQUEST_LATENCY_BUCKET, [ALL_OBSERVATIONS]), a.window));
    const route = { service: "portal", route: "portal-api", workspace: "default", source: "upstream" };
    return [
        {
            rule: {
                alert: "GatewayErrorRatioHigh",
                expr: guarded(`${errors} / ${requests}`, svc.slo.maxErrorRatio, requests, guard),
                for: a.errorRatioFor,
                labels: { ...labels, severity: "critical" },
                annotations: {
                    summary: `Kong gateway: 5xx responses above ${svc.slo.maxErrorRatio * 100}%`,
                    description: `Share of 5xx responses Kong served (kong_http_requests_total, by Kong or by the upstream) over ${a.window} is {{ $value | humanizePercentage }}, above the SLO of ${svc.slo.maxErrorRatio}; evaluated above ${guard} requests/s.`,
                    dashboard,
                },
            },
            cases: ratioCases({ metric: KONG_REQUESTS, good: { ...route, code: "200" }, bad: { ...route, code: "502" } }, svc.slo.maxErrorRatio, guard, clockFor(a.window, a.errorRatioFor)),
        },
        {
            rule: {
                alert: "GatewayP99LatencyHigh",
                expr: guarded(quantile(0.99, sel(KONG_REQUEST_LATENCY_BUCKET), [], a.window), svc.slo.p99LatencyMs, observed, guard),
                for: a.latencyFor,
                labels: { ...labels, severity: "warning" },
                annotations: {
                    summary: `Kong gateway: p99 latency above ${svc.slo.p99LatencyMs} ms`,
                    description: `p99 of Kong's total request latency (kong_request_latency_ms) over ${a.window} is {{ $value | humanize }} ms, above the SLO of ${svc.slo.p99LatencyMs} ms; evaluated above ${guard} requests/s.`,
                    dashboard,
                },
            },
            cases: latencyCases(KONG_REQUEST_LATENCY_BUCKET, { service: "portal", route: "portal-api", workspace: "default" }, svc.slo.p99LatencyMs, guard, clockFor(a.window, a.latencyFor)),
        },
    ];
}

/** One group per catalog service, so `promtool`/Prometheus shows them by service. */
export function testedServiceGroups(inputs: RuleInputs): TestedGroup[] {
    return inputs.catalog.services.map((svc) => ({ name: `${GROUP_PREFIX}.service.${svc.name}`, alerts: serviceRules(inputs, svc) }));
}

function plaintextRules(inputs: RuleInputs): TestedAlert[] {
    const { model, catalog, strictNamespaces } = inputs;
    if (strictNamespaces.length === 0) {
        return [];
    }
    const a = model.alerts;
    // Services the catalog deliberately keeps reachable in plaintext (plaintextPorts, kept PERMISSIVE by the mesh)
    // would trip the alert all the time: their workloads are left out. Istio's metrics carry no port label, so the
    // exemption is per workload (its `app`), not per port. Only a destination sidecar knows how a connection
    // arrived, so these read reporter="destination" by definition.
    const exempt = catalog.services.filter((s) => s.plaintextPorts.length > 0 && strictNamespaces.includes(s.namespace)).map((s) => s.app);
    const matchers: Matcher[] = [DESTINATION, NOT_MUTUAL_TLS, ["destination_workload_namespace", "=~", anyOf(strictNamespaces)]];
    if (exempt.length > 0) {
        matchers.push(["destination_app", "!~", anyOf(exempt)]);
    }
    const by = ["destination_workload_namespace", "destination_workload"];
    const explain =
        "The namespace's PeerAuthentication is STRICT, so a sidecar should refuse plaintext before any request is counted; traffic without mutual TLS here means the policy is missing, overridden or not applied.";
    const clock = clockFor(a.window, a.plaintextFor);
    const target = { destination_workload_namespace: strictNamespaces[0], destination_workload: "intruder-target", destination_app: "intruder-target" };
    const cases = (metric: string): AlertCase[] => [
        {
            name: "fires on plaintext traffic",
            series: [counter(metric, { ...labelsOf(matchers.filter(([, op]) => op === "="), target), connection_security_policy: "none" }, 1, clock)],
            fires: true,
            labels: { destination_workload_namespace: target.destination_workload_namespace, destination_workload: target.destination_workload },
            value: 1,
        },
        {
            name: "silent when all traffic is mutual TLS",
            series: [counter(metric, { ...labelsOf(matchers.filter(([, op]) => op === "="), target), connection_security_policy: "mutual_tls" }, 1, clock)],
            fires: false,
        },
    ];
    return [
        {
            rule: {
                alert: "PlaintextRequestsInStrictNamespace",
                expr: `${sumBy(by, rate(sel(ISTIO_REQUESTS, matchers), a.window))} > 0`,
                for: a.plaintextFor,
                labels: { severity: "critical" },
                annotations: {
                    summary: "Requests without mutual TLS reach {{ $labels.destination_workload }} in STRICT namespace {{ $labels.destination_workload_namespace }}",
                    description: `{{ $value | humanize }} requests/s arrive in plaintext. ${explain}`,
                },
            },
            cases: cases(ISTIO_REQUESTS),
        },
        {
            rule: {
                alert: "PlaintextConnectionsInStrictNamespace",
                expr: `${sumBy(by, rate(sel(ISTIO_TCP_OPENED, matchers), a.window))} > 0`,
                for: a.plaintextFor,
                labels: { severity: "critical" },
                annotations: {
                    summary: "TCP connections without mutual TLS reach {{ $labels.destination_workload }} in STRICT namespace {{ $labels.destination_workload_namespace }}",
                    description: `{{ $value | humanize }} connections/s are opened in plaintext. ${explain}`,
                },
            },
            cases: cases(ISTIO_TCP_OPENED),
        },
    ];
}

function gatewayPlatformRules(inputs: RuleInputs): TestedAlert[] {
    const { model } = inputs;
    const a = model.alerts;
    const clock = clockFor("1m", a.datastoreUnreachableFor);
    const pod = { job: "kong-gateway", namespace: GATEWAY.namespace, pod: "kong-0" };
    return [
        {
            rule: {
                alert: "KongDatastoreUnreachable",
                expr: `${sel(KONG_DATASTORE_REACHABLE)} == 0`,
                for: a.datastoreUnreachableFor,
                labels: { severity: "critical" },
                annotations: {
                    summary: "Kong pod {{ $labels.pod }} cannot reach its PostgreSQL datastore",
                    description: "kong_datastore_reachable is 0: configuration changes fail and the node serves from cache only.",
                    dashboard: dashboardUrl(model, dashboardUid(model.grafana.dashboardUidPrefix, DASHBOARD_KEYS.gateway)),
                },
            },
            cases: [
                { name: "fires when the datastore is unreachable", series: [gauge(KONG_DATASTORE_REACHABLE, pod, 0, clock)], fires: true, labels: pod, value: 0 },
                { name: "silent when it is reachable", series: [gauge(KONG_DATASTORE_REACHABLE, pod, 1, clock)], fires: false },
            ],
        },
    ];
}

function kafkaRules(inputs: RuleInputs): TestedAlert[] {
    const { model, topics } = inputs;
    const a = model.alerts;
    const m = kafkaExporterOf(model);
    if (m === undefined) {
        return [];
    }
    const dashboard = dashboardUrl(model, dashboardUid(model.grafana.dashboardUidPrefix, DASHBOARD_KEYS.events));
    const topic = topics[0] ?? "events";
    const partition = (p: string, extra: Record<string, string> = {}): Record<string, string> => ({ job: m.job, topic, partition: p, ...extra });
    const urClock = clockFor("1m", a.underReplicatedFor);
    const lagClock = clockFor("1m", a.consumerLagFor);
    const group = { consumergroup: "quality-checker" };
    const lag = a.consumerLagMessages;
    return [
        {
            rule: {
                alert: "KafkaUnderReplicatedPartitions",
                expr: `${underReplicated(m, topics)} > 0`,
                for: a.underReplicatedFor,
                labels: { severity: "critical" },
                annotations: {
                    summary: "Topic {{ $labels.topic }} has under-replicated partitions",
                    description: "{{ $value }} partitions of {{ $labels.topic }} have fewer in-sync replicas than replicas; a broker is down or lagging.",
                    dashboard,
                },
            },
            cases: [
                {
                    name: "fires when a partition is under-replicated",
                    series: [gauge(m.underReplicatedPartitions, partition("0"), 1, urClock), gauge(m.underReplicatedPartitions, partition("1"), 0, urClock)],
                    fires: true,
                    labels: { topic },
                    value: 1,
                },
                { name: "silent when every partition is in sync", series: [gauge(m.underReplicatedPartitions, partition("0"), 0, urClock)], fires: false },
            ],
        },
        {
            rule: {
                alert: "KafkaConsumerGroupLagHigh",
                expr: `${consumerLag(m, topics)} > ${lag}`,
                for: a.consumerLagFor,
                labels: { severity: "warning" },
                annotations: {
                    summary: "Consumer group {{ $labels.consumergroup }} lags on {{ $labels.topic }}",
                    description: `{{ $value }} messages of {{ $labels.topic }} are not yet consumed by {{ $labels.consumergroup }} (threshold ${lag}).`,
                    dashboard,
                },
            },
            cases: [
                {
                    name: `fires when the lag summed over partitions exceeds ${lag}`,
                    series: [gauge(m.consumerGroupLag, partition("0", group), lag, lagClock), gauge(m.consumerGroupLag, partition("1", group), 1, lagClock)],
                    fires: true,
                    labels: { ...group, topic },
                    value: lag + 1,
                },
                { name: `silent at the threshold (${lag})`, series: [gauge(m.consumerGroupLag, partition("0", group), lag, lagClock)], fires: false },
            ],
        },
    ];
}

/** `up == 0` and `absent(up{job=...})` for every scrape job the program configures. */
function scrapeRules(inputs: RuleInputs): TestedAlert[] {
    const a = inputs.model.alerts;
    return inputs.scrapeJobs.flatMap((job): TestedAlert[] => {
        const target = { job, instance: "10.0.0.1:15090" };
        const downClock = clockFor("1m", a.targetDownFor);
        const absentClock = clockFor("1m", a.targetAbsentFor);
        // absent() fires without data: the other jobs are present in every case, so only this job's alert may fire.
        const others = inputs.scrapeJobs.filter((j) => j !== job).map((j) => gauge("up", { job: j, instance: "10.0.0.9:80" }, 1, absentClock));
        return [
            {
                rule: {
                    alert: "ScrapeTargetDown",
                    expr: `${sel("up", [["job", "=", job]])} == 0`,
                    for: a.targetDownFor,
                    labels: { severity: "critical", job },
                    annotations: {
                        summary: "Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }}",
                        description: `up is 0 for ${a.targetDownFor}: every dashboard panel and alert fed by job ${job} is blind for this target.`,
                    },
                },
                cases: [
                    { name: "fires when a target does not answer", series: [gauge("up", target, 0, downClock)], fires: true, labels: target, value: 0 },
                    { name: "silent when it answers", series: [gauge("up", target, 1, downClock)], fires: false },
                ],
            },
            {
                rule: {
                    alert: "ScrapeJobAbsent",
                    expr: `absent(${sel("up", [["job", "=", job]])})`,
                    for: a.targetAbsentFor,
                    labels: { severity: "critical", job },
                    annotations: {
                        summary: `Prometheus has no target at all for job ${job}`,
                        description: `No up series for job ${job} for ${a.targetAbsentFor}: its monitor selects nothing (labels, namespace or port changed) or Prometheus does not load it; every alert fed by it stays silent.`,
                    },
                },
                cases: [
                    { name: "fires when the job has no target", series: [gauge("up", { job: "some-other-job", instance: "10.0.0.2:80" }, 1, absentClock), ...others], fires: true, value: 1 },
                    { name: "silent when the job has a target", series: [gauge("up", target, 1, absentClock), ...others], fires: false },
                ],
            },
        ];
    });
}

export function testedPlatformGroups(inputs: RuleInputs): TestedGroup[] {
    const groups: TestedGroup[] = [
        { name: `${GROUP_PREFIX}.gateway`, alerts: gatewayPlatformRules(inputs) },
        { name: `${GROUP_PREFIX}.scrape`, alerts: scrapeRules(inputs) },
    ];
    const kafka = kafkaRules(inputs);
    if (kafka.length > 0) {
        groups.splice(1, 0, { name: `${GROUP_PREFIX}.kafka`, alerts: kafka });
    }
    const plaintext = plaintextRules(inputs);
    if (plaintext.length > 0) {
        groups.push({ name: `${GROUP_PREFIX}.mesh-security`, alerts: plaintext });
    }
    return groups;
}

/** The rule groups as Prometheus reads them (cases dropped). */
export function ruleGroups(groups: readonly TestedGroup[]): RuleGroup[] {
    return groups.map((g) => ({ name: g.name, rules: g.alerts.map((t) => t.rule) }));
}

export function buildServiceRuleGroups(inputs: RuleInputs): RuleGroup[] {
    return ruleGroups(testedServiceGroups(inputs));
}

export function buildPlatformRuleGroups(inputs: RuleInputs): RuleGroup[] {
    return ruleGroups(testedPlatformGroups(inputs));
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

/** The two rule files (per-service SLOs, platform) with their tested alerts, by PrometheusRule name. */
export function testedRuleFiles(inputs: RuleInputs): { name: string; groups: TestedGroup[] }[] {
    checkStrictNamespaces(inputs.catalog, inputs.strictNamespaces);
    checkTopics(inputs.topics);
    return [
        { name: RULE_NAMES.services, groups: testedServiceGroups(inputs) },
        { name: RULE_NAMES.platform, groups: testedPlatformGroups(inputs) },
    ];
}

/** Both PrometheusRule manifests (per-service SLOs, platform). */
export function buildRules(inputs: RuleInputs): Manifest[] {
    const { namespace, selectorLabels } = inputs.model.prometheus;
    return testedRuleFiles(inputs).map((file) => ({
        apiVersion: MONITORING_API_VERSION,
        kind: "PrometheusRule",
        metadata: metadata(file.name, namespace, { ...selectorLabels }),
        spec: { groups: ruleGroups(file.groups) },
    }));
}
