/**
 * Kong's Admin API through the Kubernetes API: a port-forward the provider opens itself, to a ready Kong pod, for
 * the duration of one operation. Who may configure Kong is then exactly who holds `get`+`create` on `pods/portforward`
 * in Kong's namespace; the Admin API listens on the pod's loopback only and never on the pod network.
 *
 * Upstream behaviour relied on:
 * - `@kubernetes/client-node` 1.4.0 `PortForward.portForward(ns, pod, [port], out, err, in)` opens
 *   `GET /api/v1/namespaces/<ns>/pods/<pod>/portforward?ports=<port>` as a WebSocket (channel protocols
 *   v5/v4.channel.k8s.io); each stream starts with two bytes of port number, even streams carry data, odd ones the
 *   kubelet's error text (dist/portforward.js).
 * - The API server authorizes that WebSocket upgrade (an HTTP GET) as verb `get` on resource `pods`, subresource
 *   `portforward`, and since Kubernetes 1.35 also as `create` (kubernetes v1.36.3
 *   pkg/registry/core/pod/rest/subresources.go `PortForwardREST.Connect`, feature AuthorizePodWebsocketUpgradeCreatePermission,
 *   beta and on by default from 1.35; kubernetes/kubernetes#133515). Both are checked first with a
 *   SelfSubjectAccessReview each (`authorization.k8s.io/v1`), which asks without side effects, so a missing one
 *   is named instead of surfacing as a bare 403 on the upgrade.
 * - A pod is ready when its `Ready` condition is `True` (core/v1 PodCondition).
 *
 * Pulumi serializes the dynamic provider with its closure: the client is `require`d inside the functions, and nothing
 * here captures a module object.
 */
import type * as k8s from "@kubernetes/client-node";
import type * as net from "node:net";

/** Where the Admin API is, as the Kubernetes API sees it. The kubeconfig is a secret. */
export interface KongTunnel {
    /** Kubeconfig YAML (from the secret `kubeconfig`), or read from `kubeconfigPath` when the operation runs. */
    readonly kubeconfig?: string;
    readonly kubeconfigPath?: string;
    /** Context to use. Stacks always name theirs (the ambient current-context is never used for a deploy). */
    readonly context?: string;
    readonly namespace: string;
    /** Label selector of Kong's pods, e.g. `app=kong`. */
    readonly selector: string;
    /** The Admin API's port on the pod's loopback. */
    readonly port: number;
    /** How long to wait for a ready Kong pod (default 300 s): the Deployment may still be rolling out. */
    readonly readyTimeoutMs?: number;
}

function message(verb: string, resource: string, namespace: string, context: string | undefined, reason: string): string {
    return (
        `the Kubernetes identity of context ${context ?? "(current)"} may not ${verb} ${resource} in namespace ${namespace}${reason ? ` (${reason})` : ""}. ` +
        `Configuring Kong goes through a port-forward to a Kong pod: grant this identity a Role in ${namespace} with ` +
        `{apiGroups: [""], resources: ["pods/portforward"], verbs: ["get", "create"]} and {apiGroups: [""], resources: ["pods"], verbs: ["get", "list"]}`
    );
}

/** The identity lacks a permission the tunnel needs; the message names it. */
export class KongTunnelForbiddenError extends Error {
    constructor(
        readonly verb: string,
        readonly resource: string,
        readonly namespace: string,
        context: string | undefined,
        reason: string,
    ) {
        super(message(verb, resource, namespace, context, reason));
        // Set explicitly: Pulumi's closure serializer rebuilds classes as functions, where super() of Error leaves
        // `this.message` unset (the provider then reported "error: undefined").
        this.message = message(verb, resource, namespace, context, reason);
        this.name = "KongTunnelForbiddenError";
    }
}

/** @kubernetes/client-node, loaded when first used (the offline plan and unit tests never need it). */
export function clientNode(): typeof k8s {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@kubernetes/client-node") as typeof k8s;
}

function expandHome(path: string): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return path.startsWith("~/") ? `${(require("node:os") as typeof import("node:os")).homedir()}${path.slice(1)}` : path;
}

/** The stack's kubeconfig with its context selected; never the ambient one. */
export function loadKubeConfig(t: Pick<KongTunnel, "kubeconfig" | "kubeconfigPath" | "context">): k8s.KubeConfig {
    const { KubeConfig } = clientNode();
    const kc = new KubeConfig();
    if (t.kubeconfig !== undefined) {
        kc.loadFromString(t.kubeconfig);
    } else if (t.kubeconfigPath !== undefined) {
        kc.loadFromFile(expandHome(t.kubeconfigPath));
    } else {
        throw new Error("the Kong tunnel needs the stack's kubeconfig (the secret kubeconfig or kubernetes.kubeconfigPath)");
    }
    if (t.context !== undefined) {
        if (kc.getContextObject(t.context) === null) {
            throw new Error(`the stack's kubeconfig has no context ${t.context}; it has ${kc.getContexts().map((c) => c.name).join(", ") || "none"}`);
        }
        kc.setCurrentContext(t.context);
    }
    return kc;
}

/** Asks the API server whether this identity may `verb` the resource in the namespace (SelfSubjectAccessReview). */
async function mayI(kc: k8s.KubeConfig, t: KongTunnel, verb: string, resource: string, subresource?: string): Promise<{ allowed: boolean; reason: string }> {
    const { AuthorizationV1Api } = clientNode();
    const api = kc.makeApiClient(AuthorizationV1Api);
    const review = await api.createSelfSubjectAccessReview({
        body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { namespace: t.namespace, verb, resource, ...(subresource ? { subresource } : {}) } } },
    });
    return { allowed: review.status?.allowed === true, reason: review.status?.reason ?? "" };
}

