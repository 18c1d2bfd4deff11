/**
 * In-process stand-ins for the APIs the verify command talks to: node:http servers on 127.0.0.1 (random port) that
 * answer with the real APIs' documented response shapes (each builder cites where the shape comes from), plus
 * fixtures for stack outputs and a context builder.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Endpoints, REPO_ROOT, VerifyContext } from "../../verify/context";
import type { KafkaConnectionSpec, TopicAdmin } from "../../verify/kafka";
import { parseOutputs } from "../../verify/outputs";

export interface Recorded {
    readonly method: string;
    readonly url: string;
    readonly headers: http.IncomingHttpHeaders;
}

export interface Reply {
    readonly status?: number;
    readonly body?: unknown;
    /** Sent verbatim instead of JSON. */
    readonly text?: string;
    readonly headers?: Record<string, string>;
}

export type Handler = (req: Recorded) => Reply | undefined;

export interface FakeServer {
    readonly url: string;
    readonly requests: Recorded[];
    close(): Promise<void>;
}

/** A server on 127.0.0.1 answering through `handler`; unhandled requests get a Kubernetes-style 404 Status. */
export async function startServer(handler: Handler): Promise<FakeServer> {
    const requests: Recorded[] = [];
    const server = http.createServer((req, res) => {
        const rec: Recorded = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers };
        requests.push(rec);
        req.resume();
        req.on("end", () => {
            const reply = handler(rec) ?? { status: 404, body: kubeStatus(404, "NotFound", `the server could not find the requested resource (${rec.url})`) };
            const text = reply.text ?? JSON.stringify(reply.body ?? {});
            res.writeHead(reply.status ?? 200, { "content-type": reply.text !== undefined ? "text/plain" : "application/json", ...reply.headers });
            res.end(text);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

/** A URL on which nothing listens (a port that was just freed): connection refused. */
export async function deadUrl(): Promise<string> {
    const s = await startServer(() => ({}));
    await s.close();
    return s.url;
}

/** Routes by exact path (query included) or by path without query. */
export function routes(table: Record<string, Reply | ((req: Recorded) => Reply)>): Handler {
    return (req) => {
        const bare = req.url.split("?")[0];
        const hit = table[req.url] ?? table[bare];
        return typeof hit === "function" ? hit(req) : hit;
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes API shapes (core/v1 Pod, PodList, Namespace, Status; https://kubernetes.io/docs/reference/kubernetes-api/)
// ---------------------------------------------------------------------------------------------------------------

/** metav1.Status, the body of every API error (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/). */
export function kubeStatus(code: number, reason: string, message: string): Record<string, unknown> {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

export interface PodOptions {
    readonly sidecar?: "container" | "native" | "none" | "init-not-sidecar";
    readonly phase?: string;
    readonly revision?: string;
    readonly owner?: { kind: string; name: string };
    readonly hash?: string;
    readonly annotations?: Record<string, string>;
    readonly labels?: Record<string, string>;
}

export function pod(name: string, namespace: string, o: PodOptions = {}): Record<string, unknown> {
    const sidecar = o.sidecar ?? "container";
    const containers: Record<string, unknown>[] = [{ name: "api", image: "portal:1.0", ports: [{ containerPort: 8080, protocol: "TCP" }] }];
    const initContainers: Record<string, unknown>[] = [];
    if (sidecar === "container") containers.push({ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.28.3" });
    if (sidecar === "native") initContainers.push({ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.28.3", restartPolicy: "Always" });
    if (sidecar === "init-not-sidecar") initContainers.push({ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.28.3" });
    const annotations: Record<string, string> = { ...o.annotations };
    if (sidecar === "container" || sidecar === "native") {
        // Istio's injection record (pkg/kube/inject/inject.go SidecarInjectionStatus).
        annotations["sidecar.istio.io/status"] = JSON.stringify({
            initContainers: sidecar === "native" ? ["istio-proxy"] : ["istio-validation"],
            containers: sidecar === "native" ? [] : ["istio-proxy"],
            volumes: ["workload-socket", "istio-envoy", "istio-token", "istiod-ca-cert"],
            imagePullSecrets: null,
            revision: o.revision ?? "1-28-3",
        });
    }
    const hash = o.hash ?? "7d9f8c6b5";
    const owner = o.owner ?? { kind: "ReplicaSet", name: `${name.split("-").slice(0, -2).join("-") || name}-${hash}` };
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name,
            namespace,
            uid: `uid-${name}`,
            creationTimestamp: "2025-10-22T02:35:00Z",
            labels: { app: name.split("-").slice(0, -2).join("-") || name, "pod-template-hash": hash, ...o.labels },
            annotations,
            ownerReferences: [{ apiVersion: "apps/v1", kind: owner.kind, name: owner.name, uid: "owner-uid", controller: true, blockOwnerDeletion: true }],
        },
        spec: { containers, initContainers, serviceAccountName: "default", nodeName: "node-1" },
        status: { phase: o.phase ?? "Running", podIP: "10.244.1.6", conditions: [{ type: "Ready", status: "True" }] },
    };
}

export function podList(items: Record<string, unknown>[], cont?: string): Record<string, unknown> {
    return { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "12345", ...(cont !== undefined ? { continue: cont } : {}) }, items };
}

export function namespaceObject(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
    return {
        kind: "Namespace",
        apiVersion: "v1",
        metadata: { name, uid: `ns-${name}`, labels: { "kubernetes.io/metadata.name": name, ...labels } },
        spec: { finalizers: ["kubernetes"] },
        status: { phase: "Active" },
    };
}

/** PeerAuthentication / PeerAuthenticationList, security.istio.io/v1 (istio.io reference "PeerAuthentication"). */
export function peerAuthentication(
    name: string,
    namespace: string,
    spec: Record<string, unknown>,
    creationTimestamp = "2025-10-22T02:28:00Z",
): Record<string, unknown> {
    return { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name, namespace, creationTimestamp, generation: 1 }, spec };
}

export function peerAuthenticationList(items: Record<string, unknown>[]): Record<string, unknown> {
    return { apiVersion: "security.istio.io/v1", kind: "PeerAuthenticationList", metadata: { continue: "", resourceVersion: "777" }, items };
}

// ---------------------------------------------------------------------------------------------------------------
// istiod /debug/syncz (istio/istio 1.28 pilot/pkg/xds/debug.go SyncStatus, omitempty fields)
// ---------------------------------------------------------------------------------------------------------------

export function syncStatus(proxy: string, o: { stale?: "cluster" | "listener" | "route" | "endpoint"; nack?: string } = {}): Record<string, unknown> {
    const nonce = (t: string): string => `${t}-8f2c5a1e-${proxy.length}`;
    const entry: Record<string, unknown> = {
        cluster_id: "Kubernetes",
        proxy,
        proxy_type: "sidecar",
        istio_version: "1.28.3",
    };
    for (const t of ["cluster", "listener", "route", "endpoint"]) {
        entry[`${t}_sent`] = nonce(t);
        entry[`${t}_acked`] = o.stale === t ? `${t}-0a0a0a0a-old` : nonce(t);
    }
    entry.resources = {
        "type.googleapis.com/envoy.config.cluster.v3.Cluster": { sent: nonce("cluster"), acked: entry.cluster_acked, sentTime: "2025-10-22T02:44:00Z" },
        "type.googleapis.com/envoy.config.listener.v3.Listener": {
            sent: nonce("listener"),
            acked: entry.listener_acked,
            sentTime: "2025-10-22T02:44:00Z",
            ...(o.nack !== undefined ? { lastError: o.nack } : {}),
        },
    };
    return entry;
}

// ---------------------------------------------------------------------------------------------------------------
// Kong Admin API GET /status (Kong 3.x kong/api/routes/health.lua)
// ---------------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------------
// Kong's and Envoy's response headers (Kong 3.9.3 kong/runloop/handler.lua header_filter, kong/constants.lua HEADERS;
// Istio sidecars: server: istio-envoy, Envoy router's x-envoy-upstream-service-time)
// ---------------------------------------------------------------------------------------------------------------

export const KONG_VERSION = "3.9.3";

/** An answer Kong produced itself (no route, a plugin's 401/429, its own 502 when the upstream is down). */
export function kongOwn(status: number, body: unknown): Reply {
    return { status, body, headers: { server: `kong/${KONG_VERSION}`, "x-kong-response-latency": "1", "x-kong-request-id": "6a1e2c0d" } };
}

/** An upstream's answer Kong proxied; through the upstream's Istio sidecar unless `sidecar: false`. */
export function kongProxied(status: number, body: unknown, opts: { sidecar?: boolean; text?: string } = {}): Reply {
    const sidecar = opts.sidecar ?? true;
    return {
        status,
        ...(opts.text !== undefined ? { text: opts.text } : { body }),
        headers: {
            via: `1.1 kong/${KONG_VERSION}`,
            "x-kong-upstream-latency": "3",
            "x-kong-proxy-latency": "1",
            "x-kong-request-id": "6a1e2c0e",
            ...(sidecar ? { server: "istio-envoy", "x-envoy-upstream-service-time": "2" } : {}),
        },
    };
}

export function kongStatus(reachable: boolean): Record<string, unknown> {
    return {
        database: { reachable },
        memory: {
            workers_lua_vms: [{ http_allocated_gc: "43.99 MiB", pid: 1260 }],
            lua_shared_dicts: { kong: { allocated_slabs: "0.04 MiB", capacity: "5.00 MiB" }, kong_db_cache: { allocated_slabs: "0.80 MiB", capacity: "128.00 MiB" } },
        },
        server: { total_requests: 3, connections_active: 1, connections_accepted: 1, connections_handled: 1, connections_reading: 0, connections_writing: 1, connections_waiting: 0 },
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Grafana GET /api/dashboards/uid/<uid> (grafana.com/docs/grafana/latest/developers/http_api/dashboard)
// ---------------------------------------------------------------------------------------------------------------

export function grafanaDashboard(uid: string, title: string, folderUid: string): Record<string, unknown> {
    const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    return {
        dashboard: { id: 1, uid, title, tags: ["254carbon"], timezone: "browser", schemaVersion: 39, version: 3, panels: [] },
        meta: {
            type: "db",
            canSave: false,
            canEdit: false,
            isStarred: false,
            url: `/d/${uid}/${slug}`,
            slug,
            folderId: 7,
            folderUid,
            folderTitle: "254Carbon",
            provisioned: false,
            created: "2025-10-22T02:44:00Z",
            updated: "2025-10-22T02:44:00Z",
            version: 3,
        },
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Prometheus GET /api/v1/query (prometheus.io/docs/prometheus/latest/querying/api/#instant-queries)
// ---------------------------------------------------------------------------------------------------------------

export function promVector(samples: { metric: Record<string, string>; value: number }[]): Record<string, unknown> {
    return { status: "success", data: { resultType: "vector", result: samples.map((s) => ({ metric: s.metric, value: [1761101100.123, String(s.value)] })) } };
}

export function promError(errorType: string, error: string): Record<string, unknown> {
    return { status: "error", errorType, error };
}

// ---------------------------------------------------------------------------------------------------------------
// Stack outputs and context
// ---------------------------------------------------------------------------------------------------------------

export function meshOutputs(mode: "PERMISSIVE" | "STRICT" = "PERMISSIVE"): Record<string, unknown> {
    return {
        namespace: "istio-system",
        revision: "1-28-3",
        revisionTag: "stable",
        injectedNamespaces: ["data-platform", "kong", "monitoring"],
        tracingUrl: "http://jaeger-query.istio-system.svc.cluster.local:16686",
        kialiUrl: "http://kiali.istio-system.svc.cluster.local:20001",
        otlpEndpoint: "jaeger-collector.istio-system.svc.cluster.local:4317",
        mtlsMode: mode,
        namespaceMtls: { "data-platform": mode, kong: mode, monitoring: mode },
    };
}

export function endpoints(overrides: Partial<Endpoints> = {}): Endpoints {
    return {
        istiodUrls: [],
        meshService: "portal-services",
        catalogFile: path.join(REPO_ROOT, "catalog", "services.json"),
        topicCatalogFile: path.join(REPO_ROOT, "catalog", "topics.json"),
        ...overrides,
    };
}

export function context(
    outputs: Record<string, unknown>,
    overrides: Partial<Endpoints> = {},
    kafkaAdmin?: (spec: KafkaConnectionSpec) => Promise<TopicAdmin>,
): VerifyContext {
    // In-cluster names never resolve in tests (and no DNS query leaves the machine).
    return new VerifyContext({ outputs: parseOutputs(outputs), endpoints: endpoints(overrides), timeoutMs: 3_000, settleMs: 0, kafkaAdmin, resolves: async () => false });
}
