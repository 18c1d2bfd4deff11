import { SecretKeyRef, TraceStorage } from "../../model/observability";
import { JAEGER } from "../../model/versions";
import { MESH_ROOT_NAMESPACE } from "../../model/wellknown";

/**
 * Jaeger v2's configuration and the chart values that give it persistent storage, for jaeger chart 4.11.1
 * (Jaeger 2.19.0). The chart runs the image's in-memory store unless `userconfig` replaces the whole collector
 * configuration (templates/jaeger/jaeger-deploy.yaml: `--config /etc/jaeger/user-config.yaml` when `userconfig` is
 * set; templates/jaeger/jaeger-user-config.yaml renders it whole), so the configuration is written here in full.
 *
 * Upstream sources (jaegertracing/jaeger v2.19.0): cmd/jaeger/config-badger.yaml, config-elasticsearch.yaml,
 * config-opensearch.yaml, config-cassandra.yaml (shape of service/extensions/receivers/exporters);
 * internal/storage/v1/badger/config.go (directories.keys/values, ephemeral, ttl.spans);
 * internal/storage/elasticsearch/config/config.go (server_urls, indices.index_prefix, auth.basic.username/password);
 * internal/storage/cassandra/config/config.go (connection.servers, connection.local_dc, connection.auth.basic,
 * schema.keyspace, schema.create, schema.trace_ttl); cmd/jaeger/internal/extension/jaegerquery (storage.traces,
 * http/grpc endpoints); ports/ports.go (QueryGRPC 16685, QueryHTTP 16686). Values keys: the chart's values.yaml at
 * jaeger-4.11.1 (validation/helm-values/jaeger-4.11.1.keys).
 */

/** The backend's name inside jaeger_storage. */
export const PRIMARY_STORE = "primary";
/** PersistentVolumeClaim of the Badger store (rendered by the release through the chart's `extraObjects`). */
export const BADGER_CLAIM = "jaeger-badger";
export const BADGER_MOUNT = "/badger";
/** Port of the collector's own Prometheus metrics (service.telemetry in every upstream example config). */
export const JAEGER_METRICS_PORT = 8888;
/** healthcheckv2 port the chart's probes call (`/status` on 13133, templates/jaeger/jaeger-deploy.yaml). */
export const JAEGER_HEALTH_PORT = 13133;
/** Environment variable holding the backend password, filled from the Secret the stack names. */
export const PASSWORD_ENV = "JAEGER_STORAGE_PASSWORD";

function secretEnv(name: string, ref: SecretKeyRef): Record<string, unknown> {
    return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

/** The `jaeger_storage.backends.primary` entry. Passwords are `${env:...}` references, never values. */
export function storageBackend(traces: TraceStorage): Record<string, unknown> {
    const ttl = `${traces.retentionHours}h`;
    switch (traces.backend) {
        case "badger":
            return { badger: { directories: { keys: `${BADGER_MOUNT}/keys`, values: `${BADGER_MOUNT}/values` }, ephemeral: false, ttl: { spans: ttl } } };
        case "elasticsearch":
        case "opensearch": {
            const s = traces.search!;
            const auth = s.username !== undefined ? { auth: { basic: { username: s.username, ...(s.passwordSecret ? { password: `\${env:${PASSWORD_ENV}}` } : {}) } } } : {};
            return { [traces.backend]: { server_urls: [...s.urls], indices: { index_prefix: s.indexPrefix }, ...auth } };
        }
        case "cassandra": {
            const c = traces.cassandra!;
            const auth = c.username !== undefined ? { auth: { basic: { username: c.username, ...(c.passwordSecret ? { password: `\${env:${PASSWORD_ENV}}` } : {}) } } } : {};
            return {
                cassandra: {
                    schema: { keyspace: c.keyspace, create: true, trace_ttl: ttl },
                    connection: { servers: [...c.servers], ...(c.datacenter ? { local_dc: c.datacenter } : {}), ...auth },
                },
            };
        }
    }
}

/** The whole Jaeger v2 configuration (the chart's `userconfig`). */
export function jaegerConfig(traces: TraceStorage): Record<string, unknown> {
    const any = "0.0.0.0";
    return {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
            telemetry: {
                resource: { "service.name": "jaeger" },
                metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: any, port: JAEGER_METRICS_PORT } } } }] },
            },
        },
        extensions: {
            healthcheckv2: { use_v2: true, http: { endpoint: `${any}:${JAEGER_HEALTH_PORT}` } },
            jaeger_query: {
                storage: { traces: PRIMARY_STORE },
                http: { endpoint: `${any}:${JAEGER.queryHttpPort}` },
                grpc: { endpoint: `${any}:${JAEGER.queryGrpcPort}` },
            },
            jaeger_storage: { backends: { [PRIMARY_STORE]: storageBackend(traces) } },
        },
        // OpenTelemetry's receivers listen on localhost unless told otherwise; the mesh's sidecars send from outside.
        receivers: { otlp: { protocols: { grpc: { endpoint: `${any}:${JAEGER.otlpGrpcPort}` }, http: { endpoint: `${any}:4318` } } } },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: PRIMARY_STORE } },
    };
}

