import * as path from "path";
import { describe, expect, it } from "vitest";
import { listStacks } from "../../offline/stack-config";
import { istioctlAnalyze, readSuppressions } from "../../validation/tools";
import { objectsWithContext, requireTool } from "./tools-support";

const has = requireTool("istioctl");
const suppressions = readSuppressions(path.join(__dirname, "..", "..", "validation", "istioctl-suppressions.txt"));

describe.runIf(has)("istioctl analyze --use-kube=false", () => {
    it.each(listStacks())("stack %s: no finding but the suppressed ones", async (stack) => {
        const { messages } = istioctlAnalyze(await objectsWithContext(stack));
        const open = messages.filter((m) => !suppressions.some((s) => s.code === m.code && (s.resource === "*" || m.resource.includes(s.resource))));
        expect(open.map((m) => `${m.level} ${m.code} ${m.resource}: ${m.message}`)).toEqual([]);
    });

    it("catches a VirtualService bound to a Gateway that does not exist", async () => {
        const objects = await objectsWithContext("dev");
        const broken = objects.map((m) =>
            m.kind === "VirtualService" && m.metadata.name === "scheduler" ? { ...m, spec: { ...(m.spec as object), gateways: ["data-platform/public-gateway"] } } : m,
        );
        const { messages } = istioctlAnalyze(broken);
        expect(messages.filter((m) => m.code === "IST0101").map((m) => m.resource)).toEqual([expect.stringContaining("VirtualService data-platform/scheduler")]);
    });

    it("catches a route to a subset no DestinationRule defines", async () => {
        const objects = await objectsWithContext("dev");
        const broken = objects.map((m) =>
            m.kind === "VirtualService" && m.metadata.name === "lineage-service"
                ? { ...m, spec: { hosts: ["lineage-service.data-platform.svc.cluster.local"], http: [{ route: [{ destination: { host: "lineage-service.data-platform.svc.cluster.local", subset: "canary" } }] }] } }
                : m,
        );
        const { messages } = istioctlAnalyze(broken);
        expect(messages.filter((m) => m.code === "IST0101").map((m) => m.resource)).toEqual([expect.stringContaining("VirtualService data-platform/lineage-service")]);
    });

    it("catches a Sidecar listing the same egress host twice", async () => {
        const objects = await objectsWithContext("dev");
        const broken = objects.map((m) =>
            m.kind === "Sidecar" && m.metadata.namespace === "kong" ? { ...m, spec: { egress: [{ hosts: ["./*", "istio-system/*", "istio-system/*"] }] } } : m,
        );
        const { messages } = istioctlAnalyze(broken);
        expect(messages.map((m) => m.code)).toContain("IST0133");
    });
});
