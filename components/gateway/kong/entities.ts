/**
 * The Kong entities the program declares, derived from the service catalog and the gateway model. Pure data in
 * Kong's own field names (snake_case), so the same declaration drives the dynamic resources and the decK-style
 * listing of the offline plan. Secrets are only referenced here, never held.
 */
import { createHash } from "node:crypto";
import { Catalog, GatewayRoute, ServiceSpec } from "../../../model/catalog";
import { ExtraPluginSpec, GatewayModel, JwtCredentialSpec, scopeLabel } from "../../../model/gateway";
import { serviceHost } from "../../../model/wellknown";

export interface DeclaredPlugin {
    readonly instance_name: string;
    readonly name: string;
    readonly config: Record<string, unknown>;
    readonly enabled: boolean;
    readonly tags: readonly string[];
}

export interface DeclaredRoute {
    readonly name: string;
    readonly protocols: readonly string[];
    /** Kong 3.9.3 routes.lua: one of 426 (default), 301, 302, 307, 308; answered when only the protocol differs. */
    readonly https_redirect_status_code?: 308;
    readonly paths?: readonly string[];
    readonly methods?: readonly string[];
    readonly hosts?: readonly string[];
    readonly strip_path: boolean;
    readonly tags: readonly string[];
    readonly plugins: readonly DeclaredPlugin[];
}

export interface DeclaredService {
    readonly name: string;
    readonly protocol: "http" | "grpc";
    readonly host: string;
    readonly port: number;
    /** 0: the mesh sidecar owns retries (idempotent-safe conditions only); Kong's default 5 would stack on top. */
    readonly retries: number;
    readonly connect_timeout?: number;
    readonly read_timeout?: number;
    readonly write_timeout?: number;
    readonly tags: readonly string[];
    readonly routes: readonly DeclaredRoute[];
    readonly plugins: readonly DeclaredPlugin[];
}

/** Where a JWT credential's secret comes from; the value itself is injected by the component. */
export type SecretRef = { readonly source: "generated" } | { readonly source: "config"; readonly configKey: string };

export interface DeclaredJwt {
    readonly key: string;
    readonly algorithm: string;
    readonly rsa_public_key?: string;
    readonly secret?: SecretRef;
    readonly tags: readonly string[];
}

export interface DeclaredConsumer {
    readonly username: string;
    readonly custom_id?: string;
    readonly tags: readonly string[];
    readonly plugins: readonly DeclaredPlugin[];
    readonly jwt_secrets: readonly DeclaredJwt[];
}

/**
 * A Kong certificate (kong/db/schema/entities/certificates.lua at 3.9.3: `cert`, `key`, `tags`; primary key `id`,
 * no endpoint key, so it is PUT by a UUID we derive) whose PEM comes from a Kubernetes TLS Secret, and its SNIs
 * (snis.lua: endpoint key `name`, `certificate` a foreign key to certificates).
 */
export interface DeclaredCertificate {
    /** Stable UUID from the stack and the Secret name: the same certificate entity on every run. */
    readonly id: string;
    /** `kubernetes.io/tls` Secret in the gateway namespace (keys `tls.crt`, `tls.key`). */
    readonly secretName: string;
    readonly snis: readonly string[];
    readonly tags: readonly string[];
}

export interface KongDeclaration {
    /** `managed-by:pulumi`, `stack:<stack>`: on every entity; decK's `select_tags`. */
    readonly ownerTags: readonly string[];
    readonly services: readonly DeclaredService[];
    /** Global plugins. */
    readonly plugins: readonly DeclaredPlugin[];
    readonly consumers: readonly DeclaredConsumer[];
    /** The proxy's certificates and SNIs (from `gateway.tls`). */
    readonly certificates: readonly DeclaredCertificate[];
}