/** Fails with the missing permission named, before any connection is tried. */
export async function checkTunnelPermissions(kc: k8s.KubeConfig, t: KongTunnel): Promise<void> {
    for (const [verb, resource, sub] of [
        ["list", "pods", undefined],
        ["create", "pods", "portforward"],
        ["get", "pods", "portforward"],
    ] as const) {
        const answer = await mayI(kc, t, verb, resource, sub);
        if (!answer.allowed) {
            throw new KongTunnelForbiddenError(verb, sub ? `${resource}/${sub}` : resource, t.namespace, t.context, answer.reason);
        }
    }
}

function isReady(pod: k8s.V1Pod): boolean {
    return pod.metadata?.deletionTimestamp === undefined && pod.status?.phase === "Running" && (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** A ready Kong pod's name now, or undefined; and how many pods the selector found. */
export async function findReadyPod(kc: k8s.KubeConfig, t: KongTunnel): Promise<{ pod?: string; seen: number }> {
    const { CoreV1Api } = clientNode();
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: t.namespace, labelSelector: t.selector });
    const ready = pods.items.filter(isReady).map((p) => p.metadata?.name ?? "").filter((n) => n !== "");
    return { pod: ready.sort()[0], seen: pods.items.length };
}

/** A ready Kong pod's name, waiting (bounded) while the Deployment rolls out. */
export async function readyPod(kc: k8s.KubeConfig, t: KongTunnel): Promise<string> {
    const deadline = Date.now() + (t.readyTimeoutMs ?? 300_000);
    for (;;) {
        const { pod, seen } = await findReadyPod(kc, t);
        if (pod !== undefined) {
            return pod;
        }
        if (Date.now() >= deadline) {
            throw new Error(
                `no ready Kong pod (${t.selector}) in namespace ${t.namespace} after ${Math.round((t.readyTimeoutMs ?? 300_000) / 1000)} s (${seen} pod(s) found): ` +
                    `look at kubectl -n ${t.namespace} get pods -l ${t.selector} and their events`,
            );
        }
        await new Promise((r) => setTimeout(r, 2_000));
    }
}

/** An open tunnel: a loopback listener whose every connection is a port-forward stream to the pod. */
export interface OpenTunnel {
    readonly url: string;
    readonly pod: string;
    /** The last port-forward failure (upgrade refused, kubelet error), for the operation's error message. */
    lastError(): string | undefined;
    close(): Promise<void>;
}

/** `ws` rejects with an ErrorEvent (not an Error): its `message` is what the API server answered. */
function describeForwardError(e: unknown): string {
    if (e instanceof Error) return e.message;
    const m = (e as { message?: unknown } | null)?.message;
    return typeof m === "string" ? m : String(e);
}

/** Opens the tunnel: permissions checked, a ready pod chosen, a listener on 127.0.0.1 forwarding to its port. */
export async function openTunnel(t: KongTunnel): Promise<OpenTunnel> {
    const kc = loadKubeConfig(t);
    await checkTunnelPermissions(kc, t);
    const pod = await readyPod(kc, t);
    const { PortForward } = clientNode();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const netm = require("node:net") as typeof net;
    const forward = new PortForward(kc);
    const sockets = new Set<net.Socket>();
    let lastError: string | undefined;
    const server = netm.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        // A destroyed forward surfaces to the HTTP client as a reset; the reason is kept in lastError.
        socket.on("error", () => undefined);
        // The kubelet's error channel (odd stream): a refused port in the pod ends this connection with its text.
        const errors = new (require("node:stream") as typeof import("node:stream")).Writable({
            write(chunk: Buffer, _enc, done) {
                // The first frame of each stream carries only the port number (stripped by the client): empty.
                const text = chunk.toString("utf8").trim();
                if (text.length > 0) {
                    lastError = text;
                    socket.destroy(new Error(`port-forward to ${t.namespace}/${pod}:${t.port}: ${text}`));
                }
                done();
            },
        });
        forward.portForward(t.namespace, pod, [t.port], socket, errors, socket).then(
            (ws) => {
                const w = ws as unknown as { on(e: string, f: () => void): void; close(): void };
                w.on("close", () => socket.destroy());
                socket.on("close", () => w.close());
            },
            (e: unknown) => {
                lastError = describeForwardError(e);
                socket.destroy(new Error(lastError));
            },
        );
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        pod,
        lastError: () => lastError,
        close: () =>
            new Promise<void>((resolve) => {
                sockets.forEach((s) => s.destroy());
                server.close(() => resolve());
            }),
    };
}

/** Runs `op` against the Admin API through a fresh tunnel, closed afterwards whatever happens. */
export async function withTunnel<T>(t: KongTunnel, op: (adminUrl: string) => Promise<T>): Promise<T> {
    const tunnel = await openTunnel(t);
    try {
        return await op(tunnel.url);
    } catch (e) {
        const forward = tunnel.lastError();
        if (forward !== undefined && e instanceof Error) {
            e.message = `${e.message} — the port-forward to ${t.namespace}/${tunnel.pod}:${t.port} failed: ${forward}`;
        }
        throw e;
    } finally {
        await tunnel.close();
    }
}
