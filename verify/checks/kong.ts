import { GATEWAY, serviceHost } from "../../model/wellknown";
import { Check, VerifyContext } from "../context";
import { getEndpoint, getKongAdmin, inClusterService } from "../endpoint";
import { excerpt, HttpResponse, joinUrl, jsonBody } from "../http";
import { kongRouteName } from "../../components/gateway/kong/entities";
import { ENVOY_RBAC_DENIED, whoAnswered } from "../identity";
import { KubeClient, asKubeStatus } from "../kube";
import { GatewayOutputs, GatewayRouteOutput } from "../outputs";
import { CannotRun, Outcome, fail, pass, skip } from "../result";

/**
 * Seed test 4, made specific.
 *
 * kong-status: `GET /status` of the Admin API (Kong 3.x kong/api/routes/health.lua) answers 200 with
 * `{"database": {"reachable": <bool>}, "memory": {...}, "server": {"connections_active", "total_requests", ...}}`
 * (plus `configuration_hash` in DB-less mode); `reachable` is false when Kong cannot connect to its datastore.
 * The Admin API listens on the Kong pods' loopback only: verify reaches it at --kong-admin-url / KONG_ADMIN_URL or
 * the stack's direct URL (the `gateway.adminUrl` output, set only when the stack sets gateway.admin.url), else the
 * way `pulumi up` does, through a port-forward to a ready Kong pod (verify/endpoint.ts getKongAdmin).
 *
 * kong-route: a catalog route answers through kong-proxy, and the check asserts who answered (verify/identity.ts):
 * a route that requires a JWT must answer 401 without a token from Kong itself (`Server: kong/<v>`, the jwt
 * plugin's `{"message":"Unauthorized"}`); a route without one must be proxied by Kong (`Via: ... kong/<v>`,
 * `X-Kong-Upstream-Latency`) through the upstream's sidecar when the upstream has one, and not be refused by that
 * sidecar (403 `RBAC: access denied`). An answer without Kong's headers is a FAIL naming what answered. With the
 * Admin API at hand, the route's Kong service must point at the catalog service's mesh DNS name
 * (`GET /routes/{name}/service`, Kong Admin API). Kong answers 404 `{"message":"no Route matched with those
 * values"}` when no route matches, and 502/503/504 when it cannot reach the upstream.
 *
 * kong-replicas: every Kong replica is ready (Deployment `status.readyReplicas` = `spec.replicas`, apps/v1).
 */

export const KONG_NO_ROUTE = "no Route matched with those values";
/** What to do when the Admin API cannot be reached: the port-forward's permission, or a direct URL. */
const REACH_ADMIN = `grant pods/portforward (get, create) and pods (get, list) in ${GATEWAY.namespace} to the verifying identity (--kubeconfig/--context), or pass --kong-admin-url`;
export { ENVOY_RBAC_DENIED };

function kongMessage(res: HttpResponse): string | undefined {
    const body = jsonBody(res);
    const m = typeof body === "object" && body !== null ? (body as { message?: unknown }).message : undefined;
    return typeof m === "string" ? m : undefined;
}

export const kongStatusCheck: Check = {
    id: "kong-status",
    title: "Kong healthy (datastore reachable)",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const gateway = ctx.section("gateway");
        if (gateway === undefined) {
            return skip("the stack exports no `gateway` output (the gateway component is off)");
        }
        const admin = ctx.endpoints.kongAdminUrl ?? gateway.adminUrl;
        const headers: Record<string, string> = ctx.endpoints.kongAdminToken !== undefined ? { "kong-admin-token": ctx.endpoints.kongAdminToken } : {};
        const { res, via } = await getKongAdmin(ctx, admin, "/status", { headers, what: "the Kong Admin API", action: REACH_ADMIN });
        if (res.status === 403 && res.body.trim() === ENVOY_RBAC_DENIED) {
            throw new CannotRun(`the mesh refused ${via} (403 "${ENVOY_RBAC_DENIED}"): that is not a direct route to the Admin API`, REACH_ADMIN);
        }
        const apiStatus = asKubeStatus(jsonBody(res));
        if (apiStatus !== undefined) {
            throw new CannotRun(`${via} could not reach the Admin API (${res.status}: ${apiStatus.message ?? ""})`, REACH_ADMIN);
        }
        if (res.status === 401 || res.status === 403) {
            throw new CannotRun(`the Kong Admin API refused ${via} (${res.status}: ${excerpt(res.body)})`, "set KONG_ADMIN_TOKEN to a token the Admin API accepts");
        }
        if (res.status === 404) {
            throw new CannotRun(`${via} answered 404 (${excerpt(res.body, 120)}): this is not Kong's Admin API`, `point --kong-admin-url at the Admin API (port ${GATEWAY.ports.admin}), not the proxy, or leave it unset to port-forward`);
        }
        if (res.status !== 200) {
            return fail(`Kong's Admin API answered GET /status with ${res.status}: ${excerpt(res.body)}`, `look at the Kong pods' logs (kubectl -n ${gateway.namespace} logs deploy/kong)`);
        }
        const body = jsonBody(res) as { database?: { reachable?: unknown }; server?: { connections_active?: unknown; total_requests?: unknown } } | undefined;
        const reachable = body?.database?.reachable;
        if (typeof reachable !== "boolean") {
            throw new CannotRun(`${via} answered 200 without database.reachable: ${excerpt(res.body)}`, "check that the URL is Kong's Admin API (port 8001), not the proxy");
        }
        const server = body?.server;
        const load = server !== undefined ? ` (${String(server.connections_active)} active connections, ${String(server.total_requests)} requests served)` : "";
        if (!reachable) {
            return fail(
                `Kong is up but cannot reach its PostgreSQL datastore${load}`,
                `look at the kong-postgres pod / external database and the credentials secret; Kong's logs say why: kubectl -n ${gateway.namespace} logs deploy/kong | grep -i postgres`,
            );
        }
        return pass(`Kong's Admin API answers and its datastore is reachable${load}`);
    },
};

