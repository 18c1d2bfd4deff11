import { describe, expect, it } from "vitest";
import { evaluateStack } from "../support/stack";

describe("component switches", () => {
    it("declares no mesh resources and no injection labels when the mesh is off", async () => {
        const { resources, outputs } = await evaluateStack("dev", { components: { mesh: false, gateway: false, events: false, observability: false } });
        expect(resources.some((r) => String(r.inputs.apiVersion).includes("istio.io"))).toBe(false);
        expect(resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release")).toBe(false);
        const namespaces = resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        expect(namespaces).toHaveLength(4);
        for (const ns of namespaces) {
            expect((ns.inputs.metadata as { labels: Record<string, string> }).labels["istio.io/rev"]).toBeUndefined();
        }
        expect(outputs.mesh).toBeUndefined();
    });
});
