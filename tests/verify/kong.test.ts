import { afterEach, describe, expect, it } from "vitest";
import { kongRouteCheck, kongStatusCheck } from "../../verify/checks";
import { runCheck } from "../../verify/runner";
import { kongReplicasCheck } from "../../verify/checks/kong";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { VerifyContext } from "../../verify/context";
import { FakeServer, context as baseContext, deadUrl, kongOwn, kongProxied, kongStatus, kubeStatus, routes, startServer } from "./support";

/**
 * Without an Admin API URL verify port-forwards with the kubeconfig; tests never fall back to the machine's own
 * (~/.kube/config): a context names one, by default one that does not exist.
 */
const context = (outputs: Record<string, unknown>, overrides: Parameters<typeof baseContext>[1] = {}): VerifyContext => baseContext(outputs, { kubeconfig: "/nonexistent/kubeconfig", ...overrides });

const tmpDirs: string[] = [];
afterEach(() => {
    for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A kubeconfig file for a stand-in API server at `server`. */
function kubeconfigFile(server: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-kong-"));
    tmpDirs.push(dir);
    const file = path.join(dir, "kubeconfig");
    fs.writeFileSync(file, ["apiVersion: v1", "kind: Config", `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`, "users: [{name: u, user: {token: t0ken}}]", "contexts: [{name: ctx, context: {cluster: c, user: u}}]", "current-context: ctx"].join("\n"));
    return file;
}

/** SelfSubjectAccessReview answers (authorization.k8s.io/v1): the tunnel asks list pods, then create and get pods/portforward. */
function accessReviews(answers: readonly boolean[]): () => { status: number; body: unknown } {
    let i = 0;
    return () => {
        const allowed = answers[Math.min(i++, answers.length - 1)];
        return { status: 201, body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: {}, status: { allowed, ...(allowed ? {} : { reason: "no RBAC rule allows it" }) } } };
    };
}

const servers: FakeServer[] = [];
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<FakeServer> {
    const s = await startServer(handler);
    servers.push(s);
    return s;
}

function gateway(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        namespace: "kong",
        proxyServiceName: "kong-proxy",
        jwtRequired: true,
        routes: [
            { name: "portal-api", service: "portal-services", paths: ["/api/portal"], methods: ["GET", "POST", "PUT", "DELETE"], hosts: [], jwt: true },
            { name: "lineage-graph", service: "lineage-service", paths: ["~/api/lineage/v[0-9]+/graph"], methods: ["GET"], hosts: [], jwt: false },
            { name: "portal-health", service: "portal-services", paths: ["/api/portal-health"], methods: ["GET"], hosts: [], jwt: false },
        ],
        ...extra,
    };
}

/** Kong's own answers (kong/tools/http.lua default exit bodies, jwt plugin handler), with Kong's headers. */
const NO_ROUTE = kongOwn(404, { message: "no Route matched with those values" });
const UNAUTHORIZED = kongOwn(401, { message: "Unauthorized" });
const HEALTHY = kongProxied(200, { ok: true });

