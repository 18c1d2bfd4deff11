import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { recordResources, settle } from "../support/pulumi";
import { CR, SCHEMAS, TOKEN, catalog } from "./component-cases";
import { DEV_CONFIG, SEED_TOPICS, parseModel } from "./fixtures";

describe("Observability component input checks", () => {
    it("refuses a STRICT namespace the catalog does not have, before declaring anything", async () => {
        const resources = recordResources("dev");
        const { Observability } = await import("../../components/observability");
        const kubernetes = new k8s.Provider("k8s-bad", { kubeconfig: "unused" });
        expect(
            () => new Observability("obs-bad", { model: parseModel(DEV_CONFIG), catalog, grafanaAuth: TOKEN, kubernetes, strictNamespaces: ["data-platfrom"], topics: SEED_TOPICS }),
        ).toThrow(/strictNamespaces\[0\]: is not a namespace of the service catalog \(found "data-platfrom"\)/);
        await settle();
        expect(resources.filter((r) => r.type.startsWith("grafana:") || r.type.startsWith(CR))).toEqual([]);
    });

    it("proves the schema check can fail: a ServiceMonitor endpoint with a bad interval is rejected", () => {
        const bad = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "x" }, spec: { selector: {}, endpoints: [{ port: "status", interval: "5 minutes" }] } };
        expect(() => new SCHEMAS.ServiceMonitor(bad).validate()).toThrow();
    });
});