/** A name-based UUID (RFC 4122 version 5 layout over SHA-1), so a derived entity keeps its id across runs. */
export function stableUuid(name: string): string {
    const h = createHash("sha1").update(`254carbon/kong/${name}`).digest();
    h[6] = (h[6] & 0x0f) | 0x50;
    h[8] = (h[8] & 0x3f) | 0x80;
    const x = h.subarray(0, 16).toString("hex");
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export const MANAGED_BY_TAG = "managed-by:pulumi";

export function ownerTags(stack: string): string[] {
    return [MANAGED_BY_TAG, `stack:${stack}`];
}

/** Kong route names are global; catalog route names are unique per service only. `.` cannot occur in either part. */
export function kongRouteName(service: string, route: string): string {
    return `${service}.${route}`;
}

function plugin(instance: string, name: string, config: Record<string, unknown>, tags: readonly string[]): DeclaredPlugin {
    return { instance_name: instance, name, config, enabled: true, tags };
}

function routeOf(svc: ServiceSpec, route: GatewayRoute, model: GatewayModel, tags: readonly string[], extras: readonly ExtraPluginSpec[]): DeclaredRoute {
    const exposure = svc.gateway!;
    const name = kongRouteName(svc.name, route.name);
    const grpc = svc.protocol === "grpc";
    const plugins: DeclaredPlugin[] = [];
    if (exposure.rateLimitPerMinute !== undefined) {
        // Kong's rate-limiting counts per consumer and falls back to the client IP when no consumer is known
        // (limit_by default "consumer"). policy "cluster" (kong/plugins/rate-limiting/schema.lua at 3.9.3: one of
        // local, cluster, redis when a database is configured): the counters live in Kong's PostgreSQL and are shared
        // by every node, so the limit is the gateway's, not multiplied by the replica count as "local" would be.
        plugins.push(plugin(`${name}.rate-limiting`, "rate-limiting", { minute: exposure.rateLimitPerMinute, policy: "cluster" }, tags));
    }
    if (exposure.corsOrigins !== undefined) {
        const methods = route.methods.length > 0 ? [...new Set([...route.methods, "OPTIONS"])] : undefined;
        plugins.push(plugin(`${name}.cors`, "cors", { origins: [...exposure.corsOrigins], ...(methods ? { methods } : {}), credentials: false, max_age: 3600 }, tags));
    }
    if (model.jwtRequired && !exposure.public) {
        // Browsers send CORS preflights without credentials: let them through when the route has cors.
        plugins.push(plugin(`${name}.jwt`, "jwt", { claims_to_verify: ["exp"], key_claim_name: "iss", run_on_preflight: exposure.corsOrigins === undefined }, tags));
    }
    for (const extra of extras) {
        if (extra.scope.kind === "route" && extra.scope.service === svc.name && extra.scope.route === route.name) {
            plugins.push(extraPlugin(extra, tags));
        }
    }
    // https-only stacks: plain http matches the route except for its protocol, so Kong answers 308 to https before
    // any plugin runs (no JWT is ever accepted over plain http). gRPC clients follow no redirects: grpcs only.
    const httpsOnly = model.edge.httpsOnly;
    return {
        name,
        protocols: grpc ? (httpsOnly ? ["grpcs"] : ["grpc", "grpcs"]) : httpsOnly ? ["https"] : ["http", "https"],
        ...(httpsOnly && !grpc ? { https_redirect_status_code: 308 as const } : {}),
        ...(route.paths.length > 0 ? { paths: [...route.paths] } : {}),
        ...(!grpc && route.methods.length > 0 ? { methods: [...route.methods] } : {}),
        ...(route.hosts.length > 0 ? { hosts: [...route.hosts] } : {}),
        // Kong refuses strip_path on gRPC routes (routes_subschemas.lua: "cannot set 'strip_path' when 'protocols' is 'grpc'").
        strip_path: grpc ? false : route.stripPath,
        tags,
        plugins,
    };
}

function extraPlugin(extra: ExtraPluginSpec, tags: readonly string[]): DeclaredPlugin {
    return plugin(extra.instanceName ?? `${scopeLabel(extra.scope)}.${extra.name}`, extra.name, extra.config, tags);
}

function jwtOf(spec: JwtCredentialSpec, tags: readonly string[]): DeclaredJwt {
    return {
        key: spec.key,
        algorithm: spec.algorithm,
        ...(spec.publicKey !== undefined ? { rsa_public_key: spec.publicKey } : {}),
        ...(spec.secret !== undefined ? { secret: spec.secret } : {}),
        tags,
    };
}

/**
 * Every catalog service with a `gateway` entry becomes a Kong service whose upstream is its in-mesh Service DNS name,
 * with its routes and their plugins; global prometheus and correlation-id; consumers and JWT credentials from config.
 */
export function deriveKongEntities(model: GatewayModel, catalog: Catalog, stack: string): KongDeclaration {
    const tags = ownerTags(stack);
    const services: DeclaredService[] = catalog.services
        .filter((svc) => svc.gateway !== undefined)
        .map((svc) => ({
            name: svc.name,
            protocol: svc.protocol === "grpc" ? "grpc" : "http",
            host: serviceHost(svc.name, svc.namespace),
            port: svc.port,
            retries: 0,
            ...(svc.timeoutMs !== undefined ? { read_timeout: svc.timeoutMs, write_timeout: svc.timeoutMs } : {}),
            tags,
            routes: svc.gateway!.routes.map((route) => routeOf(svc, route, model, tags, model.plugins)),
            plugins: model.plugins.filter((p) => p.scope.kind === "service" && p.scope.service === svc.name).map((p) => extraPlugin(p, tags)),
        }));
    const plugins: DeclaredPlugin[] = [
        plugin(
            "global.prometheus",
            "prometheus",
            // per_consumer off: a label per consumer multiplies series; the rest feed the "API Gateway (Kong)" dashboard.
            { per_consumer: false, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true },
            tags,
        ),
        plugin("global.correlation-id", "correlation-id", { header_name: "X-Correlation-ID", generator: "uuid#counter", echo_downstream: true }, tags),
        ...model.plugins.filter((p) => p.scope.kind === "global").map((p) => extraPlugin(p, tags)),
    ];
    const consumers: DeclaredConsumer[] = model.consumers.map((c) => ({
        username: c.name,
        ...(c.customId !== undefined ? { custom_id: c.customId } : {}),
        tags,
        plugins: model.plugins.filter((p) => p.scope.kind === "consumer" && p.scope.consumer === c.name).map((p) => extraPlugin(p, tags)),
        jwt_secrets: c.jwt.map((j) => jwtOf(j, tags)),
    }));
    const tls = model.edge.tls;
    const certificates: DeclaredCertificate[] = tls === undefined ? [] : [{ id: stableUuid(`${stack}/certificate/${tls.secretName}`), secretName: tls.secretName, snis: [...tls.snis], tags }];
    return { ownerTags: tags, services, plugins, consumers, certificates };
}

/** The Kong fields of an entity without the nested lists and the endpoint key: what the provider PUTs. */
export function serviceBody(s: DeclaredService): Record<string, unknown> {
    const { name: _name, routes: _routes, plugins: _plugins, ...body } = s;
    return body;
}

export function routeBody(r: DeclaredRoute): Record<string, unknown> {
    const { name: _name, plugins: _plugins, ...body } = r;
    return body;
}

export function pluginBody(p: DeclaredPlugin): Record<string, unknown> {
    const { instance_name: _instance, ...body } = p;
    return body;
}

export function consumerBody(c: DeclaredConsumer): Record<string, unknown> {
    const { username: _username, plugins: _plugins, jwt_secrets: _jwt, ...body } = c;
    return body;
}

export function jwtBody(j: DeclaredJwt): Record<string, unknown> {
    const { key: _key, secret: _secret, ...body } = j;
    return body;
}
