/**
 * GET an endpoint URL from wherever verify runs. URLs the stack exports are often in-cluster Service names
 * (`http://kong-proxy.kong.svc.cluster.local:80`): inside the cluster they resolve and are used as they are;
 * outside, when the name does not resolve, the same Service is reached through the API server's service proxy
 * (`/api/v1/namespaces/<ns>/services/[https:]<name>:<port>/proxy/<path>`), if a Kubernetes API is configured.
 * The API server consumes the Authorization header (it authenticates the caller with it), so a request that needs
 * its own bearer token cannot take that route.
 *
 * Kong's Admin API listens on the pod's loopback only and has no Service: without a direct URL it is reached the
 * way `pulumi up` reaches it, through a port-forward to a ready Kong pod (components/gateway/kong/tunnel.ts), with
 * the same kubeconfig and context as the other checks, so verify needs exactly the permission the deploy has.
 */
import { joinUrl, HttpResponse, Unreachable, redactUrl, request } from "./http";
import type { VerifyContext } from "./context";
import { defaultKubeconfigPath, KubeClient } from "./kube";
import { CannotRun } from "./result";
import { KongTunnelForbiddenError, withTunnel } from "../components/gateway/kong/tunnel";
import { kongTunnelTarget } from "../components/gateway";

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

/** GET through a port-forward to a ready pod of the selector (a listener on the pods' loopback). */
async function throughPortForward(ctx: VerifyContext, target: ReturnType<typeof kongTunnelTarget>, pathAndQuery: string, o: EndpointGet): Promise<EndpointAnswer> {
    const tunnel = { kubeconfigPath: ctx.endpoints.kubeconfig ?? defaultKubeconfigPath(), context: ctx.endpoints.kubeContext, namespace: target.namespace, selector: target.selector, port: target.port, readyTimeoutMs: ctx.timeoutMs };
    try {
        const res = await withTunnel(tunnel, (base) => request(joinUrl(base, pathAndQuery), { headers: o.headers, timeoutMs: ctx.timeoutMs }));
        return { res, via: `a port-forward to ${target.namespace}/${target.selector}:${target.port}` };
    } catch (e) {
        if (e instanceof KongTunnelForbiddenError) {
            throw new CannotRun(e.message, `grant the verifying identity get and create on pods/portforward and list on pods in ${target.namespace}`);
        }
        if (e instanceof Unreachable) {
            throw new CannotRun(`${o.what} through a port-forward to ${target.namespace}/${target.selector}:${target.port} is unreachable: ${e.reason}`, o.action);
        }
        throw new CannotRun(`${o.what}: the port-forward to ${target.namespace}/${target.selector}:${target.port} failed (${(e as Error).message})`, o.action);
    }
}

/**
 * GET `pathAndQuery` of Kong's Admin API: at `adminUrl` when one is given (--kong-admin-url, or the stack's direct
 * gateway.admin.url), else through the provider's own port-forward to a ready Kong pod.
 */
export async function getKongAdmin(ctx: VerifyContext, adminUrl: string | undefined, pathAndQuery: string, o: EndpointGet): Promise<EndpointAnswer> {
    return adminUrl === undefined ? throughPortForward(ctx, kongTunnelTarget(), pathAndQuery, o) : getEndpoint(ctx, joinUrl(adminUrl, pathAndQuery), o);
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
