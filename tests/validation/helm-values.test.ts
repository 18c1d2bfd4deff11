import { describe, expect, it } from "vitest";
import { listStacks } from "../../offline/stack-config";
import { checkValues } from "../../validation/helm-values";
import { evaluateStack } from "../support/stack";

const HELM = "kubernetes:helm.sh/v3:Release";

describe("Helm values against the keys each chart version documents", () => {
    it.each(listStacks())("stack %s passes only documented values", async (stack) => {
        const { resources } = await evaluateStack(stack);
        const releases = resources.filter((r) => r.type === HELM);
        expect(releases.length).toBeGreaterThan(0);
        const findings = releases.flatMap((r) => checkValues(String(r.inputs.name), String(r.inputs.chart), String(r.inputs.version), r.inputs.values));
        expect(findings.map((f) => `${f.release}: ${f.message}`)).toEqual([]);
    });

    it("catches a value key the chart version does not have (the pre-1.24 pilot.* prefix)", () => {
        const findings = checkValues("istiod-1-28-3", "istiod", "1.28.3", { revision: "1-28-3", pilot: { replicaCount: 2 } });
        expect(findings).toHaveLength(1);
        expect(findings[0].key).toBe("pilot.replicaCount");
        expect(findings[0].message).toContain("is not a value chart istiod 1.28.3 documents");
    });

    it("catches a misspelled nested key and lists its documented siblings", () => {
        const [finding] = checkValues("kiali-server", "kiali-server", "2.17.0", { deployment: { image_verison: "v2.17.0" } });
        expect(finding.key).toBe("deployment.image_verison");
        expect(finding.message).toContain("image_version");
    });

    it("refuses a chart version with no documented key list", () => {
        const [finding] = checkValues("istiod-x", "istiod", "9.9.9", { revision: "x" });
        expect(finding.message).toContain("no documented key list for chart istiod 9.9.9");
    });
});
