import { Catalog } from "./catalog";
import { Reader } from "./reader";
import { MONITORING } from "./wellknown";

/**
 * Observability settings of one stack: where Grafana is and which Prometheus datasource the dashboards query,
 * which labels the cluster's Prometheus selects monitors and rules by, what the Kafka exporter calls its metrics,
 * and the alert thresholds that are not per service (per-service SLOs come from the catalog).
 *
 * Stack config object `service-integration:observability`, e.g. (prod):
 *
 * ```yaml
 * service-integration:observability:
 *   grafana:
 *     url: https://grafana.254carbon.com
 *     folderTitle: 254Carbon Service Integration (prod)
 *     folderUid: si-prod
 *     datasourceUid: prometheus
 *     dashboardUidPrefix: si-prod
 *   prometheus:
 *     namespace: monitoring
 *     selectorLabels: { release: kube-prometheus-stack }
 *     scrapeInterval: 30s
 *     kongScrapeTls: istio        # or plaintext
 *     istioCertsDir: /etc/prom-certs
 *   kafkaExporter: {}            # the kafka_exporter defaults below
 *   alerts:
 *     consumerLagMessages: 5000
 * ```
 *
 * The Grafana service-account token is NOT part of this object: it is the secret config key
 * `service-integration:grafanaAuth` (`pulumi config set --secret grafanaAuth <token>`), read with `requireSecret`.
 */

/** Stack config key (in the `service-integration` namespace) of the Grafana service-account token; always a secret. */
export const GRAFANA_AUTH_KEY = "grafanaAuth";

/** Grafana uids (folders, datasources, dashboards): at most 40 characters of letters, digits, `-` and `_`. */
export const GRAFANA_UID = { re: /^[a-zA-Z0-9_-]{1,40}$/, hint: "a Grafana uid (at most 40 letters, digits, - or _)" };
/** Prefix of every dashboard uid this stack owns; short so that `<prefix>-<name>` fits Grafana's 40 characters. */
export const UID_PREFIX = { re: /^[a-zA-Z0-9_-]{1,16}$/, hint: "at most 16 letters, digits, - or _" };
/** A Prometheus metric name (Prometheus data model). */
export const METRIC_NAME = { re: /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, hint: "a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)" };

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Names of the kafka_exporter (github.com/danielqsj/kafka_exporter) metrics the dashboards and alerts read. */
export interface KafkaExporterMetrics {
    /** Newest offset per topic/partition (gauge; its rate is the produce rate). */
    readonly topicOffset: string;
    /** Committed offset per consumer group/topic/partition (gauge; its rate is the consume rate). */
    readonly consumerGroupOffset: string;
    /** Approximate lag per consumer group/topic/partition. */
    readonly consumerGroupLag: string;
    /** 1 when a topic/partition is under-replicated. */
    readonly underReplicatedPartitions: string;
}

/**
 * The Kafka exporter the platform really has. This program does not run the brokers (their operator does: Strimzi's
 * `Kafka.spec.kafkaExporter` runs this same danielqsj/kafka_exporter), so the stack names the existing exporter by
 * the `job` label its series carry in Prometheus. Without a job, no Kafka panel or alert is declared (they would
 * never show data); with one, ScrapeJobAbsent/ScrapeTargetDown cover it and `verify`'s kafka-exporter check asserts
 * its metrics are there.
 */
export interface KafkaExporter extends KafkaExporterMetrics {
    readonly job: string;
}

/** Documented defaults: the metric names kafka_exporter exposes (its README, "Metrics"). */
export const DEFAULT_KAFKA_EXPORTER_METRICS: KafkaExporterMetrics = {
    topicOffset: "kafka_topic_partition_current_offset",
    consumerGroupOffset: "kafka_consumergroup_current_offset",
    consumerGroupLag: "kafka_consumergroup_lag",
    underReplicatedPartitions: "kafka_topic_partition_under_replicated_partition",
};

