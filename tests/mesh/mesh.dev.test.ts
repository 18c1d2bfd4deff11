import { beforeAll, describe, expect, it } from "vitest";
import { DeclaredResource } from "../../offline/evaluate";
import { PlatformOutputs } from "../../platform";
import { DEFAULT_ISTIO_VERSION, ISTIO_RELEASES, revisionName } from "../../model/versions";
import { evaluateStack, find, manifests, spec } from "../support/stack";

const VERSION = DEFAULT_ISTIO_VERSION;
const REV = revisionName(VERSION);
const KIALI = ISTIO_RELEASES[VERSION].kialiChart;

let resources: readonly DeclaredResource[];
let outputs: PlatformOutputs;

const HELM = "kubernetes:helm.sh/v3:Release";
const release = (name: string): DeclaredResource => {
    const r = resources.find((x) => x.type === HELM && x.name === name);
    if (!r) throw new Error(`no release ${name}`);
    return r;
};

beforeAll(async () => {
    ({ resources, outputs } = await evaluateStack("dev"));
});

describe("mesh on dev", () => {
    it("installs base, cni and istiod at one pinned version, revision-based", () => {
        for (const name of ["istio-base", "istio-cni", `istiod-${REV}`]) {
            expect(release(name).inputs.version).toBe(VERSION);
            expect((release(name).inputs.repositoryOpts as { repo: string }).repo).toBe("https://istio-release.storage.googleapis.com/charts");
        }
        const values = release(`istiod-${REV}`).inputs.values as { revision: string; revisionTags: string[]; cni: { enabled: boolean } };
        expect(values.revision).toBe(REV);
        expect(values.revisionTags).toEqual(["stable"]);
        expect(values.cni.enabled).toBe(true);
    });

    it("installs cni and istiod side by side after base, the roll-outs after both, every Istio resource after the CRDs", () => {
        expect(release("istio-cni").dependsOn).toContain(`${HELM}/istio-base`);
        expect(release(`istiod-${REV}`).dependsOn).toContain(`${HELM}/istio-base`);
        expect(release(`istiod-${REV}`).dependsOn).not.toContain(`${HELM}/istio-cni`);
        const rollouts = resources.filter((r) => r.type === "kubernetes:apps/v1:DeploymentPatch");
        expect(rollouts.length).toBeGreaterThan(0);
        for (const r of rollouts) {
            expect(r.dependsOn, r.name).toEqual(expect.arrayContaining([`${HELM}/istio-cni`, `${HELM}/istiod-${REV}`]));
        }
        const istioCrs = resources.filter((r) => String(r.inputs.apiVersion).includes("istio.io/"));
        expect(istioCrs.length).toBeGreaterThan(40);
        for (const cr of istioCrs) {
            expect(cr.dependsOn, `${cr.name}`).toContain(`${HELM}/istio-base`);
        }
    });

    it("uses only v1 Istio APIs", () => {
        const versions = new Set(resources.map((r) => r.inputs.apiVersion).filter((v) => String(v).includes("istio.io")));
        expect([...versions].sort()).toEqual(["networking.istio.io/v1", "security.istio.io/v1", "telemetry.istio.io/v1"]);
    });

    it("labels the injected namespaces with the revision tag, never istio-injection", () => {
        for (const ns of ["data-platform", "kong", "monitoring"]) {
            const r = resources.find((x) => x.type === "kubernetes:core/v1:Namespace" && x.name === ns)!;
            expect((r.inputs.metadata as { labels: Record<string, string> }).labels["istio.io/rev"]).toBe("stable");
            expect((r.inputs.metadata as { labels: Record<string, string> }).labels["istio-injection"]).toBeUndefined();
        }
        const root = resources.find((x) => x.type === "kubernetes:core/v1:Namespace" && x.name === "istio-system")!;
        expect((root.inputs.metadata as { labels: Record<string, string> }).labels["istio.io/rev"]).toBeUndefined();
    });

    it("is PERMISSIVE mesh-wide and per namespace in dev", () => {
        expect(spec(find(resources, "PeerAuthentication", "istio-system", "default"))).toEqual({ mtls: { mode: "PERMISSIVE" } });
        for (const ns of ["data-platform", "kong", "monitoring"]) {
            expect(spec(find(resources, "PeerAuthentication", ns, "default"))).toEqual({ mtls: { mode: "PERMISSIVE" } });
        }
    });

    it("declares a DestinationRule per service with 5 consecutive 5xx, pools and the catalog's balancer", () => {
        const dr = spec<{ host: string; trafficPolicy: Record<string, any> }>(find(resources, "DestinationRule", "data-platform", "portal-services"));
        expect(dr.host).toBe("portal-services.data-platform.svc.cluster.local");
        expect(dr.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
        expect(dr.trafficPolicy.outlierDetection.consecutiveErrors).toBeUndefined();
        expect(dr.trafficPolicy.loadBalancer).toEqual({ simple: "LEAST_REQUEST" });
        expect(dr.trafficPolicy.connectionPool.http.http1MaxPendingRequests).toBe(100);
        const rr = spec<{ trafficPolicy: Record<string, any> }>(find(resources, "DestinationRule", "data-platform", "scheduler"));
        expect(rr.trafficPolicy.loadBalancer).toEqual({ simple: "ROUND_ROBIN" });
        const tcp = spec<{ trafficPolicy: Record<string, any> }>(find(resources, "DestinationRule", "kong", "kong-postgres"));
        expect(tcp.trafficPolicy.connectionPool.http).toBeUndefined();
    });

    it("declares VirtualServices with at most 3 idempotent retries that fit inside the timeout", () => {
        const all = manifests(resources, "VirtualService");
        expect(all.length).toBeGreaterThanOrEqual(8);
        for (const vs of all) {
            const route = spec<{ http: { timeout: string; retries: { attempts: number; perTryTimeout?: string; retryOn?: string } }[] }>(vs).http[0];
            expect(route.retries.attempts).toBeLessThanOrEqual(3);
            if (route.retries.attempts > 0) {
                const ms = (d: string): number => (d.endsWith("ms") ? Number(d.slice(0, -2)) : Number(d.slice(0, -1)) * 1000);
                expect(route.retries.attempts * ms(route.retries.perTryTimeout!)).toBeLessThanOrEqual(ms(route.timeout));
                expect(route.retries.retryOn).not.toContain("retriable-4xx");
            }
        }
        const portal = spec<{ http: any[] }>(find(resources, "VirtualService", "data-platform", "portal-services")).http[0];
        expect(portal).toMatchObject({ timeout: "15s", retries: { attempts: 3, perTryTimeout: "5s" } });
    });

    it("denies by default and allows exactly the catalog's callers, the gateway and Prometheus", () => {
        for (const ns of ["data-platform", "kong", "monitoring"]) {
            expect(spec(find(resources, "AuthorizationPolicy", ns, "deny-all"))).toEqual({});
            // Scrape ports 15020/15090 are never captured by the sidecar: an AuthorizationPolicy on them would be a no-op.
            expect(manifests(resources, "AuthorizationPolicy").some((m) => m.metadata.name === "allow-prometheus-scrape")).toBe(false);
        }
        const quality = spec<{ rules: any[]; selector: any }>(find(resources, "AuthorizationPolicy", "data-platform", "allow-data-quality-service"));
        expect(quality.selector).toEqual({ matchLabels: { app: "data-quality-service" } });
        expect(quality.rules[0].from[0].source.principals).toEqual([
            "cluster.local/ns/data-platform/sa/portal-services",
            "cluster.local/ns/data-platform/sa/data-ingestion-api",
            "cluster.local/ns/data-platform/sa/scheduler",
            "cluster.local/ns/kong/sa/kong",
        ]);
        // Not exposed through the gateway: Kong may not call it.
        const transformation = spec<{ rules: any[] }>(find(resources, "AuthorizationPolicy", "data-platform", "allow-transformation-service"));
        expect(transformation.rules[0].from[0].source.principals).not.toContain("cluster.local/ns/kong/sa/kong");
        // Prometheus (kube-prometheus-stack's StatefulSet pods) is reached by Grafana over mTLS and by Kiali, which has no
        // sidecar, in plaintext only (no principal to name).
        const prometheus = spec<{ rules: any[]; selector: any }>(find(resources, "AuthorizationPolicy", "monitoring", "allow-prometheus"));
        expect(prometheus.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kube-prometheus-stack-prometheus" } });
        expect(prometheus.rules[0].from[0].source.principals).toEqual(["cluster.local/ns/monitoring/sa/grafana"]);
        expect(prometheus.rules[1]).toEqual({ from: [{ source: { notPrincipals: ["*"] } }], to: [{ operation: { ports: ["9090"] } }] });
    });

    it("scopes sidecar egress to the namespaces each namespace calls", () => {
        const kong = spec<{ egress: { hosts: string[] }[] }>(find(resources, "Sidecar", "kong", "default"));
        expect(kong.egress[0].hosts).toEqual(expect.arrayContaining(["./*", "istio-system/*", "data-platform/portal-services.data-platform.svc.cluster.local"]));
        expect(kong.egress[0].hosts).not.toContain("data-platform/transformation-service.data-platform.svc.cluster.local");
    });

    it("declares default-deny NetworkPolicies with DNS, istiod, Prometheus and caller allows", () => {
        for (const ns of ["data-platform", "kong", "monitoring"]) {
            expect(spec(find(resources, "NetworkPolicy", ns, "default-deny"))).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            const istiod = spec<{ egress: any[] }>(find(resources, "NetworkPolicy", ns, "allow-istiod"));
            expect(istiod.egress[0].ports).toEqual([{ protocol: "TCP", port: 15012 }]);
            const scrape = spec<{ ingress: any[] }>(find(resources, "NetworkPolicy", ns, "allow-prometheus-scrape"));
            expect(scrape.ingress[0].ports.map((p: { port: number }) => p.port)).toEqual([15020, 15090]);
        }
        const portalIngress = spec<{ ingress: any[] }>(find(resources, "NetworkPolicy", "data-platform", "allow-portal-services-ingress"));
        expect(portalIngress.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kong" } }, podSelector: { matchLabels: { app: "kong" } } }]);
    });

    it("traces 10% of requests through the OTLP provider declared in meshConfig", () => {
        const telemetry = spec<{ tracing: any[] }>(find(resources, "Telemetry", "istio-system", "mesh-default"));
        expect(telemetry.tracing[0]).toEqual({ providers: [{ name: "jaeger-otlp" }], randomSamplingPercentage: 10 });
        const meshConfig = (release(`istiod-${REV}`).inputs.values as { meshConfig: { extensionProviders: any[] } }).meshConfig;
        expect(meshConfig.extensionProviders).toEqual([{ name: "jaeger-otlp", opentelemetry: { service: "jaeger.istio-system.svc.cluster.local", port: 4317 } }]);
    });

    it("pins Kiali's image to its chart's release and points it at Prometheus and Jaeger", () => {
        const kiali = release("kiali-server");
        expect(kiali.inputs.version).toBe(KIALI);
        const values = kiali.inputs.values as { deployment: { image_version: string }; external_services: any };
        expect(values.deployment.image_version).toBe(`v${KIALI}`);
        expect(values.external_services.prometheus.url).toBe("http://prometheus.monitoring.svc.cluster.local:9090");
        expect(values.external_services.tracing.internal_url).toBe("http://jaeger.istio-system.svc.cluster.local:16685");
        expect(kiali.dependsOn).toEqual(expect.arrayContaining([`${HELM}/istiod-${REV}`, `${HELM}/jaeger`]));
        expect(release("jaeger").inputs.version).toBe("4.11.1");
    });

    it("yields at least the seed's inventory", () => {
        expect(manifests(resources, "PeerAuthentication").length).toBeGreaterThanOrEqual(6);
        expect(manifests(resources, "AuthorizationPolicy").length).toBeGreaterThanOrEqual(7);
        expect(manifests(resources, "DestinationRule").length).toBeGreaterThanOrEqual(12);
        expect(manifests(resources, "VirtualService").length).toBeGreaterThanOrEqual(8);
    });

    it("uses the explicit Kubernetes provider for every Kubernetes resource", () => {
        const k8s = resources.filter((r) => r.type.startsWith("kubernetes:"));
        for (const r of k8s) {
            expect(r.provider, r.name).toBe("pulumi:providers:kubernetes/kubernetes");
        }
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(provider.inputs.context).toBe("254carbon-dev");
    });

    it("exports the mesh contract", () => {
        expect(outputs.mesh).toMatchObject({
            namespace: "istio-system",
            revision: REV,
            revisionTag: "stable",
            injectedNamespaces: ["data-platform", "kong", "monitoring"],
            tracingUrl: "http://jaeger.istio-system.svc.cluster.local:16686",
            kialiUrl: "http://kiali.istio-system.svc.cluster.local:20001",
        });
    });
});

describe("sidecar coverage", () => {
    it("restarts every catalog Deployment in an injected namespace once per revision, touching one annotation", () => {
        const patches = resources.filter((r) => r.type === "kubernetes:apps/v1:DeploymentPatch");
        const targets = patches.map((p) => `${(p.inputs.metadata as { namespace: string }).namespace}/${(p.inputs.metadata as { name: string }).name}`).sort();
        expect(targets).toEqual(
            ["data-ingestion-api", "data-quality-service", "lineage-service", "metadata-catalog", "portal-services", "query-service", "scheduler", "transformation-service"]
                .map((d) => `data-platform/${d}`)
                // Prometheus is a StatefulSet prometheus-operator reconciles: never patched (model/workloads.ts).
                .concat(["monitoring/grafana"])
                .sort(),
        );
        for (const p of patches) {
            expect(p.inputs.spec).toEqual({ template: { metadata: { annotations: { "platform.254carbon.io/sidecar-revision": REV } } } });
            expect(p.dependsOn).toContain(`${HELM}/istiod-${REV}`);
        }
    });
});