interface Probe {
    readonly route: GatewayRouteOutput;
    readonly path: string;
    /** undefined: neither the outputs nor the catalog say whether the route needs a JWT. */
    readonly jwt: boolean | undefined;
}

/** A route we can probe with a plain GET: a prefix path (no regex), GET allowed, no host match needed. */
function probeable(route: GatewayRouteOutput, canSetHost: boolean): string | undefined {
    if (route.methods.length > 0 && !route.methods.some((m) => m.toUpperCase() === "GET")) return undefined;
    if (route.hosts.length > 0 && !canSetHost) return undefined;
    return route.paths.find((p) => p.startsWith("/"));
}

/**
 * The routes to probe, with what each should answer. Routes come from the `gateway.routes` output (a list of
 * objects, or the program's map of Kong route name `<service>.<route>` → paths), completed from the service catalog
 * (methods, hosts, whether the service is public); without routes in the outputs, from the catalog alone. A route
 * needs a JWT when the output says so, else when `gateway.jwtRequired` is on and its service is not public — the
 * rule the gateway component applies.
 */
function routesToProbe(ctx: VerifyContext, gateway: GatewayOutputs, canSetHost: boolean): Probe[] {
    const services = ctx.catalog().services.filter((s) => s.gateway !== undefined);
    const fromCatalog = (service: string, route: string): { route: GatewayRouteOutput; isPublic: boolean } | undefined => {
        const svc = services.find((s) => s.name === service);
        const r = svc?.gateway!.routes.find((x) => x.name === route);
        return svc === undefined || r === undefined
            ? undefined
            : { route: { name: `${svc.name}.${r.name}`, service: svc.name, paths: r.paths, methods: r.methods, hosts: r.hosts }, isPublic: svc.gateway!.public };
    };
    const jwtOf = (explicit: boolean | undefined, isPublic: boolean | undefined): boolean | undefined =>
        explicit ?? (gateway.jwtRequired === undefined || isPublic === undefined ? undefined : gateway.jwtRequired && !isPublic);

    let candidates: { route: GatewayRouteOutput; jwt: boolean | undefined }[];
    if (gateway.routes !== undefined && gateway.routes.length > 0) {
        candidates = gateway.routes.map((route) => {
            const [service, name] = route.service !== undefined ? [route.service, route.name.split(".").pop()!] : route.name.split(/\.(?=[^.]+$)/);
            const known = name !== undefined ? fromCatalog(service, name) : undefined;
            const merged: GatewayRouteOutput = {
                name: route.name,
                service: route.service ?? known?.route.service,
                paths: route.paths.length > 0 ? route.paths : (known?.route.paths ?? []),
                methods: route.methods.length > 0 ? route.methods : (known?.route.methods ?? []),
                hosts: route.hosts.length > 0 ? route.hosts : (known?.route.hosts ?? []),
                jwt: route.jwt,
            };
            return { route: merged, jwt: jwtOf(route.jwt, known?.isPublic) };
        });
    } else {
        candidates = services.flatMap((s) => s.gateway!.routes.map((r) => fromCatalog(s.name, r.name)!)).map((c) => ({ route: c.route, jwt: jwtOf(undefined, c.isPublic) }));
    }
    const usable = candidates.flatMap((c) => {
        const path = probeable(c.route, canSetHost);
        return path === undefined ? [] : [{ route: c.route, path, jwt: c.jwt }];
    });
    // One route that needs a JWT and one that does not, when both kinds exist.
    const withJwt = usable.find((p) => p.jwt === true);
    const withoutJwt = usable.find((p) => p.jwt !== true);
    return [withJwt, withoutJwt].filter((p): p is Probe => p !== undefined);
}

