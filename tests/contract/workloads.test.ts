import { describe, expect, it } from "vitest";
import { deriveFlows } from "../../contract";
import { declareMesh, meshContext } from "../../components/mesh";
import { buildModel, PlatformModel } from "../../model";
import { ConfigError } from "../../model/errors";
import { plaintextPortsOf } from "../../model/workloads";
import { baseConfig, defaultCatalog } from "../support/fixtures";

/**
 * The workloads we do not own, as their charts and operators run them (model/workloads.ts), and the catalog
 * services bound to them. Each default below is the upstream value its comment in model/workloads.ts cites.
 */

const model = (overrides: Record<string, unknown> = {}, catalog?: unknown): PlatformModel => buildModel({ stack: "test", config: baseConfig(overrides), catalog: catalog ?? defaultCatalog() });

function problems(fn: () => unknown): string[] {
    try {
        fn();
    } catch (e) {
        if (e instanceof ConfigError) {
            return e.problems.map((p) => `${p.path}: ${p.message}`);
        }
        throw e;
    }
    return [];
}

describe("workload descriptions", () => {
    it("kube-prometheus-stack by default: the operator's StatefulSet pods, their labels and service account", () => {
        const m = model();
        expect(m.workloads.byKey.prometheus).toMatchObject({
            namespace: "monitoring",
            podLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kube-prometheus-stack-prometheus" },
            serviceAccount: "kube-prometheus-stack-prometheus",
            controller: { kind: "StatefulSet", name: "prometheus-kube-prometheus-stack-prometheus", operator: "prometheus-operator" },
            sidecar: true,
        });
        const svc = m.catalog.services.find((s) => s.name === "prometheus")!;
        expect(svc).toMatchObject({ serviceAccount: "kube-prometheus-stack-prometheus", labels: m.workloads.byKey.prometheus.podLabels, deployment: undefined });
    });

    it("another release name follows the chart's fullname rule (26 characters)", () => {
        const m = model({ workloads: { prometheus: { release: "monitoring" } } });
        expect(m.workloads.byKey.prometheus.serviceAccount).toBe("monitoring-kube-prometheus-prometheus");
    });

    it("the plain prometheus chart: a Deployment <release>-server, rolled like any catalog Deployment", () => {
        const m = model({ workloads: { prometheus: { flavour: "prometheus", release: "prometheus" } } });
        expect(m.workloads.byKey.prometheus).toMatchObject({
            podLabels: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "prometheus", "app.kubernetes.io/component": "server" },
            serviceAccount: "prometheus-server",
            controller: { kind: "Deployment", name: "prometheus-server" },
        });
        expect(m.catalog.services.find((s) => s.name === "prometheus")!.deployment).toBe("prometheus-server");
    });

    it("Grafana, Kiali and Jaeger by their charts' selector labels; Kiali and Jaeger without a sidecar", () => {
        const w = model().workloads.byKey;
        expect(w.grafana).toMatchObject({ podLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana" }, serviceAccount: "grafana", sidecar: true });
        expect(model({ workloads: { grafana: { flavour: "kube-prometheus-stack" } } }).workloads.byKey.grafana.serviceAccount).toBe("kube-prometheus-stack-grafana");
        expect(w.kiali).toMatchObject({ namespace: "istio-system", podLabels: { "app.kubernetes.io/name": "kiali", "app.kubernetes.io/instance": "kiali" }, sidecar: false });
        expect(w.jaeger).toMatchObject({ podLabels: { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/component": "all-in-one" }, sidecar: false });
        expect(w.jaeger.ports.otlpGrpc.port).toBe(4317);
        expect(w.istiod).toMatchObject({ serviceAccount: `istiod-${model().mesh.active.name}`, sidecar: false });
    });

    it("Strimzi brokers and controllers by role label; ports 9091 (replication) and 9090 (control plane)", () => {
        const w = model({ workloads: { kafka: { cluster: "events" } } }).workloads.byKey;
        expect(w.kafkaBrokers.podLabels).toEqual({ "strimzi.io/cluster": "events", "strimzi.io/name": "events-kafka", "strimzi.io/broker-role": "true" });
        expect(w.kafkaControllers.podLabels).toEqual({ "strimzi.io/cluster": "events", "strimzi.io/name": "events-kafka", "strimzi.io/controller-role": "true" });
        expect([w.kafkaBrokers.ports.replication.port, w.kafkaControllers.ports.controlplane.port]).toEqual([9091, 9090]);
        expect(w.kafkaBrokers.serviceAccount).toBe("events-kafka");
    });

    it("another Kafka must say how its pods really look: every missing fact is reported at once", () => {
        expect(problems(() => model({ workloads: { kafka: { flavour: "other" } } }))).toEqual([
            "service-integration:workloads.kafka.brokers.podLabels: must be a non-empty mapping of label keys to string values",
            "service-integration:workloads.kafka.brokers.serviceAccount: is required",
            "service-integration:workloads.kafka.brokers.replicationPort: is required",
            "service-integration:workloads.kafka.controllers.podLabels: must be a non-empty mapping of label keys to string values",
            "service-integration:workloads.kafka.controllers.serviceAccount: is required",
            "service-integration:workloads.kafka.controllers.controllerPort: is required",
        ]);
    });

    it("address blocks are CIDRs; unknown keys and a bound service in the wrong namespace are errors", () => {
        expect(problems(() => model({ workloads: { apiServer: { cidrs: ["10.0.0.300/32", "nope"] }, edge: { cidrs: [] }, promethues: {} } }))).toEqual([
            "service-integration:workloads.apiServer.cidrs: is not an IPv4 CIDR",
            "service-integration:workloads.apiServer.cidrs: is not an IPv4 CIDR",
            "service-integration:workloads.edge.cidrs: names no address",
            "service-integration:workloads.promethues: is not a known key",
        ]);
        expect(problems(() => model({ workloads: { grafana: { namespace: "observability" } } }))).toContain(
            "catalog.services.grafana.namespace: is not where the grafana workload runs (observability, grafana/helm-charts grafana-10.5.15 charts/grafana/templates/_helpers.tpl, values.yaml)",
        );
    });
});

describe("catalog: real labels, sidecar and plaintext senders", () => {
    it("plaintext ports must name their senders; bare port numbers are refused with the fix", () => {
        const catalog = defaultCatalog();
        const kong = catalog.services.find((s) => s.name === "kong-proxy")!;
        kong.plaintextPorts = [8000];
        const grafana = catalog.services.find((s) => s.name === "grafana")!;
        grafana.plaintextPorts = [{ port: 3000, from: [] }];
        const found = problems(() => model({}, catalog));
        expect(found.some((p) => /plaintextPorts: lists bare port numbers/.test(p))).toBe(true);
        expect(found.some((p) => /plaintextPorts.*from: names no sender/.test(p))).toBe(true);
    });

    it("plaintext ports: the declared ones, and the service port where a caller has no sidecar (Kiali → Prometheus)", () => {
        const services = model().catalog.services;
        const of = (name: string): number[] => plaintextPortsOf(services.find((s) => s.name === name)!, services);
        expect([of("prometheus"), of("kong-proxy"), of("grafana"), of("portal-services")]).toEqual([[9090], [8000, 8443], [3000], []]);
    });

    it("a service's declared labels become its selectors; sidecar false opts it out", () => {
        const catalog = defaultCatalog();
        const portal = catalog.services.find((s) => s.name === "portal-services")!;
        portal.labels = { "app.kubernetes.io/name": "portal" };
        const m = model({}, catalog);
        const allow = declareMesh(m.mesh, m.catalog, meshContext(m)).istioResources.find((r) => r.metadata.name === "allow-portal-services")!;
        expect((allow.spec as { selector: unknown }).selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "portal" } });
        expect(m.catalog.services.find((s) => s.name === "kong-postgres")!.sidecar).toBe(false);
    });
});

describe("derived flows", () => {
    it("are each listed once, and the database is absent in an external-database stack", () => {
        const m = model();
        const ids = deriveFlows(m).flows.map((f) => f.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toContain("kong-migrations → kong-postgres:5432");
        const external = model({ gateway: { admin: { url: "http://127.0.0.1:8001" }, database: { mode: "external", host: "db.example", adminUser: "admin" } } });
        expect(deriveFlows(external).flows.some((f) => f.to.name === "kong-postgres")).toBe(false);
        expect(declareMesh(external.mesh, external.catalog, meshContext(external)).networkPolicies.some((p) => p.metadata.name.includes("kong-postgres"))).toBe(false);
    });

    it("extraCallerNamespaces reach every meshed HTTP service at L3 and L7, never the database", () => {
        const m = model({ mesh: { mtls: { mode: "PERMISSIVE" }, extraCallerNamespaces: ["ingress-nginx"] } });
        const flows = deriveFlows(m).flows.filter((f) => f.from.name === "stranger@ingress-nginx");
        expect(flows.find((f) => f.to.name === "portal-services")?.expect).toBe("allow");
        expect(flows.find((f) => f.to.name === "kong-postgres")?.expect).toBe("deny");
        const declared = declareMesh(m.mesh, m.catalog, meshContext(m));
        const portal = declared.networkPolicies.find((p) => p.metadata.name === "allow-portal-services-ingress")!;
        expect(JSON.stringify(portal.spec)).toContain('"kubernetes.io/metadata.name":"ingress-nginx"');
        const db = declared.networkPolicies.find((p) => p.metadata.name === "allow-kong-postgres-ingress")!;
        expect(JSON.stringify(db.spec)).not.toContain("ingress-nginx");
        expect(declared.istioResources.some((r) => r.metadata.name === "allow-kong-postgres")).toBe(false);
    });
});
