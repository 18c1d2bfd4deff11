import { ISTIO_PORTS } from "../../model/wellknown";
import { Check, VerifyContext } from "../context";
import { getEndpoint } from "../endpoint";
import { excerpt, joinUrl, jsonBody, redactUrl } from "../http";
import { KubeClient } from "../kube";
import { CannotRun, Outcome, error, fail, pass, skip } from "../result";
import { Pod, injectedRevision, isLive, sidecarKind } from "./pods";

/**
 * Seed test 2 (`istioctl proxy-status`), from istiod's own debug endpoint: GET /debug/syncz on the monitoring port
 * 15014 answers a JSON list with one object per connected proxy (istio/istio pilot/pkg/xds/debug.go, 1.28:
 * `SyncStatus{cluster_id, proxy, proxy_type, istio_version, cluster_sent, cluster_acked, listener_sent,
 * listener_acked, route_sent, route_acked, endpoint_sent, endpoint_acked, extensionconfig_sent,
 * extensionconfig_acked, resources{<typeUrl>: {sent, acked, sentTime, lastError}}}`, fields omitted when empty).
 * Like istioctl: a type whose last sent nonce equals the last acked one is SYNCED, nothing sent is NOT SENT (fine),
 * anything else is STALE; a `lastError` is a NACK (the proxy rejected the config).
 *
 * istiod only serves its debug endpoints to localhost or to callers it authenticates (debug.go
 * `allowAuthenticatedOrLocalhost`); the API server's pod proxy is neither, so a 401 there is reported as "could not
 * run" with the port-forward to use. Each istiod replica only knows its own proxies: all replicas are asked.
 */

export interface SyncStatus {
    readonly proxy?: string;
    readonly cluster_id?: string;
    readonly proxy_type?: string;
    readonly istio_version?: string;
    readonly cluster_sent?: string;
    readonly cluster_acked?: string;
    readonly listener_sent?: string;
    readonly listener_acked?: string;
    readonly route_sent?: string;
    readonly route_acked?: string;
    readonly endpoint_sent?: string;
    readonly endpoint_acked?: string;
    readonly extensionconfig_sent?: string;
    readonly extensionconfig_acked?: string;
    readonly resources?: Readonly<Record<string, { readonly sent?: string; readonly acked?: string; readonly lastError?: string }>>;
}

const TYPES = [
    ["CDS", "cluster"],
    ["LDS", "listener"],
    ["RDS", "route"],
    ["EDS", "endpoint"],
    ["ECDS", "extensionconfig"],
] as const;

/** Problems of one proxy: `CDS STALE (sent x, acked y)`, `LDS NACK: <error>`; empty when in sync. */
export function proxyProblems(s: SyncStatus): string[] {
    const problems: string[] = [];
    for (const [short, field] of TYPES) {
        const sent = s[`${field}_sent`] ?? "";
        const acked = s[`${field}_acked`] ?? "";
        if (sent !== "" && sent !== acked) {
            problems.push(`${short} STALE (sent ${sent}, acked ${acked || "nothing"})`);
        }
    }
    // Newer istiod also reports every watched type with its last error: an error is a NACK, whatever the type.
    for (const [typeUrl, r] of Object.entries(s.resources ?? {})) {
        if (r.lastError !== undefined && r.lastError !== "") {
            problems.push(`${typeUrl.split(/[/.]/).pop() ?? typeUrl} NACK: ${r.lastError}`);
        }
    }
    return problems;
}

interface Source {
    readonly label: string;
    fetch(): Promise<SyncStatus[]>;
}

function parseSyncz(body: unknown, where: string): SyncStatus[] {
    if (!Array.isArray(body) || body.some((e) => typeof e !== "object" || e === null)) {
        throw new CannotRun(`${where} did not answer the /debug/syncz JSON list`, "check that the URL points at istiod's monitoring port 15014");
    }
    return body as SyncStatus[];
}

function urlSource(ctx: VerifyContext, base: string): Source {
    const url = joinUrl(base, "/debug/syncz");
    return {
        label: redactUrl(url),
        async fetch() {
            const { res } = await getEndpoint(ctx, url, { what: "istiod", action: "start the port-forward (kubectl -n istio-system port-forward deploy/istiod-<revision> 15014) or fix --istiod-url" });
            if (res.status !== 200) {
                throw new CannotRun(`istiod at ${redactUrl(url)} answered ${res.status}: ${excerpt(res.body)}`, res.status === 401 ? "istiod serves /debug only to localhost: use a port-forward URL" : "check --istiod-url");
            }
            return parseSyncz(jsonBody(res), url);
        },
    };
}

function podSource(kube: KubeClient, namespace: string, pod: string): Source {
    const apiPath = KubeClient.podProxyPath(namespace, pod, ISTIO_PORTS.istiodMonitoring, "/debug/syncz");
    return {
        label: `${namespace}/${pod}`,
        async fetch() {
            const res = await kube.raw(apiPath);
            if (res.status === 401) {
                throw new CannotRun(
                    `istiod ${namespace}/${pod} refused /debug/syncz through the API server proxy (401: istiod serves its debug endpoints only to localhost or to callers with a mesh identity)`,
                    `port-forward each istiod replica and pass them: kubectl -n ${namespace} port-forward pod/${pod} 15014 & then --istiod-url http://127.0.0.1:15014`,
                );
            }
            if (res.status !== 200) {
                throw new CannotRun(`GET ${apiPath} answered ${res.status}: ${excerpt(res.body)}`, `check that istiod ${pod} is ready and listens on ${ISTIO_PORTS.istiodMonitoring}, or pass --istiod-url`);
            }
            return parseSyncz(jsonBody(res), `istiod ${namespace}/${pod}`);
        },
    };
}