/** Alert settings shared by all services (durations are PromQL durations such as `5m`). */
export interface AlertSettings {
    /** Rate window of alert expressions. */
    readonly window: string;
    /** How long a 5xx ratio must stay over the service's SLO before the alert fires. */
    readonly errorRatioFor: string;
    /** How long p99 latency must stay over the service's SLO before the alert fires. */
    readonly latencyFor: string;
    /** Consumer-group lag (messages, summed over a topic's partitions) that is too much. */
    readonly consumerLagMessages: number;
    readonly consumerLagFor: string;
    readonly underReplicatedFor: string;
    readonly datastoreUnreachableFor: string;
    /** Plaintext traffic into a STRICT namespace fires after this long (the mesh should make it impossible). */
    readonly plaintextFor: string;
    /**
     * Minimum-traffic guard of every request ratio and latency alert: below this many requests per second (over
     * `window`) a handful of failures is noise, not an SLO breach, and the alert stays silent.
     */
    readonly minRequestsPerSecond: number;
    /** The same guard for TCP services, in closed connections per second. */
    readonly minConnectionsPerSecond: number;
    /** How long a scrape target must answer `up == 0` before TargetDown fires. */
    readonly targetDownFor: string;
    /** How long a scrape job may have no target at all (`absent(up{job=...})`) before ScrapeJobAbsent fires. */
    readonly targetAbsentFor: string;
}

export const DEFAULT_ALERTS = {
    window: "5m",
    errorRatioFor: "5m",
    latencyFor: "10m",
    consumerLagMessages: 10_000,
    consumerLagFor: "15m",
    underReplicatedFor: "5m",
    datastoreUnreachableFor: "1m",
    plaintextFor: "5m",
    minRequestsPerSecond: 0.1,
    minConnectionsPerSecond: 0.01,
    targetDownFor: "5m",
    targetAbsentFor: "10m",
} as const;

export interface GrafanaSettings {
    /**
     * Whether this stack manages the Grafana folder and dashboards (`grafana.manage`, default true). A stack whose
     * runner cannot reach Grafana, or has no Grafana provider plugin (`local`), keeps the Kubernetes objects only.
     */
    readonly manage: boolean;
    /** Base URL of Grafana, without a trailing slash. */
    readonly url: string;
    readonly folderTitle: string;
    readonly folderUid: string;
    /** uid of the Prometheus datasource every panel and target names. */
    readonly datasourceUid: string;
    readonly dashboardUidPrefix: string;
}

export const KONG_SCRAPE_TLS = ["istio", "plaintext"] as const;
export type KongScrapeTls = (typeof KONG_SCRAPE_TLS)[number];

export interface PrometheusSettings {
    /** Namespace of the ServiceMonitors, PodMonitor and PrometheusRules. */
    readonly namespace: string;
    /** Labels the cluster's Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by. */
    readonly selectorLabels: Readonly<Record<string, string>>;
    readonly scrapeInterval: string;
    /**
     * How Prometheus reaches Kong's status listener, which sits behind Kong's sidecar: `istio` scrapes over mutual TLS
     * with the Istio certificates Prometheus' own sidecar writes to `istioCertsDir` (Istio's "Prometheus > TLS settings";
     * required under STRICT mTLS, and by the gateway's AuthorizationPolicy that admits only Prometheus' mesh identity);
     * `plaintext` only works where neither applies.
     */
    readonly kongScrapeTls: KongScrapeTls;
    /** Directory in the Prometheus container holding root-cert.pem, cert-chain.pem and key.pem. */
    readonly istioCertsDir: string;
}

/**
 * Where Jaeger v2 keeps its traces (`service-integration:observability.traces`). `badger` (default): Jaeger's embedded
 * store on a PersistentVolumeClaim, for a stack that runs a single Jaeger. `elasticsearch`, `opensearch` or
 * `cassandra`: an external backend the stack names, for production. Never the chart's in-memory store.
 *
 * ```yaml
 * traces:
 *   backend: elasticsearch
 *   retention: 14d
 *   elasticsearch:
 *     urls: [https://es.logging.svc:9200]
 *     username: jaeger
 *     passwordSecret: { name: jaeger-es, key: password }   # a Secret in istio-system
 * ```
 */
export const TRACE_BACKENDS = ["badger", "elasticsearch", "opensearch", "cassandra"] as const;
export type TraceBackend = (typeof TRACE_BACKENDS)[number];

/** A key of a Kubernetes Secret in Jaeger's namespace (the value never enters config, state or the plan). */
export interface SecretKeyRef {
    readonly name: string;
    readonly key: string;
}

export interface SearchBackend {
    readonly urls: readonly string[];
    readonly indexPrefix: string;
    readonly username?: string;
    readonly passwordSecret?: SecretKeyRef;
}

export interface CassandraBackend {
    readonly servers: readonly string[];
    readonly keyspace: string;
    readonly datacenter?: string;
    readonly username?: string;
    readonly passwordSecret?: SecretKeyRef;
}

