import { describe, expect, it } from "vitest";
import { buildModel } from "../../model";
import { declareMesh } from "../../components/mesh";
import { ISTIO_RELEASES } from "../../model/versions";
import { baseConfig, defaultCatalog } from "../support/fixtures";
import { parseCatalog } from "../../model/catalog";

const catalog = parseCatalog(defaultCatalog(), "catalog/services.json");

describe("mesh declaration variants", () => {
    it("migrates PERMISSIVE → STRICT one namespace at a time", () => {
        const model = buildModel({ stack: "t", config: baseConfig({ mesh: { mtls: { mode: "PERMISSIVE", namespaces: { "data-platform": "STRICT" } } } }) });
        const pas = declareMesh(model.mesh, catalog).istioResources.filter((m) => m.kind === "PeerAuthentication" && m.metadata.name === "default");
        const modes = Object.fromEntries(pas.map((m) => [m.metadata.namespace, (m.spec as { mtls: { mode: string } }).mtls.mode]));
        expect(modes).toEqual({ "istio-system": "PERMISSIVE", "data-platform": "STRICT", kong: "PERMISSIVE", monitoring: "PERMISSIVE" });
    });

    it("runs a canary istiod beside the active one, with the tag on the active revision only", () => {
        // A canary needs two pinned releases; simulate a second one the way model/versions.ts would list it.
        const canary = { ...ISTIO_RELEASES["1.28.3"], version: "1.29.0" };
        (ISTIO_RELEASES as Record<string, typeof canary>)["1.29.0"] = canary;
        try {
            const model = buildModel({ stack: "t", config: baseConfig({ mesh: { mtls: { mode: "STRICT" }, istioVersions: ["1.28.3", "1.29.0"], activeVersion: "1.28.3" } }) });
            const releases = declareMesh(model.mesh, catalog).releases;
            expect(releases.istiod.map((r) => [r.name, (r.values as { revisionTags: string[] }).revisionTags])).toEqual([
                ["istiod-1-28-3", ["stable"]],
                ["istiod-1-29-0", []],
            ]);
            expect(releases.base.version).toBe("1.28.3");
            // Switching the tag is a config change: the active version moves, the tag follows.
            const moved = buildModel({ stack: "t", config: baseConfig({ mesh: { mtls: { mode: "STRICT" }, istioVersions: ["1.28.3", "1.29.0"], activeVersion: "1.29.0" } }) });
            const after = declareMesh(moved.mesh, catalog).releases;
            expect(after.istiod.map((r) => (r.values as { revisionTags: string[] }).revisionTags)).toEqual([[], ["stable"]]);
            expect(after.base.values).toEqual({ defaultRevision: "1-29-0" });
        } finally {
            delete (ISTIO_RELEASES as Record<string, unknown>)["1.29.0"];
        }
    });

    it("rejects an active version that is not installed", () => {
        expect(() => buildModel({ stack: "t", config: baseConfig({ mesh: { mtls: { mode: "STRICT" }, activeVersion: "1.29.0" } }) })).toThrow(/mesh\.activeVersion: is not one of istioVersions/);
    });

    it("declares identical resources on two evaluations (no random names or timestamps)", () => {
        const model = buildModel({ stack: "t", config: baseConfig() });
        expect(JSON.stringify(declareMesh(model.mesh, catalog))).toBe(JSON.stringify(declareMesh(model.mesh, catalog)));
    });
});