/**
 * The route's Kong service must point at its catalog service's mesh DNS name (the gateway component sets each Kong
 * service's host to it). Read through the Admin API: at the given URL (a failure there is the check's), else through
 * the port-forward, whose failure is noted, not judged (kong-status reports it as its own ERROR).
 */
async function routeUpstream(ctx: VerifyContext, gateway: GatewayOutputs, probe: Probe): Promise<{ host?: string; problem?: string; note?: string }> {
    const admin = ctx.endpoints.kongAdminUrl ?? gateway.adminUrl;
    const svc = ctx.catalog().services.find((s) => s.name === probe.route.service);
    if (svc === undefined) {
        return { note: `${probe.route.name}: the route's upstream was not confirmed (no catalog service)` };
    }
    const headers: Record<string, string> = ctx.endpoints.kongAdminToken !== undefined ? { "kong-admin-token": ctx.endpoints.kongAdminToken } : {};
    const kongName = probe.route.name.startsWith(`${svc.name}.`) ? probe.route.name : kongRouteName(svc.name, probe.route.name);
    let res: HttpResponse;
    try {
        ({ res } = await getKongAdmin(ctx, admin, `/routes/${encodeURIComponent(kongName)}/service`, { headers, what: "the Kong Admin API", action: REACH_ADMIN }));
    } catch (e) {
        if (admin === undefined && e instanceof CannotRun) {
            return { note: `${probe.route.name}: the route's upstream was not confirmed (${e.reason})` };
        }
        throw e;
    }
    const body = jsonBody(res) as { host?: unknown } | undefined;
    const expected = serviceHost(svc.name, svc.namespace);
    if (res.status !== 200 || typeof body?.host !== "string") {
        return { problem: `the Admin API has no service for route ${probe.route.name} (${res.status}: ${excerpt(res.body, 100)})` };
    }
    if (body.host !== expected) {
        return { problem: `route ${probe.route.name} sends traffic to ${body.host}, not to ${expected} (its catalog service)` };
    }
    return { host: body.host };
}

interface Deployment {
    readonly spec?: { readonly replicas?: number };
    readonly status?: { readonly replicas?: number; readonly readyReplicas?: number; readonly updatedReplicas?: number; readonly availableReplicas?: number };
}

/** The Kong Deployment's name (components/gateway/index.ts declares it as `kong`, the gateway's app label). */
export const KONG_DEPLOYMENT = GATEWAY.app;

export const kongReplicasCheck: Check = {
    id: "kong-replicas",
    title: "Every Kong replica is ready",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const gateway = ctx.section("gateway");
        if (gateway === undefined) {
            return skip("the stack exports no `gateway` output (the gateway component is off)");
        }
        const path = `/apis/apps/v1/namespaces/${gateway.namespace}/deployments/${KONG_DEPLOYMENT}`;
        const d = await ctx.kube().get<Deployment>(path);
        if (d === undefined) {
            return fail(`there is no Deployment ${gateway.namespace}/${KONG_DEPLOYMENT}`, "run `pulumi up` for this stack");
        }
        const desired = d.spec?.replicas ?? 1;
        const ready = d.status?.readyReplicas ?? 0;
        const updated = d.status?.updatedReplicas ?? 0;
        const summary = `${ready}/${desired} ready, ${updated} updated, ${d.status?.availableReplicas ?? 0} available`;
        if (desired === 0) {
            return fail(`Deployment ${gateway.namespace}/${KONG_DEPLOYMENT} is scaled to 0`, "set gateway.replicas and run `pulumi up`");
        }
        if (ready !== desired || updated !== desired) {
            return fail(`Kong: ${summary}`, `look at \`kubectl -n ${gateway.namespace} get pods -l app=${GATEWAY.app}\` and \`kubectl -n ${gateway.namespace} describe deploy/${KONG_DEPLOYMENT}\``);
        }
        return pass(`Kong: ${summary}`);
    },
};

