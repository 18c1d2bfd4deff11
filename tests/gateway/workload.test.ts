import { beforeAll, describe, expect, it } from "vitest";
import { DeclaredResource } from "../../offline/evaluate";
import { DEFAULT_ISTIO_VERSION, revisionName } from "../../model/versions";
import { evaluateStack } from "../support/stack";

/**
 * Kong's pods and the mesh, in the whole program: the Deployment waits for the active istiod (its injection
 * webhook) and the CNI agent, is rolled when the revision changes, leaves the proxy ports uncaptured, and trusts the edge's
 * X-Forwarded-For, so Kong sees the client address.
 */

const REV = revisionName(DEFAULT_ISTIO_VERSION);
const stacks: Record<string, readonly DeclaredResource[]> = {};

beforeAll(async () => {
    stacks.dev = (await evaluateStack("dev")).resources;
    stacks.prod = (await evaluateStack("prod")).resources;
    stacks.meshOff = (await evaluateStack("dev", { components: { mesh: false } })).resources;
    stacks.noEdge = (await evaluateStack("dev", { workloads: { apiServer: { cidrs: ["172.18.0.2/32"] } } })).resources;
}, 120_000);

function kong(stack: string): DeclaredResource {
    const d = stacks[stack].find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "kong");
    if (!d) {
        throw new Error(`no Kong Deployment in ${stack}`);
    }
    return d;
}

type Template = { metadata: { annotations: Record<string, string> }; spec: { containers: { name: string; env: { name: string; value?: string }[] }[] } };
const template = (d: DeclaredResource): Template => (d.inputs.spec as { template: Template }).template;
const env = (d: DeclaredResource): Record<string, string | undefined> => Object.fromEntries(template(d).spec.containers.find((c) => c.name === "kong")!.env.map((e) => [e.name, e.value]));

describe("Kong's pods and the mesh", () => {
    it("start after the active istiod serves its injection webhook and the CNI agent runs", () => {
        for (const stack of ["dev", "prod"]) {
            expect(kong(stack).dependsOn, stack).toEqual(expect.arrayContaining([`kubernetes:helm.sh/v3:Release/istiod-${REV}`, "kubernetes:helm.sh/v3:Release/istio-cni"]));
        }
    });

    it("roll when the active revision changes (pod-template annotation keyed to it)", () => {
        expect(template(kong("dev")).metadata.annotations["platform.254carbon.io/sidecar-revision"]).toBe(REV);
        expect(template(kong("meshOff")).metadata.annotations["platform.254carbon.io/sidecar-revision"]).toBeUndefined();
    });

    it("leave the proxy ports uncaptured by the sidecar, so Kong sees who connects", () => {
        expect(template(kong("prod")).metadata.annotations["traffic.sidecar.istio.io/excludeInboundPorts"]).toBe("8000,8443");
        // Meshed clients must not originate mTLS to those ports.
        const dr = stacks.prod.find((r) => r.inputs.kind === "DestinationRule" && (r.inputs.metadata as { name: string }).name === "kong-proxy")!;
        expect((dr.inputs.spec as { trafficPolicy: { portLevelSettings: unknown } }).trafficPolicy.portLevelSettings).toEqual([
            { port: { number: 80 }, tls: { mode: "DISABLE" } },
            { port: { number: 443 }, tls: { mode: "DISABLE" } },
        ]);
    });

    it("trust the load balancer's range for the client address where the stack names one, and nothing otherwise", () => {
        expect(env(kong("prod"))).toMatchObject({ KONG_TRUSTED_IPS: "10.0.128.0/20", KONG_REAL_IP_HEADER: "X-Forwarded-For", KONG_REAL_IP_RECURSIVE: "on" });
        expect(env(kong("noEdge")).KONG_TRUSTED_IPS).toBeUndefined();
    });

    it("let Prometheus (kube-prometheus-stack's real pods and identity) scrape the status port", () => {
        const np = stacks.prod.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "kong-status")!;
        const rules = (np.inputs.spec as { ingress: { from: unknown[]; ports: { port: number }[] }[] }).ingress;
        expect(rules.map((x) => x.ports[0].port)).toEqual([8100]);
        expect(rules[0].from).toEqual([
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kube-prometheus-stack-prometheus" } } },
        ]);
        const allow = stacks.prod.find((r) => r.inputs.kind === "AuthorizationPolicy" && (r.inputs.metadata as { name: string }).name === "kong-metrics")!;
        expect(JSON.stringify(allow.inputs.spec)).toContain("cluster.local/ns/monitoring/sa/kube-prometheus-stack-prometheus");
    });

    it("declare nothing for the in-cluster database when the stack's database is external", () => {
        const named = (r: DeclaredResource): string => (r.inputs.metadata as { name?: string } | undefined)?.name ?? r.name;
        // (The ServiceEntry kong-postgres-external is the external server's, for the sidecar's registry.)
        const inCluster = stacks.prod.filter((r) => r.type.startsWith("kubernetes:") && named(r).includes("kong-postgres") && named(r) !== "kong-postgres-external");
        expect(inCluster.map((r) => `${r.inputs.kind} ${named(r)}`)).toEqual([]);
        expect(stacks.dev.some((r) => r.inputs.kind === "NetworkPolicy" && named(r) === "allow-kong-postgres-ingress")).toBe(true);
    });
});
