import { describe, expect, it } from "vitest";
import { prodMeshWideMtlsStrict, prodMtlsStrict } from "../rules/mtls";
import { isUnknownValueError } from "../rules/values";
import { ResourceInput, runResourcePolicy, runStackPolicy, UNKNOWN } from "./support/policy";

const PA = "kubernetes:security.istio.io/v1:PeerAuthentication";
const PROD = { config: { environment: "prod" } };
const DEV = { config: { environment: "dev" } };

function pa(namespace: string, name: string, spec: Record<string, unknown>, type = PA): ResourceInput {
    return { type, props: { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name, namespace }, spec } };
}
const strict = { mtls: { mode: "STRICT" } };
const kongProxyPlaintext = { selector: { matchLabels: { app: "kong" } }, mtls: { mode: "STRICT" }, portLevelMtls: { "8000": { mode: "PERMISSIVE" }, "8443": { mode: "PERMISSIVE" } } };

describe("prod-mtls-strict (validateResource)", () => {
    it("passes mesh-wide, namespace and workload-selector policies that are STRICT, with PERMISSIVE plaintext ports on a selector policy", async () => {
        for (const input of [pa("istio-system", "default", strict), pa("kong", "default", strict), pa("kong", "kong-proxy-plaintext-ports", kongProxyPlaintext)]) {
            expect((await runResourcePolicy(prodMtlsStrict, input, PROD)).violations).toEqual([]);
        }
    });

    it("rejects PERMISSIVE, DISABLE, UNSET and a missing mode in production", async () => {
        for (const mode of ["PERMISSIVE", "DISABLE", "UNSET"]) {
            const out = await runResourcePolicy(prodMtlsStrict, pa("kong", "default", { mtls: { mode } }), PROD);
            expect(out.violations).toEqual([expect.stringContaining(`PeerAuthentication kong/default: spec.mtls.mode is ${mode}; production requires STRICT`)]);
        }
        const missing = await runResourcePolicy(prodMtlsStrict, pa("kong", "default", {}), PROD);
        expect(missing.violations).toEqual([expect.stringContaining("spec.mtls.mode is not set (inherits; PERMISSIVE unless a parent policy is STRICT)")]);
    });

    it("rejects a PERMISSIVE port on a policy without a workload selector, and a DISABLE port anywhere", async () => {
        const nsWide = await runResourcePolicy(prodMtlsStrict, pa("kong", "default", { mtls: { mode: "STRICT" }, portLevelMtls: { "8000": { mode: "PERMISSIVE" } } }), PROD);
        expect(nsWide.violations).toEqual([expect.stringContaining('spec.portLevelMtls["8000"].mode is PERMISSIVE in a policy without a workload selector')]);
        const emptySelector = await runResourcePolicy(prodMtlsStrict, pa("kong", "x", { selector: { matchLabels: {} }, mtls: { mode: "STRICT" }, portLevelMtls: { "8000": { mode: "PERMISSIVE" } } }), PROD);
        expect(emptySelector.violations).toHaveLength(1);
        const disabled = await runResourcePolicy(prodMtlsStrict, pa("kong", "kong-proxy-plaintext-ports", { ...kongProxyPlaintext, portLevelMtls: { "8000": { mode: "DISABLE" } } }), PROD);
        expect(disabled.violations).toEqual([expect.stringContaining('spec.portLevelMtls["8000"].mode is DISABLE')]);
    });

    it("checks the v1beta1 API too and ignores other resource types", async () => {
        const beta = await runResourcePolicy(prodMtlsStrict, pa("kong", "default", { mtls: { mode: "PERMISSIVE" } }, "kubernetes:security.istio.io/v1beta1:PeerAuthentication"), PROD);
        expect(beta.violations).toHaveLength(1);
        const other = await runResourcePolicy(prodMtlsStrict, { type: "kubernetes:core/v1:Namespace", props: { spec: { mtls: { mode: "PERMISSIVE" } } } }, PROD);
        expect(other).toEqual({ violations: [], urns: [] });
    });

    it("is not applicable outside production: environment from the pack config wins over the stack name", async () => {
        const permissive = pa("kong", "default", { mtls: { mode: "PERMISSIVE" } });
        const dev = await runResourcePolicy(prodMtlsStrict, { ...permissive, stack: "prod" }, DEV);
        expect(dev.violations).toEqual([]);
        expect(dev.notApplicable).toContain('environment is "dev"');
        const prodByConfig = await runResourcePolicy(prodMtlsStrict, { ...permissive, stack: "dev" }, PROD);
        expect(prodByConfig.violations).toHaveLength(1);
    });

    it("without config, decides production by the stack name in the URN (prodStackPattern, default ^prod...)", async () => {
        const permissive = pa("kong", "default", { mtls: { mode: "PERMISSIVE" } });
        for (const stack of ["prod", "production", "prod-eu"]) {
            expect((await runResourcePolicy(prodMtlsStrict, { ...permissive, stack })).violations).toHaveLength(1);
        }
        for (const stack of ["dev", "staging", "product-demo"]) {
            const out = await runResourcePolicy(prodMtlsStrict, { ...permissive, stack });
            expect(out.violations).toEqual([]);
            expect(out.notApplicable).toContain(`stack "${stack}" does not match`);
        }
        const custom = await runResourcePolicy(prodMtlsStrict, { ...permissive, stack: "live" }, { config: { prodStackPattern: "^live$" } });
        expect(custom.violations).toHaveLength(1);
    });

    it("during preview: an unknown namespace still yields the violation; an unknown mode defers to the framework (UnknownValueError)", async () => {
        const computedNs = await runResourcePolicy(prodMtlsStrict, { type: PA, name: "pa-kong", props: { metadata: { name: "default", namespace: UNKNOWN.string }, spec: { mtls: { mode: "PERMISSIVE" } } } }, PROD);
        expect(computedNs.violations).toEqual([expect.stringContaining("PeerAuthentication <computed>/default: spec.mtls.mode is PERMISSIVE")]);
        const deferred = await runResourcePolicy(prodMtlsStrict, { type: PA, props: { metadata: { name: "default", namespace: "kong" }, spec: { mtls: { mode: UNKNOWN.string } } } }, PROD).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(isUnknownValueError(deferred)).toBe(true);
        expect(String(deferred)).toContain(".spec.mtls.mode can't be known during preview");
    });
});

