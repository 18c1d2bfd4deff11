import { beforeAll, describe, expect, it } from "vitest";
import { FlowResult, renderFlows } from "../../contract";
import { PlatformModel } from "../../model";
import { Manifest } from "../../model/wellknown";
import { broken, declaredStack, engine, evaluateContract, withBroken } from "./support";

/**
 * The connectivity contract over the real plans of dev and prod: every required flow passes L3 (cyclonus's
 * NetworkPolicy engine) and L7 (our Istio evaluator), every forbidden flow is stopped; and a broken copy of each
 * kind of policy makes it fail, naming the flow and the object.
 */

const bin = engine();
const stacks: Record<string, { model: PlatformModel; manifests: Manifest[] }> = {};

beforeAll(async () => {
    for (const stack of ["dev", "prod"]) {
        stacks[stack] = await declaredStack(stack);
    }
}, 120_000);

const run = (stack: string, manifests?: Manifest[]): FlowResult[] => evaluateContract(stacks[stack].model, manifests ?? stacks[stack].manifests, bin!);
const problemOf = (results: readonly FlowResult[], id: string): string | undefined => {
    const r = results.find((x) => x.flow.id === id);
    if (!r) {
        throw new Error(`no flow ${id}; flows: ${results.map((x) => x.flow.id).slice(0, 20).join(", ")}…`);
    }
    return r.problem;
};

