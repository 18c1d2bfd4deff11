import { afterEach, describe, expect, it } from "vitest";
import { mtlsCheck } from "../../verify/checks";
import { runCheck } from "../../verify/runner";
import { FakeServer, context, deadUrl, meshOutputs, peerAuthentication, peerAuthenticationList, routes, startServer } from "./support";

const servers: FakeServer[] = [];
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

const PA = (ns: string): string => `/apis/security.istio.io/v1/namespaces/${ns}/peerauthentications`;

/** What the mesh component declares: mesh-wide + one `default` per injected namespace + kong's plaintext-port exception. */
function declared(mode: string, overrides: Record<string, Record<string, unknown>[]> = {}): ReturnType<typeof routes> {
    const lists: Record<string, Record<string, unknown>[]> = {
        "istio-system": [peerAuthentication("default", "istio-system", { mtls: { mode } })],
        "data-platform": [peerAuthentication("default", "data-platform", { mtls: { mode } })],
        kong: [
            peerAuthentication("default", "kong", { mtls: { mode } }),
            peerAuthentication("kong-proxy-plaintext-ports", "kong", { selector: { matchLabels: { app: "kong" } }, mtls: { mode }, portLevelMtls: { "8000": { mode: "PERMISSIVE" }, "8443": { mode: "PERMISSIVE" } } }),
        ],
        monitoring: [peerAuthentication("default", "monitoring", { mtls: { mode } })],
        ...overrides,
    };
    return routes(Object.fromEntries(Object.entries(lists).map(([ns, items]) => [PA(ns), { body: peerAuthenticationList(items) }])));
}

describe("mtls-mode check", () => {
    it("passes when every namespace's effective mode matches (STRICT, with the catalog's plaintext ports)", async () => {
        const s = await startServer(declared("STRICT"));
        servers.push(s);
        const r = await runCheck(mtlsCheck, context({ mesh: meshOutputs("STRICT") }, { kubeApi: s.url }));
        expect(r.status).toBe("PASS");
        expect(r.items).toContain("kong/kong-proxy-plaintext-ports: port 8000 PERMISSIVE (declared plaintextPorts of app kong)");
    });

    it("fails when a namespace's mode differs from the stack's", async () => {
        const s = await startServer(declared("STRICT", { monitoring: [peerAuthentication("default", "monitoring", { mtls: { mode: "PERMISSIVE" } })] }));
        servers.push(s);
        const r = await runCheck(mtlsCheck, context({ mesh: meshOutputs("STRICT") }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toBe("monitoring: PERMISSIVE (policy default), expected STRICT");
    });

    it("resolves inheritance: no namespace policy (or UNSET) takes the mesh-wide mode; none at all is PERMISSIVE", async () => {
        const s = await startServer(declared("STRICT", { "data-platform": [], kong: [peerAuthentication("default", "kong", { mtls: { mode: "UNSET" } })] }));
        servers.push(s);
        const r = await runCheck(mtlsCheck, context({ mesh: meshOutputs("STRICT") }, { kubeApi: s.url }));
        expect(r.status).toBe("PASS");
        expect(r.items).toContain("data-platform: STRICT (inherited from mesh-wide)");

        const bare = await startServer(routes({}));
        servers.push(bare);
        // No policies anywhere (lists 404 → the CRD is not served) is its own failure.
        const none = await runCheck(mtlsCheck, context({ mesh: meshOutputs("STRICT") }, { kubeApi: bare.url }));
        expect(none.status).toBe("FAIL");
        expect(none.detail).toContain("does not serve security.istio.io/v1 PeerAuthentications");

        const empty = await startServer(declared("STRICT", { "istio-system": [], "data-platform": [], kong: [], monitoring: [] }));
        servers.push(empty);
        const permissive = await runCheck(mtlsCheck, context({ mesh: meshOutputs("STRICT") }, { kubeApi: empty.url }));
        expect(permissive.status).toBe("FAIL");
        expect(permissive.items).toContain("mesh-wide (istio-system, no policy): PERMISSIVE, expected STRICT");
    });

    it("applies the oldest of several namespace-wide policies, as Istio does", async () => {
        const s = await startServer(
            declared("STRICT", {
                "data-platform": [
                    peerAuthentication("newer", "data-platform", { mtls: { mode: "STRICT" } }, "2025-10-23T00:00:00Z"),
                    peerAuthentication("older", "data-platform", { mtls: { mode: "PERMISSIVE" } }, "2025-10-01T00:00:00Z"),
                ],
            }),
        );
        servers.push(s);
        const r = await runCheck(mtlsCheck, context({ mesh: meshOutputs("STRICT") }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toBe("data-platform: PERMISSIVE (policy older), expected STRICT");
    });

    it("fails on a workload policy that opens an undeclared port in a STRICT namespace", async () => {
        const s = await startServer(
            declared("STRICT", {
                "data-platform": [
                    peerAuthentication("default", "data-platform", { mtls: { mode: "STRICT" } }),
                    peerAuthentication("debug-port", "data-platform", { selector: { matchLabels: { app: "portal-services" } }, portLevelMtls: { "9229": { mode: "DISABLE" } } }),
                ],
            }),
        );
        servers.push(s);
        const r = await runCheck(mtlsCheck, context({ mesh: meshOutputs("STRICT") }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toBe("data-platform/debug-port: port 9229 DISABLE in a STRICT namespace, not a declared plaintextPort");
    });

    it("reports ERROR when the Kubernetes API is unreachable", async () => {
        const r = await runCheck(mtlsCheck, context({ mesh: meshOutputs() }, { kubeApi: await deadUrl() }));
        expect(r.status).toBe("ERROR");
    });
});