describe("kong-status check", () => {
    it("passes when GET /status reports the datastore reachable, sending the admin token", async () => {
        const admin = await serve(routes({ "/status": { body: kongStatus(true) } }));
        const r = await runCheck(kongStatusCheck, context({ gateway: gateway({ adminUrl: admin.url }) }, { kongAdminToken: "t0ken" }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain("1 active connections, 3 requests served");
        expect(admin.requests[0].headers["kong-admin-token"]).toBe("t0ken");
    });

    it("fails when Kong cannot reach its database", async () => {
        const admin = await serve(routes({ "/status": { body: kongStatus(false) } }));
        const r = await runCheck(kongStatusCheck, context({ gateway: gateway() }, { kongAdminUrl: admin.url }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toContain("cannot reach its PostgreSQL datastore");
    });

    it("reports ERROR when the Admin API is unreachable", async () => {
        const dead = await runCheck(kongStatusCheck, context({ gateway: gateway({ adminUrl: await deadUrl() }) }));
        expect(dead.status).toBe("ERROR");
        expect(dead.action).toContain("grant pods/portforward (get, create) and pods (get, list) in kong");
    });

    it("without an Admin API URL, port-forwards to a Kong pod as the provider does, naming a missing pods/portforward", async () => {
        const api = await serve(routes({ "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews": accessReviews([true, false]) }));
        const r = await runCheck(kongStatusCheck, context({ gateway: gateway() }, { kubeconfig: kubeconfigFile(api.url), kubeContext: "ctx" }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("may not create pods/portforward in namespace kong");
        expect(r.action).toContain("grant the verifying identity get and create on pods/portforward");
        // Asked of the API server through the tunnel's access reviews, never through a Service of the Admin API.
        expect(api.requests.map((q) => `${q.method} ${q.url.split("?")[0]}`)).toEqual(["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]);
        const none = await runCheck(kongStatusCheck, context({ gateway: gateway() }));
        expect(none.status).toBe("ERROR");
        expect(none.detail).toContain("the port-forward to kong/app=kong:8001 failed");
    });

    it("reports ERROR when the URL is the proxy, not the Admin API", async () => {
        const proxy = await serve(() => NO_ROUTE);
        const r = await runCheck(kongStatusCheck, context({ gateway: gateway() }, { kongAdminUrl: proxy.url }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("not Kong's Admin API");
    });

    it("is not applicable without a gateway output", async () => {
        expect((await runCheck(kongStatusCheck, context({}))).status).toBe("SKIP");
    });
});

describe("kong-route check", () => {
    it("passes: the JWT route answers 401 without a token and the open route reaches its upstream", async () => {
        const proxy = await serve(routes({ "/api/portal": UNAUTHORIZED, "/api/portal-health": HEALTHY }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: proxy.url }) }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain("route portal-api (GET /api/portal, JWT required): 401 without a token from Kong 3.9.3 itself");
        expect(r.detail).toContain("route portal-health (GET /api/portal-health, no JWT): 200 from the upstream through Kong 3.9.3 and an Istio sidecar");
        // Regex paths are never probed.
        expect(proxy.requests.map((q) => q.url)).toEqual(["/api/portal", "/api/portal-health"]);
        expect(proxy.requests[0].headers.authorization).toBeUndefined();
    });

    it("fails when a JWT route answers without a token", async () => {
        const proxy = await serve(routes({ "/api/portal": kongProxied(200, { items: [] }), "/api/portal-health": HEALTHY }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: proxy.url }) }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toContain("answered 200 from the upstream through Kong 3.9.3 and an Istio sidecar without a token, expected Kong's own 401");
    });

    it("fails when Kong has no such route, or cannot reach the upstream", async () => {
        const proxy = await serve(routes({ "/api/portal": NO_ROUTE, "/api/portal-health": kongOwn(502, { message: "An invalid response was received from the upstream server" }) }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: proxy.url }) }));
        expect(r.status).toBe("FAIL");
        expect(r.items).toContain('route portal-api (GET /api/portal, JWT required): Kong has no such route (404 "no Route matched with those values")');
        expect(r.items[1]).toContain("Kong could not reach the upstream portal-services (502 An invalid response was received from the upstream server)");
    });

    it("goes through the API server's service proxy to kong-proxy:80 by default", async () => {
        const api = await serve(routes({ "/api/v1/namespaces/kong/services/kong-proxy:80/proxy/api/portal": UNAUTHORIZED, "/api/v1/namespaces/kong/services/kong-proxy:80/proxy/api/portal-health": HEALTHY }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway() }, { kubeApi: api.url }));
        expect(r.status).toBe("PASS");
    });

    it("fails when kong-proxy has no ready pod (API server Status)", async () => {
        const api = await serve(() => ({ status: 503, body: kubeStatus(503, "ServiceUnavailable", 'no endpoints available for service "kong-proxy"') }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway() }, { kubeApi: api.url }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toContain("kong/kong-proxy has no ready pod");
    });

    it("derives the routes from the catalog when the outputs carry none (dev: JWT off)", async () => {
        const proxy = await serve((req) => (req.url === "/api/portal" ? HEALTHY : NO_ROUTE));
        const r = await runCheck(kongRouteCheck, context({ gateway: { jwtRequired: false, proxyUrl: proxy.url } }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain("route portal-services.portal-api (GET /api/portal, no JWT): 200 from the upstream through Kong 3.9.3");
        const prod = await runCheck(kongRouteCheck, context({ gateway: { jwtRequired: true, proxyUrl: proxy.url } }));
        expect(prod.status).toBe("FAIL");
        expect(prod.items[0]).toContain("expected Kong's own 401");
    });

    it("reads the program's outputs: routes as Kong route name → paths, in-cluster proxy URL via the API server", async () => {
        // What platform.ts exports: in-cluster URLs, jwtRequired, routes keyed `<service>.<route>`.
        const programOutputs = {
            namespace: "kong",
            proxyUrl: "http://kong-proxy.kong.svc.cluster.local:80",
            jwtRequired: true,
            routes: { "portal-services.portal-api": ["/api/portal"], "lineage-service.lineage-graph": ["~/api/lineage/v[0-9]+/graph"] },
            jwtSecrets: "[secret]",
        };
        const api = await serve(routes({ "/api/v1/namespaces/kong/services/kong-proxy:80/proxy/api/portal": UNAUTHORIZED }));
        const r = await runCheck(kongRouteCheck, context({ gateway: programOutputs }, { kubeApi: api.url }));
        expect(r.status).toBe("PASS");
        // JWT expectation from jwtRequired and the catalog (portal-services is not public); regex route not probed.
        expect(r.detail).toBe("route portal-services.portal-api (GET /api/portal, JWT required): 401 without a token from Kong 3.9.3 itself");
        expect(api.requests.map((q) => q.url)).toEqual(["/api/v1/namespaces/kong/services/kong-proxy:80/proxy/api/portal"]);

    });

    it("without an Admin API URL, notes a proxied route's upstream as unconfirmed when the port-forward cannot open", async () => {
        const proxy = await serve(routes({ "/api/portal": UNAUTHORIZED, "/api/portal-health": HEALTHY }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: proxy.url }) }));
        expect(r.status).toBe("PASS");
        expect(r.items.join("\n")).toContain("portal-health: the route's upstream was not confirmed (the Kong Admin API: the port-forward to kong/app=kong:8001 failed");
    });

    it("reports ERROR when kong-proxy is unreachable", async () => {
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: await deadUrl() }) }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("connection refused");
    });

    it("FAILS on a server that answers 200 to everything, naming what answered", async () => {
        const anything = await serve(() => ({ status: 200, body: { ok: true } }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: anything.url }) }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toContain("route portal-api (GET /api/portal, JWT required): answered 200 by a server sending no Server header, not Kong and not a sidecar");
        expect(r.items[1]).toContain("route portal-health (GET /api/portal-health, no JWT): answered 200 by a server sending no Server header");
        const nginx = await serve(() => ({ status: 200, body: {}, headers: { server: "nginx/1.27.0" } }));
        const n = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: nginx.url }) }));
        expect(n.items[0]).toContain('a server calling itself "nginx/1.27.0"');
        // Kong's Via alone (an upstream's own Via header echoed by anything) is not Kong's answer.
        const fakeVia = await serve(() => ({ status: 401, body: { message: "Unauthorized" }, headers: { via: "1.1 kong/3.9.3" } }));
        expect((await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: fakeVia.url }) }))).status).toBe("FAIL");
    });

    it("FAILS on a 403 \"RBAC: access denied\" from the upstream's sidecar: the mesh refused the gateway", async () => {
        const proxy = await serve(routes({ "/api/portal": UNAUTHORIZED, "/api/portal-health": kongProxied(403, undefined, { text: "RBAC: access denied" }) }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: proxy.url }) }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toContain('route portal-health (GET /api/portal-health, no JWT): the upstream\'s sidecar refused Kong (403 "RBAC: access denied")');
        // The same 403 straight from a sidecar, not through Kong, is named as such.
        const sidecar = await serve(() => ({ status: 403, text: "RBAC: access denied", headers: { server: "istio-envoy" } }));
        const s = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: sidecar.url }) }));
        expect(s.items.join("\n")).toContain("answered 403 by an Istio sidecar (server: istio-envoy), not Kong");
    });

    it("FAILS when Kong answers for a meshed upstream without any sidecar's headers", async () => {
        const proxy = await serve(routes({ "/api/portal": UNAUTHORIZED, "/api/portal-health": kongProxied(200, { ok: true }, { sidecar: false }) }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: proxy.url }) }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toContain("but portal-services has a sidecar: the answer did not come through the mesh");
    });

    it("FAILS when Kong's route sends traffic to another upstream than its catalog service (Admin API)", async () => {
        const proxy = await serve(routes({ "/api/portal": UNAUTHORIZED, "/api/portal-health": HEALTHY }));
        const wrong = await serve(routes({ "/routes/portal-services.portal-health/service": { body: { name: "portal-services", host: "httpbin.default.svc.cluster.local", port: 80 } } }));
        const r = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: proxy.url, adminUrl: wrong.url }) }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toContain("route portal-health sends traffic to httpbin.default.svc.cluster.local, not to portal-services.data-platform.svc.cluster.local (its catalog service)");
        const right = await serve(routes({ "/routes/portal-services.portal-health/service": { body: { name: "portal-services", host: "portal-services.data-platform.svc.cluster.local", port: 8080 } } }));
        const ok = await runCheck(kongRouteCheck, context({ gateway: gateway({ proxyUrl: proxy.url, adminUrl: right.url }) }));
        expect(ok.status).toBe("PASS");
        expect(ok.detail).toContain("(Kong service → portal-services.data-platform.svc.cluster.local)");
    });
});

