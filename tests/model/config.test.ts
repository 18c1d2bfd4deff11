import { describe, expect, it } from "vitest";
import { buildModel } from "../../model";
import { ConfigError } from "../../model/errors";
import { DEFAULT_ISTIO_VERSION, revisionName } from "../../model/versions";
import { baseConfig } from "../support/fixtures";

function problemsOf(config: Record<string, unknown>): { path: string; message: string; fix: string; value: unknown }[] {
    try {
        buildModel({ stack: "test", config });
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return [...(e as ConfigError).problems];
    }
    throw new Error("config was accepted");
}

describe("stack config", () => {
    it("builds the model for a minimal config", () => {
        const model = buildModel({ stack: "test", config: baseConfig() });
        expect(model.mesh.mtlsMode).toBe("PERMISSIVE");
        expect(model.mesh.active.name).toBe(revisionName(DEFAULT_ISTIO_VERSION));
        expect(model.components).toEqual({ mesh: true, gateway: true, events: true, observability: true });
    });

    it("rejects an unknown mTLS mode with the allowed values", () => {
        const [p] = problemsOf(baseConfig({ mesh: { mtls: { mode: "STRICTEST" } } }));
        expect(p.path).toBe("service-integration:mesh.mtls.mode");
        expect(p.value).toBe("STRICTEST");
        expect(p.fix).toContain("PERMISSIVE, STRICT");
    });

    it("rejects unknown top-level keys and unknown nested keys", () => {
        const paths = problemsOf(baseConfig({ mseh: {}, mesh: { mtls: { mode: "STRICT" }, tracng: {} } })).map((p) => p.path);
        expect(paths).toEqual(expect.arrayContaining(["service-integration:mseh", "service-integration:mesh.tracng"]));
    });

    it("rejects a per-namespace mTLS override for a namespace without sidecars", () => {
        const [p] = problemsOf(baseConfig({ mesh: { mtls: { mode: "PERMISSIVE", namespaces: { "istio-system": "STRICT" } } } }));
        expect(p.path).toBe("service-integration:mesh.mtls.namespaces.istio-system");
        expect(p.fix).toContain("data-platform");
    });

    it("applies per-namespace mTLS overrides on top of the mesh-wide mode", () => {
        const model = buildModel({ stack: "t", config: baseConfig({ mesh: { mtls: { mode: "PERMISSIVE", namespaces: { kong: "STRICT" } } } }) });
        expect(model.mesh.namespaceMtls).toEqual({ "data-platform": "PERMISSIVE", kong: "STRICT", monitoring: "PERMISSIVE" });
    });

    it("rejects an Istio version the program does not pin", () => {
        const [p] = problemsOf(baseConfig({ mesh: { mtls: { mode: "STRICT" }, istioVersions: ["1.20.0"] } }));
        expect(p.path).toBe("service-integration:mesh.istioVersions");
        expect(p.fix).toContain(DEFAULT_ISTIO_VERSION);
    });

    it("refuses to fall back to the ambient kubeconfig", () => {
        const problems = problemsOf(baseConfig({ kubernetes: { context: "c" } }));
        expect(problems[0].path).toBe("service-integration:kubernetes.kubeconfigPath");
        expect(problems[0].fix).toContain("pulumi config set --secret service-integration:kubeconfig");
    });

    it("accepts the kubeconfig from the secret instead of a path", () => {
        const model = buildModel({ stack: "t", config: baseConfig({ kubernetes: { context: "c" }, kubeconfig: "[secret]" }) });
        expect(model.kubernetes.kubeconfigFromSecret).toBe(true);
    });

    it("switches components off per stack", () => {
        const model = buildModel({ stack: "t", config: baseConfig({ components: { gateway: false, observability: false } }) });
        expect(model.components).toEqual({ mesh: true, gateway: false, events: true, observability: false });
    });

    it("rejects a sampling rate above 100%", () => {
        const [p] = problemsOf(baseConfig({ mesh: { mtls: { mode: "STRICT" }, tracing: { samplingPercent: 150 } } }));
        expect(p.path).toBe("service-integration:mesh.tracing.samplingPercent");
    });

    it("reports catalog problems with the catalog file named, in the same run as config problems", () => {
        const problems = problemsOf({ ...baseConfig(), protect: "yes", catalog: "catalog/services.json" });
        expect(problems.map((p) => p.path)).toEqual(["service-integration:protect"]);
        const both = (() => {
            try {
                buildModel({ stack: "t", config: { ...baseConfig(), protect: "yes" }, catalog: { namespaces: [], services: [{ name: "a", namespace: "x", port: 1 }] } });
            } catch (e) {
                return (e as ConfigError).message;
            }
            return "";
        })();
        expect(both).toMatch(/^stack t \(config, catalog \(given catalog\), topic catalog and schemas\) is invalid/);
        expect(both).toContain("(given catalog): services.a.namespace: is not a declared namespace");
        expect(both).toContain("service-integration:protect: must be true or false");
    });
});