describe.skipIf(bin === undefined)("connectivity contract", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: every required flow is allowed at both layers, every forbidden flow is stopped`, () => {
            const results = run(stack);
            expect(broken(results)).toEqual([]);
            expect(results.filter((r) => r.flow.expect === "allow").length).toBeGreaterThan(100);
            expect(results.filter((r) => r.flow.expect === "deny").length).toBeGreaterThan(100);
            expect(renderFlows(stack, results)).toContain("| portal-services → kafkaBrokers:");
        });
    }

    it("names the flows the review found broken, each allowed now", () => {
        const dev = run("dev");
        for (const id of ["portal-services → kafkaBrokers:9092", "kafkaBrokers → kafkaBrokers#2:9091", "prometheus → portal-services:15090", "prometheus → kong-proxy:8100", "prometheus → istiod:15014", "prometheus → kube-apiserver:6443", "scheduler → jaeger:4317", "kiali → prometheus:9090", "grafana → jaeger:16686", "kong-migrations → kong-postgres:5432"]) {
            expect(problemOf(dev, id), id).toBeUndefined();
        }
        const prod = run("prod");
        expect(prod.find((r) => r.flow.id === "kiali → prometheus:9090")?.l7).toMatchObject({ allowed: true, mtls: false });
        // An external database: no in-cluster PostgreSQL, no flows to it.
        expect(prod.some((r) => r.flow.to.name === "kong-postgres")).toBe(false);
    });

    it("a NetworkPolicy removed: the Kafka clients are blocked at L3, by the namespace's default-deny", () => {
        const results = run("dev", withBroken(stacks.dev.manifests, "NetworkPolicy", "data-platform", "allow-kafka-brokers-ingress", () => undefined));
        expect(problemOf(results, "portal-services → kafkaBrokers:9092")).toMatch(/^required flow blocked at L3 \(ingress\) by .*data-platform\/default-deny/);
    });

    it("a NetworkPolicy opened (plaintext port without senders, the old plaintextPorts): every pod reaches kong-postgres", () => {
        const opened = withBroken(stacks.dev.manifests, "NetworkPolicy", "kong", "allow-kong-postgres-ingress", (m) => ({ ...m, spec: { ...(m.spec as object), ingress: [{ ports: [{ protocol: "TCP", port: 5432 }] }] } }));
        // database.ts's own policy still admits only Kong's client label; drop it too, as the plan had it.
        const results = run("dev", withBroken(opened, "NetworkPolicy", "kong", "kong-postgres", () => undefined));
        expect(problemOf(results, "stranger@default → kong-postgres:5432")).toBe(
            "forbidden flow allowed at L3 by kong/allow-kong-postgres-ingress, and L7 cannot stop it (the sender has no sidecar)",
        );
    });

    it("an AuthorizationPolicy without the gateway's principal: Kong's route is blocked at L7, naming the policy", () => {
        const results = run("dev", withBroken(stacks.dev.manifests, "AuthorizationPolicy", "data-platform", "allow-data-quality-service", (m) => {
            const spec = m.spec as { rules: { from: { source: { principals: string[] } }[] }[] };
            spec.rules[0].from[0].source.principals = spec.rules[0].from[0].source.principals.filter((p) => !p.includes("/ns/kong/"));
            return m;
        }));
        expect(problemOf(results, "kong-proxy → data-quality-service:8080")).toBe("required flow blocked at L7 by no ALLOW matches (data-platform/deny-all, data-platform/allow-data-quality-service)");
    });

    it("the seed's Kiali rule (a principal Kiali cannot have): Kiali → Prometheus is refused at L7", () => {
        const results = run("dev", withBroken(stacks.dev.manifests, "AuthorizationPolicy", "monitoring", "allow-prometheus", (m) => {
            const spec = m.spec as { rules: unknown[] };
            spec.rules = [{ from: [{ source: { principals: ["cluster.local/ns/monitoring/sa/grafana", "cluster.local/ns/istio-system/sa/kiali"] } }], to: [{ operation: { ports: ["9090"] } }] }];
            return m;
        }));
        expect(problemOf(results, "kiali → prometheus:9090")).toBe("required flow blocked at L7 by no ALLOW matches (monitoring/deny-all, monitoring/allow-prometheus)");
    });

    it("both layers opened to a non-caller: the forbidden flow is reported with both objects", () => {
        const portal = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data-platform" } }, podSelector: { matchLabels: { app: "portal-services" } } };
        const np = withBroken(stacks.dev.manifests, "NetworkPolicy", "data-platform", "allow-transformation-service-ingress", (m) => {
            (m.spec as { ingress: { from: unknown[] }[] }).ingress[0].from.push(portal);
            return m;
        });
        const both = withBroken(np, "AuthorizationPolicy", "data-platform", "allow-transformation-service", (m) => {
            (m.spec as { rules: { from: { source: { principals: string[] } }[] }[] }).rules[0].from[0].source.principals.push("cluster.local/ns/data-platform/sa/portal-services");
            return m;
        });
        expect(problemOf(run("dev", both), "portal-services → transformation-service:8080")).toBe(
            "forbidden flow allowed at L3 by data-platform/allow-egress-to-callees, data-platform/allow-transformation-service-ingress and at L7 by data-platform/allow-transformation-service (ALLOW)",
        );
        // One layer alone is enough: with only the NetworkPolicy opened, L7 still denies.
        expect(problemOf(run("dev", np), "portal-services → transformation-service:8080")).toBeUndefined();
    });

    it("the Admin API port is reachable from nowhere on the pod network, Kong's own namespace included", () => {
        for (const stack of ["dev", "prod"]) {
            const admin = run(stack).filter((r) => r.flow.port === 8001 && r.flow.to.name === "kong-proxy");
            expect(admin.filter((r) => r.flow.expect !== "deny").map((r) => r.flow.id), stack).toEqual([]);
            expect(admin.map((r) => r.flow.from.name), stack).toEqual(expect.arrayContaining(["stranger@kong", "kong-migrations", "stranger@default", "prometheus", "edge"]));
            expect(broken(admin), stack).toEqual([]);
        }
    });

    it("the Admin API port opened again by a NetworkPolicy rule (like the old kong-admin one, to every caller): the forbidden flow is reported", () => {
        const opened = withBroken(stacks.dev.manifests, "NetworkPolicy", "kong", "kong-status", (m) => {
            (m.spec as { ingress: unknown[] }).ingress.push({ ports: [{ protocol: "TCP", port: 8001 }] });
            return m;
        });
        expect(problemOf(run("dev", opened), "stranger@default → kong-proxy:8001")).toBe("forbidden flow allowed at L3 by kong/kong-status, and L7 cannot stop it (the sender has no sidecar)");
        expect(problemOf(run("dev"), "stranger@default → kong-proxy:8001")).toBeUndefined();
    });

    it("a PeerAuthentication without the plaintext exception: STRICT prod refuses Kiali's plaintext", () => {
        const results = run("prod", withBroken(stacks.prod.manifests, "PeerAuthentication", "monitoring", "prometheus-plaintext-ports", () => undefined));
        expect(problemOf(results, "kiali → prometheus:9090")).toBe("required flow blocked at L7 by monitoring/default (STRICT refuses plaintext)");
    });
});