describe("kong-replicas check", () => {
    const path = "/apis/apps/v1/namespaces/kong/deployments/kong";
    const deployment = (desired: number, ready: number) => ({ kind: "Deployment", apiVersion: "apps/v1", metadata: { name: "kong", namespace: "kong" }, spec: { replicas: desired }, status: { replicas: desired, readyReplicas: ready, updatedReplicas: desired, availableReplicas: ready } });

    it("passes when every replica is ready", async () => {
        const api = await serve(routes({ [path]: { body: deployment(2, 2) } }));
        const r = await runCheck(kongReplicasCheck, context({ gateway: gateway() }, { kubeApi: api.url }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toBe("Kong: 2/2 ready, 2 updated, 2 available");
    });

    it("FAILS when one replica of two is not ready (what the seed's 2/2 would hide)", async () => {
        const api = await serve(routes({ [path]: { body: deployment(2, 1) } }));
        const r = await runCheck(kongReplicasCheck, context({ gateway: gateway() }, { kubeApi: api.url }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toBe("Kong: 1/2 ready, 2 updated, 1 available");
    });

    it("FAILS when the Deployment is missing or scaled to 0", async () => {
        const none = await serve(() => undefined);
        expect((await runCheck(kongReplicasCheck, context({ gateway: gateway() }, { kubeApi: none.url }))).detail).toContain("there is no Deployment kong/kong");
        const zero = await serve(routes({ [path]: { body: deployment(0, 0) } }));
        expect((await runCheck(kongReplicasCheck, context({ gateway: gateway() }, { kubeApi: zero.url }))).detail).toContain("scaled to 0");
    });
});
