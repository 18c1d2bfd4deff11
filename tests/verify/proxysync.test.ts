import { afterEach, describe, expect, it } from "vitest";
import { proxySyncCheck } from "../../verify/checks";
import { proxyProblems } from "../../verify/checks/proxysync";
import { runCheck } from "../../verify/runner";
import { FakeServer, context, deadUrl, kubeStatus, meshOutputs, pod, podList, routes, startServer, syncStatus } from "./support";

const servers: FakeServer[] = [];
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

const ISTIOD_PODS = "/api/v1/namespaces/istio-system/pods";
const portal = pod("portal-services-7d9f8c6b5-abcde", "data-platform");
const kong = pod("kong-884b8f4bd-8w7tx", "kong", { hash: "884b8f4bd" });

function istiod(name: string): Record<string, unknown> {
    return pod(name, "istio-system", { sidecar: "none", labels: { app: "istiod", "istio.io/rev": "1-28-3", istio: "pilot" } });
}

/** A Kubernetes API with two istiod replicas whose pod proxy answers /debug/syncz with the given lists. */
function api(perReplica: [string, unknown, number?][], sidecarPods: Record<string, unknown>[] = [portal, kong]): ReturnType<typeof routes> {
    const table: Parameters<typeof routes>[0] = {
        [ISTIOD_PODS]: (req) => {
            expect(decodeURIComponent(req.url)).toContain("labelSelector=app=istiod,istio.io/rev=1-28-3");
            return { body: podList(perReplica.map(([name]) => istiod(name))) };
        },
        "/api/v1/namespaces/data-platform/pods": { body: podList(sidecarPods.filter((p) => (p.metadata as { namespace: string }).namespace === "data-platform")) },
        "/api/v1/namespaces/kong/pods": { body: podList(sidecarPods.filter((p) => (p.metadata as { namespace: string }).namespace === "kong")) },
        "/api/v1/namespaces/monitoring/pods": { body: podList([]) },
    };
    for (const [name, body, status] of perReplica) {
        table[`/api/v1/namespaces/istio-system/pods/${name}:15014/proxy/debug/syncz`] = status === undefined ? { body } : { status, text: String(body) };
    }
    return routes(table);
}

