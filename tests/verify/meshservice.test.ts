import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../verify/context";
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

    it("FAILS on a 200 without the sidecar's headers for a service that has one, naming what answered", async () => {
        // A plain server answering 200 to everything (or a port-forward to the wrong thing) is not the mesh.
        const s = await apiAnswering({ body: { ok: true } });
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toContain("answered 200 {\"ok\":true} from a server sending no Server header, not Kong and not a sidecar: portal-services has a sidecar");
        const nginx = await apiAnswering({ body: { ok: true }, headers: { server: "nginx/1.27.0" } });
        expect((await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { kubeApi: nginx.url }))).detail).toContain('a server calling itself "nginx/1.27.0"');
    });

    it("needs no sidecar headers from a service whose pods have no sidecar", async () => {
        // The catalog with portal-services opted out of injection (sidecar: false).
        const raw = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "catalog", "services.json"), "utf8")) as { services: { name: string; sidecar?: boolean }[] };
        raw.services.find((x) => x.name === "portal-services")!.sidecar = false;
        const catalogFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalog-")), "services.json");
        fs.writeFileSync(catalogFile, JSON.stringify(raw));
        const s = await apiAnswering({ body: { ok: true } });
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url, catalogFile }));
        expect(r.status, r.detail).toBe("PASS");
        expect(r.detail).toContain("(it has no sidecar)");
    });

    it("FAILS on a sidecar's 403 through an allowed caller (--mesh-service-url), naming the sidecar", async () => {
        const viaGateway = await startServer(() => ({ status: 403, text: "RBAC: access denied", headers: { server: "istio-envoy" } }));
        servers.push(viaGateway);
        const r = await runCheck(meshServiceCheck, context({ mesh: meshOutputs() }, { meshServiceUrl: `${viaGateway.url}/api/portal/healthz` }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toContain('an Istio sidecar (server: istio-envoy), not Kong refused the probe');
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
