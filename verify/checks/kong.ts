import { GATEWAY } from "../../model/wellknown";
import { Check, VerifyContext } from "../context";
import { getEndpoint, inClusterService } from "../endpoint";
import { excerpt, HttpResponse, joinUrl, jsonBody } from "../http";
import { KubeClient, asKubeStatus } from "../kube";
import { GatewayOutputs, GatewayRouteOutput } from "../outputs";
import { CannotRun, Outcome, fail, pass, skip } from "../result";

/**
 * Seed test 4, made specific.
 *
 * kong-status: `GET /status` of the Admin API (Kong 3.x kong/api/routes/health.lua) answers 200 with
 * `{"database": {"reachable": <bool>}, "memory": {...}, "server": {"connections_active", "total_requests", ...}}`
 * (plus `configuration_hash` in DB-less mode); `reachable` is false when Kong cannot connect to its datastore.
 * The Admin API is never exposed publicly (and the mesh denies it to callers outside its allowed namespaces), so its
 * URL comes from --kong-admin-url / KONG_ADMIN_URL or the `gateway.adminUrl` output, typically a port-forward.
 *
 * kong-route: a catalog route answers through kong-proxy. A route that requires a JWT must answer 401 without a
 * token (the jwt plugin's `{"message":"Unauthorized"}`); a route without one must reach its upstream. Kong answers
 * 404 `{"message":"no Route matched with those values"}` when no route matches, and 502/503/504 when it cannot
 * reach the upstream.
 */

export const KONG_NO_ROUTE = "no Route matched with those values";
/** The body of Envoy's RBAC filter when an AuthorizationPolicy denies a request. */
export const ENVOY_RBAC_DENIED = "RBAC: access denied";

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
        if (admin === undefined) {
            throw new CannotRun(
                "no Kong Admin API URL: neither --kong-admin-url / KONG_ADMIN_URL nor the gateway.adminUrl output",
                `port-forward it (kubectl -n ${gateway.namespace} port-forward svc/${gateway.adminServiceName} ${GATEWAY.ports.admin}) and pass --kong-admin-url http://127.0.0.1:${GATEWAY.ports.admin}`,
            );
        }
        const url = joinUrl(admin, "/status");
        const headers: Record<string, string> = ctx.endpoints.kongAdminToken !== undefined ? { "kong-admin-token": ctx.endpoints.kongAdminToken } : {};
        const portForward = `port-forward it (kubectl -n ${gateway.namespace} port-forward svc/${gateway.adminServiceName} ${GATEWAY.ports.admin}) and pass --kong-admin-url http://127.0.0.1:${GATEWAY.ports.admin}`;
        const { res, via } = await getEndpoint(ctx, url, { headers, what: "the Kong Admin API", action: portForward });
        if (res.status === 403 && res.body.trim() === ENVOY_RBAC_DENIED) {
            throw new CannotRun(`the mesh refused ${via} (403 "${ENVOY_RBAC_DENIED}"): the Admin API only admits its allowed namespaces`, portForward);
        }
        const apiStatus = asKubeStatus(jsonBody(res));
        if (apiStatus !== undefined) {
            throw new CannotRun(`${via} could not reach the Admin API (${res.status}: ${apiStatus.message ?? ""})`, portForward);
        }
        if (res.status === 401 || res.status === 403) {
            throw new CannotRun(`the Kong Admin API refused ${via} (${res.status}: ${excerpt(res.body)})`, "set KONG_ADMIN_TOKEN to a token the Admin API accepts");
        }
        if (res.status === 404) {
            throw new CannotRun(`${via} answered 404 (${excerpt(res.body, 120)}): this is not Kong's Admin API`, `point --kong-admin-url at the Admin API (${gateway.adminServiceName}:${GATEWAY.ports.admin}), not the proxy`);
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
            if (res.status === 404 && message === KONG_NO_ROUTE) {
                failures.push(`${label}: Kong has no such route (404 "${KONG_NO_ROUTE}")`);
                continue;
            }
            if (probe.jwt === true) {
                if (res.status === 401) {
                    passes.push(`${label}: 401 without a token`);
                } else {
                    failures.push(`${label}: answered ${res.status} without a token, expected 401 — the jwt plugin is not enforcing`);
                }
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
            if (probe.jwt === undefined) {
                notes.push(`${probe.route.name}: neither the outputs nor the catalog say whether it needs a JWT (gateway.jwtRequired / routes[].jwt); any answer but "no route" counts`);
            }
            passes.push(`${label}: ${res.status} from ${res.status === 401 ? "the jwt plugin" : "the upstream"}`);
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