async function fetchAll(sources: readonly Source[]): Promise<SyncStatus[]> {
    const lists = await Promise.all(sources.map((s) => s.fetch()));
    return lists.flat();
}

export const proxySyncCheck: Check = {
    id: "proxy-sync",
    title: "Proxies in sync with istiod",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const mesh = ctx.section("mesh");
        if (mesh === undefined) {
            return skip("the stack exports no `mesh` output (the mesh component is off)");
        }
        let kube: KubeClient | undefined;
        let kubeProblem: CannotRun | undefined;
        try {
            kube = ctx.kube();
        } catch (e) {
            if (!(e instanceof CannotRun)) throw e;
            kubeProblem = e;
        }
        const explicit = ctx.endpoints.istiodUrls.length > 0;
        if (!explicit && kube === undefined) {
            throw kubeProblem!;
        }

        // istiod replicas of the active revision.
        let istiodPods: string[] | undefined;
        if (kube !== undefined) {
            const selector = encodeURIComponent(`app=istiod,istio.io/rev=${mesh.revision}`);
            const pods = (await kube.list<Pod>(`/api/v1/namespaces/${encodeURIComponent(mesh.namespace)}/pods?labelSelector=${selector}`)) ?? [];
            istiodPods = pods.filter((p) => p.status?.phase === "Running").map((p) => p.metadata.name);
            if (istiodPods.length === 0 && !explicit) {
                return fail(
                    `no running istiod pod of revision ${mesh.revision} in ${mesh.namespace}: no proxy can be in sync`,
                    `look at \`kubectl -n ${mesh.namespace} get pods -l app=istiod\` and the istiod-${mesh.revision} Helm release; run \`pulumi up\``,
                );
            }
        }
        const sources = explicit ? ctx.endpoints.istiodUrls.map((u) => urlSource(ctx, u)) : istiodPods!.map((p) => podSource(kube!, mesh.namespace, p));

        let statuses = await fetchAll(sources);
        let bad = statuses.map((s) => ({ s, problems: proxyProblems(s) })).filter((x) => x.problems.length > 0);
        if (bad.length > 0 && ctx.settleMs > 0) {
            // A push may be in flight: look again once before calling it stale.
            await ctx.sleep(ctx.settleMs);
            statuses = await fetchAll(sources);
            bad = statuses.map((s) => ({ s, problems: proxyProblems(s) })).filter((x) => x.problems.length > 0);
        }

        // Every sidecar of the active revision should be connected.
        const connected = new Set(statuses.map((s) => s.proxy ?? ""));
        const notConnected: string[] = [];
        const notes: string[] = [];
        if (kube !== undefined) {
            for (const ns of mesh.injectedNamespaces) {
                const pods = (await kube.list<Pod>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods`)) ?? [];
                for (const pod of pods) {
                    if (!isLive(pod) || pod.status?.phase !== "Running" || sidecarKind(pod) === undefined) continue;
                    const rev = injectedRevision(pod);
                    if (rev !== undefined && rev !== mesh.revision) continue;
                    const id = `${pod.metadata.name}.${ns}`;
                    if (!connected.has(id)) notConnected.push(`${id}: not connected to istiod ${mesh.revision}`);
                }
            }
        } else {
            notes.push(`not compared with the pods (${kubeProblem?.reason ?? "no Kubernetes API"})`);
        }

        const staleItems = bad.map((x) => `${x.s.proxy ?? "(unnamed proxy)"}: ${x.problems.join(", ")}`);
        const asked = sources.map((s) => s.label).join(", ");
        if (staleItems.length > 0) {
            return fail(
                `${staleItems.length} of ${statuses.length} proxies are not in sync with istiod (asked ${asked})`,
                "look at istiod's logs for push errors and at the listed proxies' logs (`kubectl logs <pod> -c istio-proxy`); a NACK names the config the proxy rejected — fix or remove that Istio resource",
                [...staleItems, ...notConnected],
            );
        }
        if (notConnected.length > 0) {
            if (explicit && istiodPods !== undefined && ctx.endpoints.istiodUrls.length < istiodPods.length) {
                return error(
                    `${notConnected.length} sidecar(s) were not found, but only ${ctx.endpoints.istiodUrls.length} of ${istiodPods.length} istiod replicas were asked`,
                    `pass one --istiod-url per istiod replica (${istiodPods.join(", ")})`,
                    notConnected,
                );
            }
            return fail(
                `${notConnected.length} running pod(s) with a sidecar are not connected to istiod ${mesh.revision}; ${statuses.length} connected proxies are in sync`,
                "look at the listed pods' istio-proxy logs (`kubectl logs <pod> -c istio-proxy`) for XDS connection errors; restart them if they were injected for a removed revision",
                notConnected,
            );
        }
        if (statuses.length === 0) {
            return pass(`istiod reports no connected proxy and no running pod with a sidecar was expected (asked ${asked})`, notes);
        }
        return pass(`all ${statuses.length} connected proxies are SYNCED (CDS, LDS, RDS, EDS) with istiod ${mesh.revision} (asked ${asked})`, notes);
    },
};