describe("proxy-sync check", () => {
    it("passes when every proxy's sent nonces equal its acked ones, across istiod replicas", async () => {
        const s = await startServer(api([["istiod-1-28-3-aaaaa-11111", [syncStatus("portal-services-7d9f8c6b5-abcde.data-platform")]], ["istiod-1-28-3-aaaaa-22222", [syncStatus("kong-884b8f4bd-8w7tx.kong")]]]));
        servers.push(s);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain("all 2 connected proxies are SYNCED");
    });

    it("fails on a STALE proxy and on a NACK", async () => {
        const s = await startServer(
            api([
                [
                    "istiod-1-28-3-aaaaa-11111",
                    [
                        syncStatus("portal-services-7d9f8c6b5-abcde.data-platform", { stale: "route" }),
                        syncStatus("kong-884b8f4bd-8w7tx.kong", { nack: "Error adding/updating listener(s) 0.0.0.0_8080: duplicate listener" }),
                    ],
                ],
            ]),
        );
        servers.push(s);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items.find((i) => i.startsWith("portal-services"))).toContain("RDS STALE");
        expect(r.items.find((i) => i.startsWith("kong"))).toContain("Listener NACK: Error adding/updating listener");
    });

    it("fails when a running pod with a sidecar is not connected to istiod", async () => {
        const s = await startServer(api([["istiod-1-28-3-aaaaa-11111", [syncStatus("portal-services-7d9f8c6b5-abcde.data-platform")]]]));
        servers.push(s);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items).toEqual(["kong-884b8f4bd-8w7tx.kong: not connected to istiod 1-28-3"]);
    });

    it("fails when no istiod of the active revision runs", async () => {
        const s = await startServer(api([]));
        servers.push(s);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toContain("no running istiod pod of revision 1-28-3");
    });

    it("reports ERROR with the port-forward to use when istiod refuses the API server proxy (401)", async () => {
        // istiod answers non-local, unauthenticated callers 401 with an empty body (debug.go allowAuthenticatedOrLocalhost).
        const s = await startServer(api([["istiod-1-28-3-aaaaa-11111", "", 401]]));
        servers.push(s);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("ERROR");
        expect(r.action).toContain("kubectl -n istio-system port-forward pod/istiod-1-28-3-aaaaa-11111 15014");
    });

    it("without a Kubernetes API, judges the given istiod's proxies and says the pods were not compared", async () => {
        const istiodServer = await startServer(routes({ "/debug/syncz": { body: [syncStatus("portal-services-7d9f8c6b5-abcde.data-platform")] } }));
        servers.push(istiodServer);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { istiodUrls: [istiodServer.url], kubeconfig: "/nonexistent/kubeconfig" }));
        expect(r.status).toBe("PASS");
        expect(r.items[0]).toContain("not compared with the pods (no kubeconfig at /nonexistent/kubeconfig");
    });

    it("reads given istiod URLs (port-forwards) directly", async () => {
        const istiodServer = await startServer(routes({ "/debug/syncz": { body: [syncStatus("portal-services-7d9f8c6b5-abcde.data-platform"), syncStatus("kong-884b8f4bd-8w7tx.kong")] } }));
        const k = await startServer(api([["istiod-1-28-3-aaaaa-11111", []]]));
        servers.push(istiodServer, k);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { kubeApi: k.url, istiodUrls: [istiodServer.url] }));
        expect(r.status).toBe("PASS");
        expect(istiodServer.requests).toHaveLength(1);
    });

    it("reports ERROR (incomplete view), not FAIL, when fewer URLs than istiod replicas were given", async () => {
        const istiodServer = await startServer(routes({ "/debug/syncz": { body: [syncStatus("portal-services-7d9f8c6b5-abcde.data-platform")] } }));
        const k = await startServer(api([["istiod-1-28-3-aaaaa-11111", []], ["istiod-1-28-3-aaaaa-22222", []]]));
        servers.push(istiodServer, k);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { kubeApi: k.url, istiodUrls: [istiodServer.url] }));
        expect(r.status).toBe("ERROR");
        expect(r.action).toContain("one --istiod-url per istiod replica");
    });

    it("reports ERROR when istiod is unreachable", async () => {
        // No Kubernetes API either: the check still asks the given istiod, and says it could not.
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { istiodUrls: [await deadUrl()], kubeconfig: "/nonexistent/kubeconfig" }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toMatch(/istiod at http:\/\/127\.0\.0\.1:\d+\/debug\/syncz is unreachable: connection refused/);
    });

    it("reports ERROR when the API server cannot reach istiod", async () => {
        const s = await startServer(api([["istiod-1-28-3-aaaaa-11111", JSON.stringify(kubeStatus(503, "ServiceUnavailable", "error trying to reach service: dial tcp 10.244.0.5:15014: connect: connection refused")), 503]]));
        servers.push(s);
        const r = await runCheck(proxySyncCheck, context({ mesh: meshOutputs() }, { kubeApi: s.url }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("503");
    });

    it("judges nonces like istioctl: nothing sent is fine, sent without ack is stale", () => {
        expect(proxyProblems({ proxy: "a.b", cluster_sent: "n1", cluster_acked: "n1" })).toEqual([]);
        expect(proxyProblems({ proxy: "a.b", cluster_sent: "n1", cluster_acked: "n1", route_sent: "", route_acked: "" })).toEqual([]);
        expect(proxyProblems({ proxy: "a.b", endpoint_sent: "n2" })).toEqual(["EDS STALE (sent n2, acked nothing)"]);
    });
});
