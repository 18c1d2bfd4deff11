import { beforeAll, describe, expect, it } from "vitest";
import { DeclaredResource } from "../../offline/evaluate";
import { DEFAULT_ISTIO_VERSION, revisionName } from "../../model/versions";
import { evaluateStack, find, manifests, spec } from "../support/stack";

let resources: readonly DeclaredResource[];

beforeAll(async () => {
    ({ resources } = await evaluateStack("prod"));
});

describe("mesh on prod", () => {
    it("is STRICT mesh-wide and in every injected namespace", () => {
        expect(spec(find(resources, "PeerAuthentication", "istio-system", "default"))).toEqual({ mtls: { mode: "STRICT" } });
        for (const ns of ["data-platform", "kong", "monitoring"]) {
            expect(spec(find(resources, "PeerAuthentication", ns, "default"))).toEqual({ mtls: { mode: "STRICT" } });
        }
    });

    it("keeps only the declared plaintext ports PERMISSIVE, workload by workload", () => {
        const kong = spec<{ selector: unknown; mtls: unknown; portLevelMtls: unknown }>(find(resources, "PeerAuthentication", "kong", "kong-proxy-plaintext-ports"));
        expect(kong).toEqual({
            selector: { matchLabels: { app: "kong" } },
            mtls: { mode: "STRICT" },
            portLevelMtls: { "8000": { mode: "PERMISSIVE" }, "8443": { mode: "PERMISSIVE" } },
        });
        const exceptions = manifests(resources, "PeerAuthentication").filter((m) => (m.spec as { portLevelMtls?: unknown }).portLevelMtls !== undefined);
        // Kong's external database has no in-cluster workload; Prometheus keeps 9090 PERMISSIVE for Kiali (no sidecar).
        expect(exceptions.map((m) => m.metadata.name).sort()).toEqual(["grafana-plaintext-ports", "kong-proxy-plaintext-ports", "prometheus-plaintext-ports"]);
    });

    it("runs two istiod replicas and protects the namespaces", () => {
        const istiod = resources.find((r) => r.name === `istiod-${revisionName(DEFAULT_ISTIO_VERSION)}`)!;
        expect((istiod.inputs.values as { replicaCount: number }).replicaCount).toBe(2);
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(provider.inputs.context).toBe("254carbon-prod");
    });
});

describe("authorization in prod", () => {
    it("no AuthorizationPolicy allows every source to every port", () => {
        for (const ap of manifests(resources, "AuthorizationPolicy")) {
            const rules = (ap.spec as { rules?: { from?: unknown; to?: { operation: { ports?: string[] } }[] }[] }).rules ?? [];
            for (const rule of rules) {
                // A rule without `from` must be narrowed to specific ports.
                if (rule.from === undefined) {
                    expect(rule.to?.[0].operation.ports?.length, ap.metadata.name).toBeGreaterThan(0);
                }
            }
        }
    });
});