describe("prod-mesh-wide-mtls-strict (validateStack)", () => {
    const istiod: ResourceInput = { type: "kubernetes:helm.sh/v3:Release", name: "istiod-1-28-3", props: { chart: "istiod", values: {} } };

    it("passes a stack with a STRICT mesh-wide policy in the root namespace", async () => {
        const out = await runStackPolicy(prodMeshWideMtlsStrict, [istiod, pa("istio-system", "default", strict), pa("kong", "default", strict)], PROD);
        expect(out).toEqual({ violations: [], urns: [] });
    });

    it("rejects a production mesh without a mesh-wide policy (a selector policy in the root namespace does not count)", async () => {
        const out = await runStackPolicy(prodMeshWideMtlsStrict, [istiod, pa("kong", "default", strict), pa("istio-system", "ingress", { ...strict, selector: { matchLabels: { app: "x" } } })], PROD);
        expect(out.violations).toEqual([expect.stringContaining("no mesh-wide PeerAuthentication: production needs one in namespace istio-system")]);
    });

    it("rejects a PERMISSIVE mesh-wide policy and reports it against that resource's URN", async () => {
        const meshWide = pa("istio-system", "default", { mtls: { mode: "PERMISSIVE" } });
        const out = await runStackPolicy(prodMeshWideMtlsStrict, [istiod, meshWide], PROD);
        expect(out.violations).toEqual([expect.stringContaining("PeerAuthentication istio-system/default is the mesh-wide policy but its mtls.mode is PERMISSIVE")]);
        expect(out.urns).toEqual(["urn:pulumi:prod::service-integration::kubernetes:security.istio.io/v1:PeerAuthentication::default"]);
    });

    it("honours meshRootNamespace, and is not applicable without Istio or outside production", async () => {
        const custom = await runStackPolicy(prodMeshWideMtlsStrict, [istiod, pa("mesh-root", "default", strict)], { config: { environment: "prod", meshRootNamespace: "mesh-root" } });
        expect(custom.violations).toEqual([]);
        const noIstio = await runStackPolicy(prodMeshWideMtlsStrict, [{ type: "kafka:index/topic:Topic", props: { name: "t" } }], PROD);
        expect(noIstio.notApplicable).toBe("the stack declares no Istio resources");
        const dev = await runStackPolicy(prodMeshWideMtlsStrict, [istiod], DEV);
        expect(dev.notApplicable).toContain("not a production stack");
    });
});
