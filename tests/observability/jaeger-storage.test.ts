import { describe, expect, it } from "vitest";
import { BADGER_CLAIM, PASSWORD_ENV } from "../../components/mesh/jaeger-storage";
import { jaeger } from "../../components/mesh/controlplane";
import { checkValues } from "../../validation/helm-values";
import { readStackConfig } from "../../offline/stack-config";
import { evaluateStack } from "../support/stack";
import { DEV_CONFIG, parseModel, parseOrProblems } from "./fixtures";

/**
 * Jaeger v2 keeps its traces: Badger on a PersistentVolumeClaim by default, an external Elasticsearch/OpenSearch or
 * Cassandra when the stack selects one, retention from config, and every Helm value a key the chart documents.
 */

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test-local view of the chart values

function release(traces: unknown) {
    const spec = jaeger(parseModel({ ...DEV_CONFIG, traces }).traces);
    return { spec, values: spec.values as Values };
}

function documented(spec: ReturnType<typeof jaeger>): string[] {
    return checkValues(spec.name, spec.chart, spec.version, spec.values).map((f) => f.message);
}

describe("Jaeger storage", () => {
    it("defaults to Badger on a kept PersistentVolumeClaim, one replica, 7 days, never the in-memory store", () => {
        const { spec, values } = release(undefined);
        const backend = values.userconfig.extensions.jaeger_storage.backends.primary;
        expect(Object.keys(backend)).toEqual(["badger"]);
        expect(backend.badger).toMatchObject({ ephemeral: false, ttl: { spans: "168h" }, directories: { keys: "/badger/keys", values: "/badger/values" } });
        expect(values.jaeger.replicas).toBe(1);
        expect(values.jaeger.extraVolumes).toEqual([{ name: "badger", persistentVolumeClaim: { claimName: BADGER_CLAIM } }]);
        expect(values.jaeger.extraVolumeMounts).toEqual([{ name: "badger", mountPath: "/badger" }]);
        const [pvc] = values.extraObjects;
        expect(pvc).toMatchObject({ kind: "PersistentVolumeClaim", metadata: { name: BADGER_CLAIM, annotations: { "helm.sh/resource-policy": "keep" } }, spec: { resources: { requests: { storage: "10Gi" } } } });
        expect(JSON.stringify(values.userconfig)).not.toContain('"memory"');
        expect(values.userconfig.exporters.jaeger_storage_exporter.trace_storage).toBe("primary");
        expect(values.userconfig.receivers.otlp.protocols.grpc.endpoint).toBe("0.0.0.0:4317");
        expect(documented(spec)).toEqual([]);
    });

    it("keeps Badger's size, storage class and retention from config", () => {
        const { values } = release({ retention: "3d", badger: { size: "50Gi", storageClass: "fast-ssd" } });
        expect(values.userconfig.extensions.jaeger_storage.backends.primary.badger.ttl.spans).toBe("72h");
        expect(values.extraObjects[0].spec).toMatchObject({ storageClassName: "fast-ssd", resources: { requests: { storage: "50Gi" } } });
    });

    it("uses an external Elasticsearch with its password from a Secret and cleans indices past the retention", () => {
        const { spec, values } = release({ backend: "elasticsearch", retention: "14d", elasticsearch: { urls: ["https://es.logging.svc:9200"], username: "jaeger", passwordSecret: { name: "jaeger-es", key: "password" } } });
        const es = values.userconfig.extensions.jaeger_storage.backends.primary.elasticsearch;
        expect(es).toEqual({ server_urls: ["https://es.logging.svc:9200"], indices: { index_prefix: "jaeger" }, auth: { basic: { username: "jaeger", password: `\${env:${PASSWORD_ENV}}` } } });
        expect(values.jaeger.extraEnv).toEqual([{ name: PASSWORD_ENV, valueFrom: { secretKeyRef: { name: "jaeger-es", key: "password" } } }]);
        expect(values.esIndexCleaner).toMatchObject({ enabled: true, numberOfDays: 14 });
        expect(values.esIndexCleaner.extraEnv).toContainEqual({ name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: "jaeger-es", key: "password" } } });
        expect(values.storage).toEqual({ type: "elasticsearch", elasticsearch: { url: "https://es.logging.svc:9200" } });
        expect(values.extraObjects).toBeUndefined();
        expect(values.jaeger.replicas).toBeUndefined();
        expect(documented(spec)).toEqual([]);
    });

    it("uses OpenSearch under its own backend key", () => {
        const { spec, values } = release({ backend: "opensearch", opensearch: { urls: ["http://opensearch.logging.svc:9200"] } });
        expect(Object.keys(values.userconfig.extensions.jaeger_storage.backends.primary)).toEqual(["opensearch"]);
        expect(documented(spec)).toEqual([]);
    });

    it("uses an external Cassandra with the retention as the keyspace's trace TTL", () => {
        const { spec, values } = release({ backend: "cassandra", retention: "2d", cassandra: { servers: ["cassandra.tracing.svc:9042"], keyspace: "jaeger_prod", datacenter: "dc1" } });
        expect(values.userconfig.extensions.jaeger_storage.backends.primary.cassandra).toEqual({
            schema: { keyspace: "jaeger_prod", create: true, trace_ttl: "48h" },
            connection: { servers: ["cassandra.tracing.svc:9042"], local_dc: "dc1" },
        });
        expect(documented(spec)).toEqual([]);
    });

    it("fails the documented-keys check on a misspelt storage value", () => {
        const spec = jaeger();
        const broken = { ...spec, values: { ...spec.values, jaeger: { ...(spec.values.jaeger as object), extraVolume: [] } } };
        expect(documented(broken)).toEqual([expect.stringContaining("jaeger.extraVolume is not a value chart jaeger 4.11.1 documents")]);
    });

    it("reports every bad trace setting at once, naming the key, the value and the fix", () => {
        const { problems } = parseOrProblems({ ...DEV_CONFIG, traces: { backend: "elasticsearch", retention: "90m", badger: { size: "lots" }, cassandra: { servers: ["x:9042"] }, elasticsearch: { urls: ["https://user:pw@es:9200"] } } });
        const text = problems.all.map((p) => `${p.path}: ${String(p.value)} ${p.message} — ${p.fix}`).join("\n");
        expect(text).toContain("traces.retention: 90m must be a whole number of hours or days");
        expect(text).toContain("traces.badger.size: lots");
        expect(text).toContain("traces.cassandra");
        expect(text).toContain("is set but the trace backend is elasticsearch");
        expect(text).toContain("traces.elasticsearch.urls: https://user:pw@es:9200 is not an elasticsearch base URL");
        const missing = parseOrProblems({ ...DEV_CONFIG, traces: { backend: "cassandra" } }).problems.all.map((p) => `${p.path} ${p.message}`);
        expect(missing).toContainEqual(expect.stringContaining("traces.cassandra.servers is required for this trace backend"));
    });

    it("dev and prod declare Jaeger with Badger on its claim (the mesh's default)", async () => {
        for (const stack of ["dev", "prod"]) {
            const { resources } = await evaluateStack(stack);
            const rel = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "jaeger")!;
            const values = rel.inputs.values as Values;
            expect(Object.keys(values.userconfig.extensions.jaeger_storage.backends.primary), stack).toEqual(["badger"]);
            expect(values.extraObjects[0].metadata.name).toBe(BADGER_CLAIM);
        }
    }, 60_000);

    it("a stack that selects an external backend gets it in its Jaeger release (observability.traces reaches the mesh)", async () => {
        const observability = JSON.parse(readStackConfig("prod").flat["service-integration:observability"]) as Record<string, unknown>;
        const traces = { backend: "opensearch", retention: "30d", opensearch: { urls: ["https://opensearch.logging.svc:9200"], username: "jaeger", passwordSecret: { name: "jaeger-os", key: "password" } } };
        const { resources } = await evaluateStack("prod", { observability: { ...observability, traces } });
        const rel = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "jaeger")!;
        const values = rel.inputs.values as Values;
        expect(values.userconfig.extensions.jaeger_storage.backends.primary.opensearch.server_urls).toEqual(["https://opensearch.logging.svc:9200"]);
        expect(values.esIndexCleaner.numberOfDays).toBe(30);
        // The password is a reference to the Secret, never a value.
        expect(values.jaeger.extraEnv).toEqual([{ name: PASSWORD_ENV, valueFrom: { secretKeyRef: { name: "jaeger-os", key: "password" } } }]);
    }, 60_000);
});