export const kongRouteCheck: Check = {
    id: "kong-route",
    title: "Catalog route answers through kong-proxy",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const gateway = ctx.section("gateway");
        if (gateway === undefined) {
            return skip("the stack exports no `gateway` output (the gateway component is off)");
        }
        const proxyUrl = ctx.endpoints.kongProxyUrl ?? gateway.proxyUrl;
        const probes = routesToProbe(ctx, gateway, proxyUrl !== undefined && inClusterService(proxyUrl) === undefined);
        if (probes.length === 0) {
            return skip("no catalog route can be probed with a plain GET (all are regex, host-bound or non-GET)");
        }
        const failures: string[] = [];
        const passes: string[] = [];
        const notes: string[] = [];
        const action = "pass --kong-proxy-url (the proxy's load balancer, or a port-forward to kong-proxy)";
        for (const probe of probes) {
            const label = `route ${probe.route.name} (GET ${probe.path}${probe.jwt === true ? ", JWT required" : probe.jwt === false ? ", no JWT" : ""})`;
            let res: HttpResponse;
            if (proxyUrl !== undefined) {
                const headers: Record<string, string> = probe.route.hosts.length > 0 && inClusterService(proxyUrl) === undefined ? { host: probe.route.hosts[0] } : {};
                res = (await getEndpoint(ctx, joinUrl(proxyUrl, probe.path), { headers, what: "kong-proxy", action })).res;
            } else {
                res = await ctx.kube().raw(KubeClient.serviceProxyPath(gateway.namespace, gateway.proxyServiceName, GATEWAY.servicePorts.http, probe.path));
            }
            const status = asKubeStatus(jsonBody(res));
            if (status !== undefined) {
                // The API server could not get to Kong at all.
                if (/no endpoints available/i.test(status.message ?? "")) {
                    return fail(`${gateway.namespace}/${gateway.proxyServiceName} has no ready pod (${status.message})`, `look at \`kubectl -n ${gateway.namespace} get pods -l app=${GATEWAY.app}\``);
                }
                throw new CannotRun(`the API server could not proxy to ${gateway.namespace}/${gateway.proxyServiceName} (${res.status}: ${status.message ?? ""})`, action);
            }
            const message = kongMessage(res);
            const who = whoAnswered(res);
            if (who.kong === undefined) {
                failures.push(`${label}: answered ${res.status} by ${who.description}: expected Kong's own headers (Via: kong/<version> with X-Kong-Upstream-Latency, or Server: kong/<version> with X-Kong-Response-Latency)`);
                continue;
            }
            if (res.status === 404 && message === KONG_NO_ROUTE && who.kong === "kong") {
                failures.push(`${label}: Kong has no such route (404 "${KONG_NO_ROUTE}")`);
                continue;
            }
            if (probe.jwt === true) {
                if (res.status === 401 && who.kong === "kong") {
                    passes.push(`${label}: 401 without a token from ${who.description}`);
                } else {
                    failures.push(`${label}: answered ${res.status} from ${who.description} without a token, expected Kong's own 401 — the jwt plugin is not enforcing`);
                }
                continue;
            }
            if (who.rbacDenied) {
                failures.push(`${label}: the upstream's sidecar refused Kong (403 "${ENVOY_RBAC_DENIED}") — the mesh's AuthorizationPolicy on ${probe.route.service ?? "the service"} does not admit the gateway's identity`);
                continue;
            }
            if (res.status === 502 || res.status === 503 || res.status === 504) {
                failures.push(`${label}: Kong could not reach the upstream ${probe.route.service ?? ""} (${res.status} ${message ?? excerpt(res.body, 80)})`);
                continue;
            }
            if (probe.jwt === false && res.status === 401 && message === "Unauthorized") {
                failures.push(`${label}: 401 Unauthorized, but the stack says this route needs no JWT`);
                continue;
            }
            if (who.kong !== "proxied") {
                failures.push(`${label}: answered ${res.status} by ${who.description} (${message ?? excerpt(res.body, 80)}), not by the upstream`);
                continue;
            }
            const upstream = ctx.catalog().services.find((s) => s.name === probe.route.service);
            if (upstream?.sidecar === true && !who.sidecar) {
                failures.push(`${label}: answered ${res.status} through Kong without any sidecar's headers (server: istio-envoy / x-envoy-upstream-service-time), but ${upstream.name} has a sidecar: the answer did not come through the mesh`);
                continue;
            }
            const target = await routeUpstream(ctx, gateway, probe);
            if (target.problem !== undefined) {
                failures.push(`${label}: ${target.problem}`);
                continue;
            }
            if (probe.jwt === undefined) {
                notes.push(`${probe.route.name}: neither the outputs nor the catalog say whether it needs a JWT (gateway.jwtRequired / routes[].jwt)`);
            }
            if (target.note !== undefined) {
                notes.push(target.note);
            }
            passes.push(`${label}: ${res.status} from ${who.description}${target.host ? ` (Kong service → ${target.host})` : ""}`);
        }
        if (failures.length > 0) {
            return fail(
                `${failures.length} of ${probes.length} probed route(s) misbehave through kong-proxy`,
                "compare Kong's routes and plugins with the stack (`pulumi up` reconciles them); for 5xx look at the upstream's pods and the mesh policies allowing kong → the service",
                [...failures, ...passes, ...notes],
            );
        }
        return pass(`${passes.join("; ")}`, notes);
    },
};
