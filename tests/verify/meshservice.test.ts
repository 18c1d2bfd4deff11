import { afterEach, describe, expect, it } from "vitest";
import { meshServiceCheck } from "../../verify/checks";
import { runCheck } from "../../verify/runner";
import { FakeServer, context, deadUrl, kubeStatus, meshOutputs, routes, startServer } from "./support";

const servers: FakeServer[] = [];
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The API server's service-proxy path for portal-services (catalog: data-platform, port 8080, /healthz). */
const PROXY = "/api/v1/namespaces/data-platform/services/portal-services:8080/proxy/healthz";

async function apiAnswering(reply: Parameters<typeof routes>[0][string]): Promise<FakeServer> {
    const s = await startServer(routes({ [PROXY]: reply }));
    servers.push(s);
    return s;
}

describe("mesh-service check", () => {
    it("passes when portal-services answers /healthz through its sidecar (API server service proxy)", async () => {
        const s = await apiAnswering({ body: { ok: true, services: 9 }, headers: { "x-envoy-upstream-service-time": "3" } });
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain('data-platform/portal-services:8080/healthz answered 200 {"ok":true,"services":9} through its sidecar');
        expect(s.requests[0].url).toBe(PROXY);
    });

    it("passes but notes when no Envoy header shows the answer crossed a sidecar", async () => {
        const s = await apiAnswering({ body: { ok: true } });
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain("may not have crossed a sidecar");
    });

    it("fails when the app answers an error", async () => {
        const s = await apiAnswering({ status: 500, body: { ok: false, error: "database unavailable" } });
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toContain("answered 500");
    });

    it("fails when the Service has no ready endpoint", async () => {
        const s = await apiAnswering({ status: 503, body: kubeStatus(503, "ServiceUnavailable", 'no endpoints available for service "portal-services"') });
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toContain("no ready endpoint");
    });

    it("reports ERROR, not PASS or FAIL, when the mesh's default-deny refuses the identity-less API server", async () => {
        // Envoy's RBAC filter answers 403 with this plain-text body.
        const s = await apiAnswering({ status: 403, text: "RBAC: access denied" });
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("ERROR");
        expect(r.action).toContain("--mesh-service-url");
    });

    it("reports ERROR when a STRICT sidecar resets the API server's plaintext connection", async () => {
        const s = await apiAnswering({ status: 503, body: kubeStatus(503, "ServiceUnavailable", "error trying to reach service: read tcp 10.0.0.1:41234->10.244.1.6:8080: read: connection reset by peer") });
        const strict = await runCheck(meshServiceCheck, context({ mesh: meshOutputs("STRICT") }, { kubeApi: s.url }));
        expect(strict.status).toBe("ERROR");
        expect(strict.detail).toContain("STRICT mTLS");
        const permissive = await runCheck(meshServiceCheck, context({ mesh: meshOutputs("PERMISSIVE") }, { kubeApi: s.url }));
        expect(permissive.status).toBe("FAIL");
    });

    it("uses --mesh-service-url when given, and reports ERROR when it is unreachable", async () => {
        const direct = await startServer(routes({ "/api/portal/healthz": { body: { ok: true }, headers: { "x-envoy-upstream-service-time": "5" } } }));
        servers.push(direct);
        const ok = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { meshServiceUrl: `${direct.url}/api/portal/healthz` }));
        expect(ok.status).toBe("PASS");
        const dead = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { meshServiceUrl: `${await deadUrl()}/healthz` }));
        expect(dead.status).toBe("ERROR");
        expect(dead.detail).toContain("connection refused");
    });

    it("reports ERROR for a service the catalog does not have", async () => {
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { meshService: "no-such-service", kubeApi: "http://127.0.0.1:1" }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("no service named no-such-service");
    });
});