export interface TraceStorage {
    readonly backend: TraceBackend;
    /** How long spans are kept, in whole hours (Go durations have no day unit: 7d is 168h). */
    readonly retentionHours: number;
    readonly badger: { readonly size: string; readonly storageClass?: string };
    readonly search?: SearchBackend;
    readonly cassandra?: CassandraBackend;
}

export const DEFAULT_TRACE_STORAGE: TraceStorage = { backend: "badger", retentionHours: 168, badger: { size: "10Gi" } };

export interface ObservabilityModel {
    readonly grafana: GrafanaSettings;
    readonly prometheus: PrometheusSettings;
    readonly kafkaExporter: KafkaExporterMetrics & { readonly job?: string };
    readonly alerts: AlertSettings;
    readonly traces: TraceStorage;
}

/** Milliseconds → the shortest PromQL/Prometheus duration (`5m`, `90s`, `1h`, `250ms`). */
export function promDuration(ms: number): string {
    const units: [number, string][] = [
        [86_400_000, "d"],
        [3_600_000, "h"],
        [60_000, "m"],
        [1_000, "s"],
    ];
    for (const [size, unit] of units) {
        if (ms % size === 0) {
            return `${ms / size}${unit}`;
        }
    }
    return `${Math.round(ms)}ms`;
}

function promDurationAt(r: Reader, key: string, fallback: string, maxMs = 7 * 86_400_000): string {
    const ms = r.duration(key, fallback);
    if (ms > maxMs) {
        r.problems.add(r.at(key), r.raw(key), `is longer than ${promDuration(maxMs)}`, `set ${r.at(key)} to a shorter duration such as ${fallback}`);
    }
    if (ms % 1 !== 0) {
        r.problems.add(r.at(key), r.raw(key), "is not a whole number of milliseconds", `set ${r.at(key)} to a duration such as ${fallback}`);
    }
    return promDuration(Math.round(ms));
}

function parseGrafana(r: Reader): GrafanaSettings {
    const rawUrl = r.string("url");
    let url = rawUrl;
    if (rawUrl !== "") {
        try {
            const parsed = new URL(rawUrl);
            if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
                r.problems.add(r.at("url"), rawUrl, "must be an http or https URL", `set ${r.at("url")} to Grafana's base URL, e.g. https://grafana.254carbon.com`);
            }
            if (parsed.search !== "" || parsed.hash !== "" || parsed.username !== "" || parsed.password !== "") {
                r.problems.add(
                    r.at("url"),
                    rawUrl,
                    "must be a plain base URL (no query, fragment or credentials; the token is the secret grafanaAuth)",
                    `set ${r.at("url")} to e.g. https://grafana.254carbon.com and put the token in the secret grafanaAuth`,
                );
            }
        } catch {
            r.problems.add(r.at("url"), rawUrl, "is not a URL", `set ${r.at("url")} to Grafana's base URL, e.g. https://grafana.254carbon.com`);
        }
        url = rawUrl.replace(/\/+$/, "");
    }
    const settings: GrafanaSettings = {
        url,
        manage: r.boolean("manage", true),
        folderTitle: r.string("folderTitle", "254Carbon Service Integration"),
        folderUid: r.string("folderUid", "254carbon-service-integration", GRAFANA_UID),
        datasourceUid: r.string("datasourceUid", "prometheus", GRAFANA_UID),
        dashboardUidPrefix: r.string("dashboardUidPrefix", "si", UID_PREFIX),
    };
    r.done();
    return settings;
}

function parseSelectorLabels(r: Reader, key: string): Record<string, string> {
    const fallback = { release: "kube-prometheus-stack" };
    const raw = r.raw(key);
    if (raw === undefined) {
        return fallback;
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        r.problems.add(r.at(key), raw, "must be a mapping of label names to values", `set ${r.at(key)} to e.g. { release: kube-prometheus-stack }`);
        return fallback;
    }
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
        if (!LABEL_KEY.test(name)) {
            r.problems.add(`${r.at(key)}.${name}`, name, "is not a valid Kubernetes label name", "use a label name such as release or prometheus");
            continue;
        }
        if (typeof value !== "string" || !LABEL_VALUE.test(value)) {
            r.problems.add(`${r.at(key)}.${name}`, value, "is not a valid Kubernetes label value (a string of at most 63 letters, digits, -, _ or .)", `set it to the value your Prometheus selects, e.g. kube-prometheus-stack`);
            continue;
        }
        labels[name] = value;
    }
    if (Object.keys(labels).length === 0 && Object.keys(raw as object).length === 0) {
        r.problems.add(
            r.at(key),
            raw,
            "is empty, so nothing tells the cluster's Prometheus to pick up these monitors and rules",
            "set the labels your Prometheus' serviceMonitorSelector/podMonitorSelector/ruleSelector match, e.g. { release: kube-prometheus-stack }",
        );
    }
    return labels;
}

