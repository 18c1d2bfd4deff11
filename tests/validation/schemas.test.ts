import { describe, expect, it } from "vitest";
import { Manifest } from "../../model/wellknown";
import { isKubernetesObject, kubernetesManifest } from "../../offline/plan";
import { listStacks } from "../../offline/stack-config";
import { validateManifest, validateManifests } from "../../validation/kubernetes-schemas";
import { evaluateStack } from "../support/stack";

describe("every declared Kubernetes object against upstream schemas", () => {
    it.each(listStacks())("stack %s: no schema violation, unknown field or unknown kind", async (stack) => {
        const { resources } = await evaluateStack(stack);
        // Server-side-apply patches are partial objects by design; their target's schema cannot apply whole.
        const objects = resources.filter((r) => isKubernetesObject(r) && !r.type.endsWith("Patch")).map((r) => kubernetesManifest(r) as unknown as Manifest);
        expect(objects.length).toBeGreaterThan(50);
        const findings = await validateManifests(objects);
        expect(findings.map((f) => `${f.object}: ${f.message}`)).toEqual([]);
    });
});

describe("the schema check catches broken objects", () => {
    const dr: Manifest = {
        apiVersion: "networking.istio.io/v1",
        kind: "DestinationRule",
        metadata: { name: "portal-services", namespace: "data-platform" },
        spec: { host: "portal-services.data-platform.svc.cluster.local", trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5 } } },
    };

    it("accepts a correct DestinationRule", async () => {
        expect(await validateManifest(dr)).toEqual([]);
    });

    it("names a misspelled field in a DestinationRule", async () => {
        const broken = { ...dr, spec: { host: "x", trafficPolicy: { outlierDetection: { consecutive5xxErrorz: 5 } } } };
        const findings = await validateManifest(broken);
        expect(findings).toEqual([
            {
                object: "DestinationRule data-platform/portal-services (networking.istio.io/v1)",
                field: "spec.trafficPolicy.outlierDetection.consecutive5xxErrorz",
                message: "spec.trafficPolicy.outlierDetection.consecutive5xxErrorz is not a field of DestinationRule networking.istio.io/v1",
            },
        ]);
    });

    it("names a value outside the schema's enum", async () => {
        const broken = { ...dr, spec: { host: "x", trafficPolicy: { loadBalancer: { simple: "FASTEST" } } } };
        const [finding] = await validateManifest(broken);
        expect(finding.field).toBe("spec.trafficPolicy.loadBalancer.simple");
    });

    it("rejects a kind with no upstream schema (e.g. a wrong API version)", async () => {
        const [finding] = await validateManifest({ ...dr, apiVersion: "networking.istio.io/v2" });
        expect(finding.message).toBe("no upstream schema for networking.istio.io/v2 DestinationRule");
    });

    it("catches a misspelled field in a core object", async () => {
        const [finding] = await validateManifest({ apiVersion: "v1", kind: "Service", metadata: { name: "kong-status", namespace: "kong" }, spec: { type: "ClusterIP", ports: [{ port: 8100, targetPrt: 8100 }] } });
        expect(finding.field).toBe("spec.ports.0.targetPrt");
    });
});
