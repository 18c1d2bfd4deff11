import * as http from "node:http";
import * as net from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KongTunnel, KongTunnelForbiddenError, checkTunnelPermissions, loadKubeConfig, readyPod } from "../../components/gateway/kong/tunnel";
import { kongAccessPreflight } from "../../preflight/kong";

/**
 * The tunnel's questions to the API server — SelfSubjectAccessReview (authorization.k8s.io/v1) and the pod list —
 * against an in-process stand-in that answers in the API's shapes. This proves the wiring and the messages; the
 * port-forward itself runs against the real kube-apiserver and kwok in tests/e2e (kong-tunnel.cluster.test.ts).
 */
describe("Kong tunnel: permissions and pod choice", () => {
    let server: http.Server;
    let base: string;
    const allowed = new Set<string>();
    let pods: unknown[] = [];
    const reviews: string[] = [];
    beforeAll(async () => {
        server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                if (req.method === "POST" && req.url?.startsWith("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")) {
                    const body = JSON.parse(Buffer.concat(chunks).toString()) as { spec: { resourceAttributes: { verb: string; resource: string; subresource?: string; namespace: string } } };
                    const a = body.spec.resourceAttributes;
                    const key = `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ""} ${a.namespace}`;
                    reviews.push(key);
                    const ok = allowed.has(key);
                    res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ ...body, status: { allowed: ok, ...(ok ? {} : { reason: "" }) } }));
                    return;
                }
                if (req.method === "GET" && req.url?.startsWith("/api/v1/namespaces/kong/pods")) {
                    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ apiVersion: "v1", kind: "PodList", metadata: {}, items: pods }));
                    return;
                }
                res.writeHead(404).end();
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    afterAll(async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
    });
    beforeEach(() => {
        allowed.clear();
        reviews.length = 0;
        pods = [];
    });
    const kubeconfig = (): string =>
        [
            "apiVersion: v1",
            "kind: Config",
            `clusters: [{name: c, cluster: {server: "${base}", insecure-skip-tls-verify: true}}]`,
            "users: [{name: u, user: {token: t0ken}}]",
            "contexts: [{name: ctx, context: {cluster: c, user: u}}, {name: other, context: {cluster: c, user: u}}]",
            "current-context: other",
        ].join("\n");
    const tunnel = (over: Partial<KongTunnel> = {}): KongTunnel => ({ kubeconfig: kubeconfig(), context: "ctx", namespace: "kong", selector: "app=kong", port: 8001, readyTimeoutMs: 50, ...over });
    const pod = (name: string, ready: boolean, deleting = false): unknown => ({
        metadata: { name, namespace: "kong", ...(deleting ? { deletionTimestamp: "2026-12-01T00:00:00Z" } : {}) },
        status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
    });

    it("a kubeconfig without pods/portforward in kong fails with that permission named", async () => {
        allowed.add("list pods kong");
        const err = await checkTunnelPermissions(loadKubeConfig(tunnel()), tunnel()).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KongTunnelForbiddenError);
        expect((err as Error).message).toContain("the Kubernetes identity of context ctx may not create pods/portforward in namespace kong");
        expect((err as Error).message).toContain('resources: ["pods/portforward"], verbs: ["get", "create"]');
        expect(reviews).toEqual(["list pods kong", "create pods/portforward kong"]);
    });

    it("create alone is not enough: the WebSocket upgrade is a GET, so get is checked too", async () => {
        allowed.add("list pods kong");
        allowed.add("create pods/portforward kong");
        await expect(checkTunnelPermissions(loadKubeConfig(tunnel()), tunnel())).rejects.toThrow("may not get pods/portforward in namespace kong");
    });

    it("the preflight reports the same refusal with the stack key, before anything changes", async () => {
        const [p] = await kongAccessPreflight({ kubeconfig: kubeconfig(), context: "ctx" });
        expect(p.key).toBe("service-integration:kubernetes.context");
        expect(p.problem).toContain("may not list pods in namespace kong");
        allowed.add("list pods kong");
        allowed.add("create pods/portforward kong");
        allowed.add("get pods/portforward kong");
        expect(await kongAccessPreflight({ kubeconfig: kubeconfig(), context: "ctx" })).toEqual([]);
    });

    it("uses the named context, never the current one, and says which contexts exist", () => {
        expect(loadKubeConfig(tunnel()).getCurrentContext()).toBe("ctx");
        expect(() => loadKubeConfig(tunnel({ context: "prod" }))).toThrow("the stack's kubeconfig has no context prod; it has ctx, other");
    });

    it("picks a ready Kong pod, never a terminating or unready one", async () => {
        pods = [pod("kong-c", true, true), pod("kong-b", true), pod("kong-a", false)];
        expect(await readyPod(loadKubeConfig(tunnel()), tunnel())).toBe("kong-b");
    });

    it("waits for a ready pod only as long as told, then says what it found", async () => {
        pods = [pod("kong-a", false)];
        await expect(readyPod(loadKubeConfig(tunnel()), tunnel())).rejects.toThrow("no ready Kong pod (app=kong) in namespace kong after 0 s (1 pod(s) found)");
    });
});