function parsePrometheus(r: Reader): PrometheusSettings {
    const settings: PrometheusSettings = {
        namespace: r.string("namespace", MONITORING.namespace, { re: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, hint: "a DNS-1123 label" }),
        selectorLabels: parseSelectorLabels(r, "selectorLabels"),
        scrapeInterval: promDurationAt(r, "scrapeInterval", "30s", 3_600_000),
        kongScrapeTls: r.oneOf("kongScrapeTls", KONG_SCRAPE_TLS, "istio"),
        istioCertsDir: r.string("istioCertsDir", "/etc/prom-certs", { re: /^\/[^\s]*$/, hint: "an absolute path such as /etc/prom-certs" }).replace(/(.)\/+$/, "$1"),
    };
    r.done();
    return settings;
}

/** The stack's Kafka exporter when it names one (`kafkaExporter.job`). */
export function kafkaExporterOf(model: ObservabilityModel): KafkaExporter | undefined {
    const { job, ...metrics } = model.kafkaExporter;
    return job === undefined ? undefined : { ...metrics, job };
}

function parseKafkaExporter(r: Reader): KafkaExporterMetrics & { job?: string } {
    const d = DEFAULT_KAFKA_EXPORTER_METRICS;
    const metrics: KafkaExporterMetrics & { job?: string } = {
        job: r.optional("job", () => r.string("job", undefined, { re: /^[^\s"\\]{1,200}$/, hint: "the job label of the exporter's series in Prometheus, e.g. kafka-exporter" })),
        topicOffset: r.string("topicOffset", d.topicOffset, METRIC_NAME),
        consumerGroupOffset: r.string("consumerGroupOffset", d.consumerGroupOffset, METRIC_NAME),
        consumerGroupLag: r.string("consumerGroupLag", d.consumerGroupLag, METRIC_NAME),
        underReplicatedPartitions: r.string("underReplicatedPartitions", d.underReplicatedPartitions, METRIC_NAME),
    };
    r.done();
    return metrics;
}

function parseAlerts(r: Reader): AlertSettings {
    const d = DEFAULT_ALERTS;
    const alerts: AlertSettings = {
        window: promDurationAt(r, "window", d.window, 3_600_000),
        errorRatioFor: promDurationAt(r, "errorRatioFor", d.errorRatioFor),
        latencyFor: promDurationAt(r, "latencyFor", d.latencyFor),
        consumerLagMessages: r.int("consumerLagMessages", d.consumerLagMessages, 1),
        consumerLagFor: promDurationAt(r, "consumerLagFor", d.consumerLagFor),
        underReplicatedFor: promDurationAt(r, "underReplicatedFor", d.underReplicatedFor),
        datastoreUnreachableFor: promDurationAt(r, "datastoreUnreachableFor", d.datastoreUnreachableFor),
        plaintextFor: promDurationAt(r, "plaintextFor", d.plaintextFor),
        minRequestsPerSecond: r.number("minRequestsPerSecond", d.minRequestsPerSecond, 0.000001, 1_000_000),
        minConnectionsPerSecond: r.number("minConnectionsPerSecond", d.minConnectionsPerSecond, 0.000001, 1_000_000),
        targetDownFor: promDurationAt(r, "targetDownFor", d.targetDownFor),
        targetAbsentFor: promDurationAt(r, "targetAbsentFor", d.targetAbsentFor),
    };
    r.done();
    return alerts;
}

const QUANTITY = { re: /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, hint: "a Kubernetes quantity such as 10Gi" };
const DNS_SUBDOMAIN = { re: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, hint: "a Kubernetes object name (DNS-1123 subdomain)" };
const SECRET_KEY = { re: /^[-._a-zA-Z0-9]{1,253}$/, hint: "a Secret data key (letters, digits, -, _ or .)" };

function parseSecretRef(r: Reader): SecretKeyRef {
    const ref = { name: r.string("name", undefined, DNS_SUBDOMAIN), key: r.string("key", undefined, SECRET_KEY) };
    r.done();
    return ref;
}

function parseEndpoints(r: Reader, key: string, example: string): string[] {
    const list = r.stringList(key);
    if (list.length === 0) {
        r.problems.add(r.at(key), r.raw(key), "is required for this trace backend", `set ${r.at(key)} to e.g. [${example}]`);
    }
    return list;
}

function parseSearch(r: Reader, backend: TraceBackend): SearchBackend {
    const urls = parseEndpoints(r, "urls", "https://elasticsearch.logging.svc:9200");
    for (const u of urls) {
        if (!/^https?:\/\/[^\s/@]+(:\d+)?\/?$/.test(u)) {
            r.problems.add(r.at("urls"), u, `is not an ${backend} base URL (scheme, host and port; credentials go in passwordSecret)`, `set ${r.at("urls")} to e.g. ["https://elasticsearch.logging.svc:9200"]`);
        }
    }
    const search: SearchBackend = {
        urls,
        indexPrefix: r.string("indexPrefix", "jaeger", { re: /^[a-z0-9][a-z0-9_-]{0,99}$/, hint: "a lower-case index prefix" }),
        username: r.optionalString("username"),
        passwordSecret: r.optional("passwordSecret", () => parseSecretRef(r.child("passwordSecret"))),
    };
    r.done();
    return search;
}

function parseCassandra(r: Reader): CassandraBackend {
    const c: CassandraBackend = {
        servers: parseEndpoints(r, "servers", "cassandra.tracing.svc:9042"),
        keyspace: r.string("keyspace", "jaeger_v1", { re: /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/, hint: "a Cassandra keyspace name (letters, digits, _; at most 48)" }),
        datacenter: r.optionalString("datacenter"),
        username: r.optionalString("username"),
        passwordSecret: r.optional("passwordSecret", () => parseSecretRef(r.child("passwordSecret"))),
    };
    r.done();
    return c;
}

function parseTraces(r: Reader): TraceStorage {
    const d = DEFAULT_TRACE_STORAGE;
    const backend = r.oneOf("backend", TRACE_BACKENDS, d.backend);
    // Hours or days only: Jaeger's TTLs are Go durations (no day unit) and Elasticsearch's cleaner counts whole days.
    const rawRetention = r.raw("retention") ?? "7d";
    const m = typeof rawRetention === "string" ? /^([1-9][0-9]*)(h|d)$/.exec(rawRetention) : null;
    const hours = m ? Number(m[1]) * (m[2] === "d" ? 24 : 1) : 168;
    if (!m || hours > 366 * 24) {
        r.problems.add(r.at("retention"), rawRetention, "must be a whole number of hours or days from 1h to 366d", `set ${r.at("retention")} to e.g. 7d or 36h`);
    }
    const badgerReader = r.child("badger");
    const badger = { size: badgerReader.string("size", d.badger.size, QUANTITY), storageClass: badgerReader.optionalString("storageClass") };
    badgerReader.done();
    const wrong = (key: string): void => {
        if (r.has(key)) {
            r.problems.add(r.at(key), r.raw(key), `is set but the trace backend is ${backend}`, `remove ${r.at(key)} or set ${r.at("backend")} to ${key === "search" ? "elasticsearch" : key}`);
        }
    };
    let search: SearchBackend | undefined;
    let cassandra: CassandraBackend | undefined;
    if (backend === "elasticsearch" || backend === "opensearch") {
        search = parseSearch(r.child(backend), backend);
        (["cassandra", backend === "elasticsearch" ? "opensearch" : "elasticsearch"] as const).forEach(wrong);
    } else if (backend === "cassandra") {
        cassandra = parseCassandra(r.child("cassandra"));
        (["elasticsearch", "opensearch"] as const).forEach(wrong);
    } else {
        (["elasticsearch", "opensearch", "cassandra"] as const).forEach(wrong);
    }
    const traces: TraceStorage = { backend, retentionHours: hours, badger, search, cassandra };
    r.done();
    return traces;
}

/**
 * Reads `service-integration:observability`. Problems are recorded on `r.problems`; the caller throws.
 * The catalog is not needed to read this object (per-service thresholds live in the catalog itself), but
 * the signature is the same as every area's so the lead can wire them uniformly.
 */
export function parseObservabilityConfig(r: Reader, _catalog: Catalog): ObservabilityModel {
    const model: ObservabilityModel = {
        grafana: parseGrafana(r.child("grafana")),
        prometheus: parsePrometheus(r.child("prometheus")),
        kafkaExporter: parseKafkaExporter(r.child("kafkaExporter")),
        alerts: parseAlerts(r.child("alerts")),
        traces: parseTraces(r.child("traces")),
    };
    r.done();
    return model;
}
