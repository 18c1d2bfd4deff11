/**
 * GET an endpoint URL from wherever verify runs. URLs the stack exports are often in-cluster Service names
 * (`http://kong-admin.kong.svc.cluster.local:8001`): inside the cluster they resolve and are used as they are;
 * outside, when the name does not resolve, the same Service is reached through the API server's service proxy
 * (`/api/v1/namespaces/<ns>/services/[https:]<name>:<port>/proxy/<path>`), if a Kubernetes API is configured.
 * The API server consumes the Authorization header (it authenticates the caller with it), so a request that needs
 * its own bearer token cannot take that route.
 */
import { HttpResponse, Unreachable, redactUrl, request } from "./http";
import type { VerifyContext } from "./context";
import { KubeClient } from "./kube";
import { CannotRun } from "./result";

/** `<service>.<namespace>.svc[.<cluster domain>]` → its parts; undefined for any other host. */
export function inClusterService(url: string): { service: string; namespace: string; port: number; https: boolean; pathAndQuery: string } | undefined {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        return undefined;
    }
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9.-]+)?\.?$/.exec(u.hostname);
    if (m === null) return undefined;
    const https = u.protocol === "https:";
    return { service: m[1], namespace: m[3], port: u.port === "" ? (https ? 443 : 80) : Number(u.port), https, pathAndQuery: `${u.pathname}${u.search}` };
}

export interface EndpointGet {
    readonly headers?: Readonly<Record<string, string>>;
    /** What the endpoint is, for messages ("the Kong Admin API"). */
    readonly what: string;
    /** What to do when it cannot be reached. */
    readonly action: string;
}

export interface EndpointAnswer {
    readonly res: HttpResponse;
    /** How it was reached, for details. */
    readonly via: string;
}

export async function getEndpoint(ctx: VerifyContext, url: string, o: EndpointGet): Promise<EndpointAnswer> {
    const svc = inClusterService(url);
    if (svc === undefined || (await ctx.resolves(new URL(url).hostname))) {
        try {
            return { res: await request(url, { headers: o.headers, timeoutMs: ctx.timeoutMs }), via: redactUrl(url) };
        } catch (e) {
            if (e instanceof Unreachable) {
                throw new CannotRun(`${o.what} at ${redactUrl(url)} is unreachable: ${e.reason}`, o.action);
            }
            throw e;
        }
    }
    // An in-cluster name that does not resolve here: through the API server's service proxy.
    if (o.headers !== undefined && Object.keys(o.headers).some((h) => h.toLowerCase() === "authorization")) {
        throw new CannotRun(`${o.what} at ${redactUrl(url)} is an in-cluster name that does not resolve here, and its bearer token cannot pass the API server's proxy`, o.action);
    }
    let kube: KubeClient;
    try {
        kube = ctx.kube();
    } catch (k) {
        throw new CannotRun(
            `${o.what} at ${redactUrl(url)} is an in-cluster name that does not resolve here, and no Kubernetes API is configured to proxy to it (${k instanceof CannotRun ? k.reason : String(k)})`,
            o.action,
        );
    }
    const apiPath = KubeClient.serviceProxyPath(svc.namespace, `${svc.https ? "https:" : ""}${svc.service}`, svc.port, svc.pathAndQuery);
    return { res: await kube.raw(apiPath, o.headers), via: `the API server's service proxy to ${svc.namespace}/${svc.service}:${svc.port}` };
}
