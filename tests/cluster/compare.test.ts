import { describe, expect, it } from "vitest";
import { declaredFieldDifferences } from "./compare";

describe("declared fields against the live object", () => {
    const live = {
        metadata: { name: "kong", namespace: "kong", labels: { app: "kong" }, uid: "x" },
        spec: { replicas: 2, template: { spec: { containers: [{ name: "kong", resources: { limits: { cpu: "1", memory: "1Gi" } } }] } } },
        status: { replicas: 2 },
    };

    it("accepts a live object holding every declared field (server defaults and quantities normalised)", () => {
        const declared = { metadata: { name: "kong", namespace: "kong", labels: { app: "kong" } }, spec: { replicas: 2, template: { spec: { containers: [{ name: "kong", resources: { limits: { cpu: "1000m", memory: "1024Mi" } } }] } } } };
        expect(declaredFieldDifferences(declared, live)).toEqual([]);
    });

    it("names a field the server holds differently, and one it lacks", () => {
        const declared = { metadata: { name: "kong", labels: { app: "kong", tier: "edge" } }, spec: { replicas: 3 } };
        expect(declaredFieldDifferences(declared, live)).toEqual(['metadata.labels.tier: declared "edge", the server has undefined', "spec.replicas: declared 3, the server has 2"]);
    });

    it("an empty declared map or list is what the server drops", () => {
        expect(declaredFieldDifferences({ metadata: { annotations: {} }, spec: { template: { spec: { containers: [{ name: "kong", env: [] }] } } } }, live)).toEqual([]);
        expect(declaredFieldDifferences({ metadata: { annotations: { a: "b" } } }, live)).toEqual(["metadata.annotations: declared an object, the server has undefined"]);
    });

    it("skips secret values and Secret stringData, which the server never returns", () => {
        expect(declaredFieldDifferences({ stringData: { password: "x" }, metadata: { name: "[redacted]" } }, live)).toEqual([]);
    });
});
