import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { inventory, readStackConfig, runPlan, writePlan } from "../../offline/plan";
import { planSections } from "../../offline/sections";
import { DEFAULT_ISTIO_VERSION, revisionName } from "../../model/versions";

describe("offline plan", () => {
    it("evaluates index.ts for a stack and writes Kubernetes YAML, Helm releases and outputs", async () => {
        const plan = await runPlan(readStackConfig("prod"));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
        const files = writePlan(plan, dir, planSections);
        expect(files).toEqual(expect.arrayContaining(["kubernetes/mesh.yaml", "kubernetes/namespaces.yaml", `helm/istiod-${revisionName(DEFAULT_ISTIO_VERSION)}.yaml`, "outputs.json", "inventory.txt"]));

        const mesh = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, "kubernetes/mesh.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string }; spec: any });
        const strict = mesh.find((m) => m.kind === "PeerAuthentication" && m.metadata.namespace === "istio-system");
        expect(strict?.spec).toEqual({ mtls: { mode: "STRICT" } });

        const istiod = YAML.parse(fs.readFileSync(path.join(dir, `helm/istiod-${revisionName(DEFAULT_ISTIO_VERSION)}.yaml`), "utf8"));
        expect(istiod).toMatchObject({ chart: "istiod", version: DEFAULT_ISTIO_VERSION, namespace: "istio-system", values: { revision: revisionName(DEFAULT_ISTIO_VERSION) } });

        const text = inventory(plan);
        expect(text).toMatch(/^stack prod: \d+ resources/);
        expect(text).toMatch(/mesh \(\d+\)/);
        expect(text).toMatch(/\d+ {2}PeerAuthentication \(security\.istio\.io\/v1\)/);
        const outputs = fs.readFileSync(path.join(dir, "outputs.json"), "utf8");
        expect(JSON.parse(outputs).mesh.mtlsMode).toBe("STRICT");
        // Secret outputs are resolved to the placeholder, not serialized through Output.toJSON's warning text.
        expect(JSON.parse(outputs).gateway.jwtSecrets).toBe("[redacted]");
        expect(outputs).not.toContain("toJSON");
        expect(JSON.parse(fs.readFileSync(path.join(dir, ".plan-files.json"), "utf8"))).toEqual(files);
    });
});