/** The PersistentVolumeClaim Badger lives on; `helm.sh/resource-policy: keep` so an uninstall keeps the traces. */
export function badgerClaim(traces: TraceStorage): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: BADGER_CLAIM, namespace: MESH_ROOT_NAMESPACE, annotations: { "helm.sh/resource-policy": "keep" } },
        spec: {
            accessModes: ["ReadWriteOnce"],
            ...(traces.badger.storageClass ? { storageClassName: traces.badger.storageClass } : {}),
            resources: { requests: { storage: traces.badger.size } },
        },
    };
}

/** Chart values for the storage: config, volume, secrets as env, and the index cleaner for search backends. */
export function storageValues(traces: TraceStorage): { jaeger: Record<string, unknown>; top: Record<string, unknown> } {
    const password = traces.search?.passwordSecret ?? traces.cassandra?.passwordSecret;
    const jaeger: Record<string, unknown> = { extraEnv: password ? [secretEnv(PASSWORD_ENV, password)] : [] };
    const top: Record<string, unknown> = { userconfig: jaegerConfig(traces) };
    if (traces.backend === "badger") {
        // Badger holds an exclusive lock on its directory: one replica, and the chart's default Recreate strategy.
        jaeger.replicas = 1;
        jaeger.extraVolumes = [{ name: "badger", persistentVolumeClaim: { claimName: BADGER_CLAIM } }];
        jaeger.extraVolumeMounts = [{ name: "badger", mountPath: BADGER_MOUNT }];
        top.extraObjects = [badgerClaim(traces)];
    }
    if (traces.search) {
        // Elasticsearch/OpenSearch have no span TTL: the chart's es-index-cleaner CronJob deletes the daily indices
        // older than numberOfDays (templates/es-maintenance/es-index-cleaner-cronjob.yaml: args numberOfDays and
        // storage.elasticsearch.url; the cleaner reads INDEX_PREFIX, ES_USERNAME, ES_PASSWORD from its environment:
        // jaeger cmd/es-index-cleaner/app/flags.go index-prefix, es.username, es.password, with internal/config's
        // "-"/"." → "_" env replacer; the chart's own elasticsearch.env helper uses the same ES_* names).
        top.storage = { type: "elasticsearch", elasticsearch: { url: traces.search.urls[0] } };
        top.esIndexCleaner = {
            enabled: true,
            numberOfDays: Math.ceil(traces.retentionHours / 24),
            schedule: "55 23 * * *",
            image: { tag: JAEGER.appVersion },
            extraEnv: [
                { name: "INDEX_PREFIX", value: traces.search.indexPrefix },
                ...(traces.search.username !== undefined ? [{ name: "ES_USERNAME", value: traces.search.username }] : []),
                ...(traces.search.passwordSecret ? [secretEnv("ES_PASSWORD", traces.search.passwordSecret)] : []),
            ],
        };
    }
    return { jaeger, top };
}
