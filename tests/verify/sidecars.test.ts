import { afterEach, describe, expect, it } from "vitest";
import { runCheck } from "../../verify/runner";
import { sidecarsCheck } from "../../verify/checks";
import { FakeServer, context, deadUrl, meshOutputs, namespaceObject, pod, podList, routes, startServer } from "./support";

const servers: FakeServer[] = [];
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

function cluster(pods: Record<string, Record<string, unknown>[]>, nsLabels: Record<string, Record<string, string>> = {}): ReturnType<typeof routes> {
    const table: Parameters<typeof routes>[0] = {};
    for (const ns of ["data-platform", "kong", "monitoring"]) {
        if (nsLabels[ns] !== undefined || !(ns in nsLabels)) {
            table[`/api/v1/namespaces/${ns}`] = { body: namespaceObject(ns, nsLabels[ns] ?? { "istio.io/rev": "stable" }) };
        }
        table[`/api/v1/namespaces/${ns}/pods`] = { body: podList(pods[ns] ?? []) };
    }
    return routes(table);
}

describe("sidecars check", () => {
    it("passes when every live pod runs istio-proxy, as a container or a native sidecar", async () => {
        const api = await startServer(
            cluster({
                "data-platform": [pod("portal-services-7d9f8c6b5-abcde", "data-platform"), pod("scheduler-7d9f8c6b5-qwert", "data-platform", { sidecar: "native" })],
                kong: [pod("kong-884b8f4bd-8w7tx", "kong", { hash: "884b8f4bd" }), pod("kong-migrations-vlvx6", "kong", { sidecar: "none", phase: "Succeeded" })],
                monitoring: [pod("prometheus-0", "monitoring", { owner: { kind: "StatefulSet", name: "prometheus" } })],
            }),
        );
        servers.push(api);
        const r = await runCheck(sidecarsCheck, context({ mesh: meshOutputs() }, { kubeApi: api.url }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain("4 live pod(s)");
        expect(r.detail).toContain("1 as native sidecars");
        // Completed Job pods are not judged; every injected namespace was listed.
        expect(api.requests.map((q) => q.url.split("?")[0])).toEqual(
            expect.arrayContaining(["/api/v1/namespaces/data-platform/pods", "/api/v1/namespaces/kong/pods", "/api/v1/namespaces/monitoring/pods"]),
        );
    });

    it("fails and lists the pods without a sidecar, with the restart command of their Deployment", async () => {
        const api = await startServer(
            cluster({
                "data-platform": [
                    pod("portal-services-7d9f8c6b5-abcde", "data-platform"),
                    pod("data-ingestion-api-5c6d7e8f9-zzzzz", "data-platform", { sidecar: "none", hash: "5c6d7e8f9" }),
                    // An init container named istio-proxy without restartPolicy Always is not a running sidecar.
                    pod("lineage-service-6b7c8d9e1-yyyyy", "data-platform", { sidecar: "init-not-sidecar", hash: "6b7c8d9e1" }),
                ],
                kong: [pod("kong-migrations-abcde", "kong", { sidecar: "none", annotations: { "sidecar.istio.io/inject": "false" }, owner: { kind: "Job", name: "kong-migrations" } })],
            }),
        );
        servers.push(api);
        const r = await runCheck(sidecarsCheck, context({ mesh: meshOutputs() }, { kubeApi: api.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items).toContain("data-platform/data-ingestion-api-5c6d7e8f9-zzzzz: no istio-proxy container (Deployment/data-ingestion-api)");
        expect(r.items).toContain("data-platform/lineage-service-6b7c8d9e1-yyyyy: no istio-proxy container (Deployment/lineage-service)");
        expect(r.items.some((i) => i.startsWith("kong/kong-migrations-abcde: no sidecar, opted out"))).toBe(true);
        expect(r.action).toContain("kubectl -n data-platform rollout restart deployment/data-ingestion-api");
        expect(r.action).toContain("kubectl -n data-platform rollout restart deployment/lineage-service");
        expect(r.items.join("\n")).not.toContain("portal-services");
    });

    it("fails when an injected namespace is missing or lacks the revision label", async () => {
        const api = await startServer(cluster({}, { kong: { "istio-injection": "enabled" }, monitoring: undefined as unknown as Record<string, string> }));
        servers.push(api);
        const r = await runCheck(sidecarsCheck, context({ mesh: meshOutputs() }, { kubeApi: api.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items).toContain("kong: label istio.io/rev=(none), expected stable or 1-28-3");
        expect(r.items).toContain("monitoring: namespace does not exist");
    });

    it("lists pods injected by another revision for a restart, without failing", async () => {
        const api = await startServer(cluster({ "data-platform": [pod("portal-services-7d9f8c6b5-abcde", "data-platform", { revision: "1-27-1" })] }));
        servers.push(api);
        const r = await runCheck(sidecarsCheck, context({ mesh: meshOutputs() }, { kubeApi: api.url }));
        expect(r.status).toBe("PASS");
        expect(r.items[0]).toContain("sidecar of revision 1-27-1, active is 1-28-3");
    });

    it("follows list pagination (metadata.continue)", async () => {
        const api = await startServer((req) => {
            if (req.url.startsWith("/api/v1/namespaces/data-platform/pods")) {
                return req.url.includes("continue=page2")
                    ? { body: podList([pod("b-7d9f8c6b5-bbbbb", "data-platform", { sidecar: "none" })]) }
                    : { body: podList([pod("a-7d9f8c6b5-aaaaa", "data-platform")], "page2") };
            }
            return cluster({})(req);
        });
        servers.push(api);
        const r = await runCheck(sidecarsCheck, context({ mesh: meshOutputs() }, { kubeApi: api.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items.some((i) => i.startsWith("data-platform/b-7d9f8c6b5-bbbbb"))).toBe(true);
    });

    it("reports ERROR, not PASS, when the Kubernetes API is unreachable", async () => {
        const r = await runCheck(sidecarsCheck, context({ mesh: meshOutputs() }, { kubeApi: await deadUrl() }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toMatch(/could not run: the Kubernetes API .* is unreachable: connection refused/);
        expect(r.action).not.toBe("");
    });

    it("reports ERROR when the API refuses the verifying identity", async () => {
        const api = await startServer(() => ({ status: 403, body: { kind: "Status", apiVersion: "v1", status: "Failure", message: 'pods is forbidden: User "ci" cannot list resource "pods"', reason: "Forbidden", code: 403 } }));
        servers.push(api);
        const r = await runCheck(sidecarsCheck, context({ mesh: meshOutputs() }, { kubeApi: api.url }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("cannot list resource");
    });

    it("is not applicable when the stack has no mesh", async () => {
        const r = await runCheck(sidecarsCheck, context({ namespaces: ["data-platform"] }));
        expect(r.status).toBe("SKIP");
    });

    it("reports ERROR when the mesh output is unreadable", async () => {
        const r = await runCheck(sidecarsCheck, context({ mesh: { ...meshOutputs(), injectedNamespaces: "[secret]" } }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("mesh.injectedNamespaces must be a list of strings");
    });
});
