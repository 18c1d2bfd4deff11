import * as path from "path";
import { describe, expect, it } from "vitest";
import { listStacks } from "../../offline/stack-config";
import { kubeScore, readSuppressions } from "../../validation/tools";
import { declaredObjects, objectsWithContext, requireTool } from "./tools-support";

const has = requireTool("kube-score");
const ignored = readSuppressions(path.join(__dirname, "..", "..", "validation", "kube-score-ignores.txt")).map((s) => s.code);

describe.runIf(has)("kube-score on the declared workloads", () => {
    it.each(listStacks())("stack %s: no warning or critical finding beyond the committed exceptions", async (stack) => {
        // The catalog's workloads are there so NetworkPolicies have pods to select; only our objects are judged.
        const ours = new Set((await declaredObjects(stack)).map((m) => `${m.kind} ${m.metadata.namespace ?? ""}/${m.metadata.name}`));
        const findings = kubeScore(await objectsWithContext(stack), ignored).filter((f) => ours.has(f.object));
        expect(findings.map((f) => `${f.grade} ${f.check} ${f.object}: ${f.comment}`)).toEqual([]);
    });

    it("catches a container without limits and a NetworkPolicy that selects no pod", async () => {
        const objects = await objectsWithContext("dev");
        const broken = objects.map((m) => {
            if (m.kind === "Deployment" && m.metadata.name === "kong") {
                const spec = structuredClone(m.spec) as { template: { spec: { containers: { resources?: unknown }[] } } };
                delete spec.template.spec.containers[0].resources;
                return { ...m, spec };
            }
            if (m.kind === "NetworkPolicy" && m.metadata.name === "allow-scheduler-ingress") {
                return { ...m, spec: { ...(m.spec as object), podSelector: { matchLabels: { app: "schedular" } } } };
            }
            return m;
        });
        const checks = kubeScore(broken, ignored).map((f) => `${f.check} ${f.object}`);
        expect(checks).toEqual(expect.arrayContaining([expect.stringMatching(/^container-resources Deployment kong\/kong/), expect.stringMatching(/^networkpolicy-targets-pod NetworkPolicy data-platform\/allow-scheduler-ingress/)]));
    });
});
