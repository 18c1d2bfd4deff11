import { Catalog } from "./catalog";
import { choices } from "./errors";
import { readPem } from "./pem";
import { Reader } from "./reader";
import { GATEWAY } from "./wellknown";

/**
 * The API gateway's stack config (`service-integration:gateway`): Kong OSS 3.9 on Kubernetes with PostgreSQL 15,
 * and the Kong entities (consumers, JWT credentials, extra plugins) the catalog alone does not say.
 *
 * Secrets never appear in this object. The program reads them as Pulumi secrets from these config keys
 * (`pulumi config set --secret service-integration:<key> ...`), named by `GATEWAY_SECRET_KEYS`:
 * - `postgresAdminPassword` — external database only: the admin user's password, used by `@pulumi/postgresql`.
 * - `kongAdminToken` — when `admin.token` is true: sent as `Kong-Admin-Token`.
 * - `kongAdminClientCert` / `kongAdminClientKey` — when `admin.clientCertificate` is true (mTLS to an https Admin API).
 * The proxy's TLS certificate and key are never config: they are read from the Kubernetes TLS Secret `tls.secretName`
 * (as cert-manager writes it) in the gateway namespace.
 * - `jwtSecret-<key>` — a JWT credential whose `secret` is `config`; by default (`generated`) the secret is a
 *   `random.RandomPassword` kept in state and exported as a secret output.
 */

/** Kong Gateway OSS image; official Docker library image, Kong 3.9 line. */
export const DEFAULT_KONG_IMAGE = "kong:3.9.3";
/** PostgreSQL 15 for the in-cluster database (Debian image; its `postgres` user is uid/gid 999). */
export const DEFAULT_POSTGRES_IMAGE = "postgres:15.19-bookworm";
export const POSTGRES_UID = 999;
/**
 * UID Kong runs as. The image accepts any non-root UID (Kong/docker-kong#243, for OpenShift) and Kong's prefix is an
 * emptyDir here, so the value only has to avoid 0 and Istio's proxy UID 1337.
 */
export const KONG_UID = 1000;

export const GATEWAY_SECRET_KEYS = {
    postgresAdminPassword: "postgresAdminPassword",
    /** In-cluster database with `database.password: config`: the password of Kong's role. */
    kongDatabasePassword: "kongDatabasePassword",
    kongAdminToken: "kongAdminToken",
    kongAdminClientCert: "kongAdminClientCert",
    kongAdminClientKey: "kongAdminClientKey",
    jwtSecret: (key: string): string => `jwtSecret-${key}`,
} as const;

/**
 * Plugins bundled with Kong Gateway OSS 3.9 (kong/constants.lua `plugins` at tag 3.9.3). A name outside this list
 * would fail at `PUT /plugins` with "plugin 'x' not enabled"; the model rejects it before anything runs.
 * Moving to another Kong minor: compare with that version's kong/constants.lua and update this list and the image.
 */
export const KONG_BUNDLED_PLUGINS = [
    "jwt", "acl", "correlation-id", "cors", "oauth2", "tcp-log", "udp-log", "file-log", "http-log", "key-auth",
    "hmac-auth", "basic-auth", "ip-restriction", "request-transformer", "response-transformer", "request-size-limiting",
    "rate-limiting", "response-ratelimiting", "syslog", "loggly", "datadog", "ldap-auth", "statsd", "bot-detection",
    "aws-lambda", "request-termination", "prometheus", "proxy-cache", "session", "acme", "grpc-gateway", "grpc-web",
    "pre-function", "post-function", "azure-functions", "zipkin", "opentelemetry", "ai-proxy", "ai-prompt-decorator",
    "ai-prompt-template", "ai-prompt-guard", "ai-request-transformer", "ai-response-transformer", "standard-webhooks",
    "redirect",
] as const;

/** Bundled plugins whose schema forbids a consumer scope (`consumer = typedefs.no_consumer` in their schema.lua). */
export const KONG_NO_CONSUMER_PLUGINS = ["acl", "acme", "ai-request-transformer", "basic-auth", "bot-detection", "cors", "hmac-auth", "jwt", "key-auth", "ldap-auth", "oauth2", "session", "standard-webhooks"] as const;

/** Plugins the program derives itself; an extra plugin with the same name and scope would collide (Kong answers 409). */
export const DERIVED_PLUGINS = {
    global: ["prometheus", "correlation-id"],
    route: ["rate-limiting", "cors", "jwt"],
} as const;

/** JWT algorithms Kong 3.9 accepts (kong/plugins/jwt/daos.lua `algorithm.one_of`). */
export const JWT_ALGORITHMS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const PROXY_SERVICE_TYPES = ["ClusterIP", "LoadBalancer"] as const;
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Kong entity names (service/route names, consumer usernames, instance names): kong/db/schema/typedefs.lua utf8_name. */
const KONG_NAME = { re: /^[A-Za-z0-9._~-]+$/, hint: "a Kong name (letters, digits, '.', '-', '_', '~')" };
const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY = /^\d+(Ki|Mi|Gi|Ti)$/;
const STORAGE = /^\d+(Mi|Gi|Ti)$/;

export interface ResourceQuantities {
    readonly cpu: string;
    readonly memory: string;
}

export interface ContainerResources {
    readonly requests: ResourceQuantities;
    readonly limits: ResourceQuantities;
}

export interface JwtCredentialSpec {
    /** Kong's `key`: the value JWTs carry in their `iss` claim (jwt plugin `key_claim_name`). Unique across consumers. */
    readonly key: string;
    readonly algorithm: JwtAlgorithm;
    /** HS* only: where the shared secret comes from. */
    readonly secret?: { readonly source: "generated" } | { readonly source: "config"; readonly configKey: string };
    /** RS/ES/PS/EdDSA: the issuer's public key (PEM, not secret). */
    readonly publicKey?: string;
}

export interface ConsumerSpec {
    /** Kong consumer `username`. */
    readonly name: string;
    readonly customId?: string;
    readonly jwt: readonly JwtCredentialSpec[];
}

export type PluginScope =
    | { readonly kind: "global" }
    | { readonly kind: "service"; readonly service: string }
    | { readonly kind: "route"; readonly service: string; readonly route: string }
    | { readonly kind: "consumer"; readonly consumer: string };

/** An extra Kong plugin from config, beyond the ones derived from the catalog. */
export interface ExtraPluginSpec {
    readonly name: string;
    /** Kong `instance_name`; defaults to `<scope>.<name>`. */
    readonly instanceName?: string;
    readonly scope: PluginScope;
    readonly config: Record<string, unknown>;
}

export interface InClusterDatabase {
    readonly mode: "in-cluster";
    /**
     * Where the password of Kong's role comes from: `generated` (RandomPassword, kept in state), or `config` (the
     * secret `kongDatabasePassword`, for stacks without the random provider plugin, such as `local`).
     */
    readonly passwordSource: "generated" | "config";
    readonly image: string;
    readonly storage: string;
    readonly storageClass?: string;
    readonly resources: ContainerResources;
}

export interface ExternalDatabase {
    readonly mode: "external";
    readonly host: string;
    readonly port: number;
    readonly sslmode: SslMode;
    /** Role that creates Kong's role and database (password from `postgresAdminPassword`). */
    readonly adminUser: string;
    readonly adminDatabase: string;
    /** Whether adminUser is a PostgreSQL superuser (false on managed services such as RDS / Cloud SQL). */
    readonly superuser: boolean;
    /**
     * CA (PEM) that signed the server's certificate, for verify-ca/verify-full: trusted by Kong (next to the system
     * bundle), by `@pulumi/postgresql` and by the preflight. Without it only the system bundle is trusted, which
     * fails for a private CA.
     */
    readonly caCertificate?: string;
}

/** The proxy's public edge: TLS from a Kubernetes Secret, and whether plain HTTP only redirects. */
export interface GatewayEdge {
    /**
     * A `kubernetes.io/tls` Secret in the gateway namespace (`tls.crt`, `tls.key`, as cert-manager writes it). Its
     * certificate becomes a Kong `certificate` with one `sni` per name in `snis`.
     */
    readonly tls?: { readonly secretName: string; readonly snis: readonly string[] };
    /** Routes take https only; plain http gets a 308 to https (Kong route `https_redirect_status_code`). */
    readonly httpsOnly: boolean;
}

export interface GatewayModel {
    readonly image: string;
    readonly replicas: number;
    readonly resources: ContainerResources;
    /** nginx worker processes; `auto` would follow the node's CPU count, not the pod's limit. */
    readonly workerProcesses: number;
    readonly proxy: {
        readonly serviceType: (typeof PROXY_SERVICE_TYPES)[number];
        readonly annotations: Readonly<Record<string, string>>;
    };
    readonly admin: {
        /**
         * A direct Admin API URL, for a runner that reaches it itself (tests, an in-cluster runner with its own route).
         * Unset (the default): the Kong provider opens its own port-forward through the Kubernetes API to a ready
         * Kong pod, with the stack's Kubernetes credentials, for each operation.
         */
        readonly url?: string;
        /** Read `kongAdminToken` and send it as Kong-Admin-Token. */
        readonly token: boolean;
        /** Read `kongAdminClientCert`/`kongAdminClientKey` for mTLS. */
        readonly clientCertificate: boolean;
        /** CA (PEM) to trust for an https admin URL. */
        readonly caCertificate?: string;
        /** Whether this program manages Kong's services/routes/plugins/consumers (needs the admin URL during `up`). */
        readonly manageEntities: boolean;
        /** Client retry bound for the Admin API (tries per request). */
        readonly retryAttempts: number;
        /**
         * Delete entities tagged as this stack's that the program no longer declares (found on refresh/up).
         * Off by default: orphans are reported, never removed silently.
         */
        readonly pruneOrphans: boolean;
    };
    readonly edge: GatewayEdge;
    /** Put the jwt plugin on every route of non-public services. */
    readonly jwtRequired: boolean;
    readonly consumers: readonly ConsumerSpec[];
    readonly plugins: readonly ExtraPluginSpec[];
    readonly database: InClusterDatabase | ExternalDatabase;
}

const DEFAULT_RESOURCES: ContainerResources = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };
const DEFAULT_DB_RESOURCES: ContainerResources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };

/** CPU in millicores, memory in bytes: for requests ≤ limits checks. */
function cpuMilli(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
}
function bytes(q: string): number {
    const m = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(q);
    if (!m) {
        return NaN;
    }
    return Number(m[1]) * { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[m[2] as "Ki" | "Mi" | "Gi" | "Ti"];
}

function parseQuantities(r: Reader, fallback: ResourceQuantities): ResourceQuantities {
    const q = {
        cpu: r.string("cpu", fallback.cpu, { re: CPU, hint: "a CPU quantity such as 250m or 1" }),
        memory: r.string("memory", fallback.memory, { re: MEMORY, hint: "a memory quantity such as 512Mi or 1Gi" }),
    };
    r.done();
    return q;
}

function parseResources(r: Reader, fallback: ContainerResources): ContainerResources {
    const res: ContainerResources = {
        requests: parseQuantities(r.child("requests"), fallback.requests),
        limits: parseQuantities(r.child("limits"), fallback.limits),
    };
    r.done();
    if (CPU.test(res.requests.cpu) && CPU.test(res.limits.cpu) && cpuMilli(res.requests.cpu) > cpuMilli(res.limits.cpu)) {
        r.problems.add(r.at("requests.cpu"), res.requests.cpu, `is more than the limit ${res.limits.cpu}`, "lower requests.cpu or raise limits.cpu");
    }
    if (bytes(res.requests.memory) > bytes(res.limits.memory)) {
        r.problems.add(r.at("requests.memory"), res.requests.memory, `is more than the limit ${res.limits.memory}`, "lower requests.memory or raise limits.memory");
    }
    return res;
}

/** `repo[:tag][@digest]` → parts; `registry:5000/kong:3.9.3` keeps the registry port in the repository. */
function splitImage(image: string): { repo: string; tag?: string; digest?: string } {
    const [nameTag, digest] = image.split("@", 2);
    const slash = nameTag.lastIndexOf("/");
    const colon = nameTag.lastIndexOf(":");
    if (colon > slash) {
        return { repo: nameTag.slice(0, colon), tag: nameTag.slice(colon + 1), digest };
    }
    return { repo: nameTag, digest };
}

function parseKongImage(r: Reader): string {
    const image = r.string("image", DEFAULT_KONG_IMAGE);
    const { repo, tag, digest } = splitImage(image);
    const base = repo.split("/").pop() ?? "";
    if (base === "kong-gateway" || base === "kong-enterprise-edition") {
        r.problems.add(r.at("image"), image, "is Kong Enterprise; this program runs and configures Kong Gateway OSS", `use the OSS image, e.g. ${DEFAULT_KONG_IMAGE}`);
    } else if (base !== "kong") {
        r.problems.add(r.at("image"), image, "is not a Kong image (repository name must be kong, e.g. kong or kong/kong)", `use ${DEFAULT_KONG_IMAGE}`);
    }
    if (tag === undefined && digest === undefined) {
        r.problems.add(r.at("image"), image, "is not pinned (no tag)", `pin a 3.9.x tag, e.g. ${DEFAULT_KONG_IMAGE}`);
    } else if (tag !== undefined && !/^3\.9\.\d+([.-][A-Za-z0-9.-]+)?$/.test(tag)) {
        r.problems.add(
            r.at("image"),
            image,
            "must be a pinned Kong 3.9.x tag: the plugin allow-list, migrations and probes are written for 3.9",
            `use e.g. ${DEFAULT_KONG_IMAGE}; for another minor, update KONG_BUNDLED_PLUGINS in model/gateway.ts first`,
        );
    }
    return image;
}

function parsePostgresImage(r: Reader): string {
    const image = r.string("image", DEFAULT_POSTGRES_IMAGE);
    const { repo, tag } = splitImage(image);
    if ((repo.split("/").pop() ?? "") !== "postgres" || tag === undefined || !/^15\.\d+(-[a-z0-9.]+)?$/.test(tag)) {
        r.problems.add(r.at("image"), image, "must be a pinned PostgreSQL 15 image (postgres:15.<minor>[-variant])", `use ${DEFAULT_POSTGRES_IMAGE}`);
    }
    return image;
}

function parseDatabase(r: Reader): InClusterDatabase | ExternalDatabase {
    const mode = r.raw("mode");
    if (mode === "external") {
        const db: ExternalDatabase = {
            mode: "external",
            host: r.string("host"),
            port: r.int("port", 5432, 1, 65535),
            sslmode: r.oneOf("sslmode", SSL_MODES, "verify-full"),
            adminUser: r.string("adminUser"),
            adminDatabase: r.string("adminDatabase", "postgres"),
            superuser: r.boolean("superuser", false),
            caCertificate: readPem(r, "caCertificate", "CERTIFICATE"),
        };
        if (db.caCertificate !== undefined && (db.sslmode === "require" || db.sslmode === "disable")) {
            r.problems.add(r.at("caCertificate"), "(PEM)", `is never used with sslmode ${db.sslmode} (the server certificate is not verified)`, "set sslmode to verify-full, or remove caCertificate");
        }
        if (db.sslmode === "disable") {
            r.problems.add(r.at("sslmode"), db.sslmode, "would send Kong's database password in clear text to a server outside the cluster", "use require, verify-ca or verify-full");
        }
        r.done();
        return db;
    }
    if (mode !== undefined && mode !== "in-cluster") {
        r.problems.add(r.at("mode"), mode, "must be in-cluster or external", `set ${r.at("mode")} to "in-cluster" (a PostgreSQL 15 StatefulSet) or "external" (an existing server)`);
    }
    const db: InClusterDatabase = {
        mode: "in-cluster",
        passwordSource: r.oneOf("password", ["generated", "config"] as const, "generated"),
        image: parsePostgresImage(r),
        storage: r.string("storage", "10Gi", { re: STORAGE, hint: "a storage size such as 10Gi" }),
        storageClass: r.optionalString("storageClass"),
        resources: parseResources(r.child("resources"), DEFAULT_DB_RESOURCES),
    };
    r.done();
    return db;
}

function parseConsumers(r: Reader): ConsumerSpec[] {
    return r.list("consumers").map((c) => {
        const name = c.string("name", undefined, KONG_NAME);
        const consumer: ConsumerSpec = {
            name,
            customId: c.optionalString("customId"),
            jwt: c.list("jwt").map((j) => {
                const key = j.string("key", undefined, { re: /^[^\s,/]+$/, hint: "a key without spaces, ',' or '/'" });
                const algorithm = j.oneOf("algorithm", JWT_ALGORITHMS, "HS256");
                const hmac = algorithm.startsWith("HS");
                const publicKey = j.optionalString("publicKey");
                const source = j.has("secret") ? j.oneOf("secret", ["generated", "config"] as const) : (j.raw("secret"), undefined);
                if (hmac && publicKey !== undefined) {
                    j.problems.add(j.at("publicKey"), "(PEM)", `is only used by asymmetric algorithms, not ${algorithm}`, "remove publicKey, or pick an RS/ES/PS/EdDSA algorithm");
                }
                if (!hmac && publicKey === undefined) {
                    j.problems.add(j.at("publicKey"), undefined, `is required for ${algorithm}: Kong verifies the token with the issuer's public key`, "set publicKey to the issuer's PEM public key");
                }
                if (publicKey !== undefined && !/-----BEGIN (RSA )?PUBLIC KEY-----/.test(publicKey)) {
                    j.problems.add(j.at("publicKey"), publicKey.slice(0, 30), "is not a PEM public key", "paste the key including its -----BEGIN PUBLIC KEY----- line");
                }
                if (!hmac && source !== undefined) {
                    j.problems.add(j.at("secret"), source, `has no meaning for ${algorithm} (no shared secret)`, "remove secret");
                }
                j.done();
                const spec: JwtCredentialSpec = {
                    key,
                    algorithm,
                    publicKey,
                    secret: !hmac ? undefined : source === "config" ? { source: "config", configKey: GATEWAY_SECRET_KEYS.jwtSecret(key) } : { source: "generated" },
                };
                return spec;
            }),
        };
        c.done();
        return consumer;
    });
}

function parseScope(r: Reader, raw: unknown, consumers: readonly ConsumerSpec[], catalog: Catalog): PluginScope {
    if (raw === undefined || raw === "global") {
        return { kind: "global" };
    }
    if (typeof raw !== "string") {
        r.problems.add(r.at("scope"), raw, "must be a string", 'use "global", "service:<name>", "route:<service>/<route>" or "consumer:<name>"');
        return { kind: "global" };
    }
    const colon = raw.indexOf(":");
    const [kind, rest] = colon < 0 ? [raw, ""] : [raw.slice(0, colon), raw.slice(colon + 1)];
    const exposed = catalog.services.filter((s) => s.gateway !== undefined);
    if (kind === "service") {
        if (!exposed.some((s) => s.name === rest)) {
            r.problems.add(r.at("scope"), raw, `names no catalog service exposed through the gateway`, `use one of ${choices(exposed.map((s) => `service:${s.name}`), "(the catalog exposes no service through the gateway)")}`);
        }
        return { kind: "service", service: rest };
    }
    if (kind === "route") {
        const [service, route] = rest.split("/", 2);
        const svc = exposed.find((s) => s.name === service);
        if (!svc || !svc.gateway!.routes.some((x) => x.name === route)) {
            const all = exposed.flatMap((s) => s.gateway!.routes.map((x) => `route:${s.name}/${x.name}`));
            r.problems.add(r.at("scope"), raw, "names no gateway route of the catalog", `use one of ${choices(all, "(the catalog declares no gateway route)")}`);
        }
        return { kind: "route", service: service ?? "", route: route ?? "" };
    }
    if (kind === "consumer") {
        if (!consumers.some((c) => c.name === rest)) {
            r.problems.add(r.at("scope"), raw, "names no consumer of this config", `use one of ${consumers.map((c) => `consumer:${c.name}`).join(", ") || "(no consumers declared)"}`);
        }
        return { kind: "consumer", consumer: rest };
    }
    r.problems.add(r.at("scope"), raw, "is not a plugin scope", 'use "global", "service:<name>", "route:<service>/<route>" or "consumer:<name>"');
    return { kind: "global" };
}

export function scopeLabel(scope: PluginScope): string {
    switch (scope.kind) {
        case "global":
            return "global";
        case "service":
            return scope.service;
        case "route":
            return `${scope.service}.${scope.route}`;
        case "consumer":
            return `consumer.${scope.consumer}`;
    }
}

const RATE_PERIODS = ["second", "minute", "hour", "day", "month", "year"] as const;

function parsePlugins(r: Reader, consumers: readonly ConsumerSpec[], catalog: Catalog, jwtRequired: boolean): ExtraPluginSpec[] {
    return r.list("plugins").map((p) => {
        const name = p.string("name");
        if (name !== "" && !(KONG_BUNDLED_PLUGINS as readonly string[]).includes(name)) {
            const near = KONG_BUNDLED_PLUGINS.filter((k) => k.includes(name) || name.includes(k));
            p.problems.add(
                p.at("name"),
                name,
                "is not a plugin bundled with Kong Gateway OSS 3.9, so Kong would refuse it (plugin not enabled)",
                near.length > 0 ? `did you mean ${near.join(" or ")}?` : `use one of ${KONG_BUNDLED_PLUGINS.join(", ")}`,
            );
        }
        const scope = parseScope(p, p.raw("scope"), consumers, catalog);
        if (scope.kind === "consumer" && (KONG_NO_CONSUMER_PLUGINS as readonly string[]).includes(name)) {
            p.problems.add(p.at("scope"), `consumer:${scope.consumer}`, `${name} cannot be scoped to a consumer (its schema forbids it)`, "scope it to global, a service or a route");
        }
        const rawConfig = p.raw("config") ?? {};
        let config: Record<string, unknown> = {};
        if (typeof rawConfig !== "object" || rawConfig === null || Array.isArray(rawConfig)) {
            p.problems.add(p.at("config"), rawConfig, "must be an object of the plugin's config fields", "write config as a mapping, e.g. {allow: [\"10.0.0.0/8\"]}");
        } else {
            config = rawConfig as Record<string, unknown>;
        }
        if (name === "rate-limiting" || name === "response-ratelimiting") {
            for (const period of RATE_PERIODS) {
                const v = config[period];
                if (v !== undefined && (typeof v !== "number" || !(v > 0))) {
                    p.problems.add(p.at(`config.${period}`), v, "must be a positive number of requests (Kong: gt = 0)", `set config.${period} to a number above 0, or remove it`);
                }
            }
            if (!RATE_PERIODS.some((k) => config[k] !== undefined) && name === "rate-limiting") {
                p.problems.add(p.at("config"), config, "sets no limit (Kong needs at least one of second, minute, hour, day, month, year)", "set e.g. config.minute: 600");
            }
        }
        const instanceName = p.has("instanceName") ? p.string("instanceName", undefined, KONG_NAME) : (p.raw("instanceName"), undefined);
        p.done();
        // Derived plugins already occupy some name+scope pairs; Kong keeps one plugin per name and scope (cache_key).
        const derivedClash =
            (scope.kind === "global" && (DERIVED_PLUGINS.global as readonly string[]).includes(name)) ||
            (scope.kind === "route" && routeHasDerived(catalog, scope.service, scope.route, name, jwtRequired));
        if (derivedClash) {
            p.problems.add(p.at("name"), name, `is already configured by the program for scope ${scopeLabel(scope)} (from the catalog or defaults), and Kong allows one ${name} plugin per scope`, "change it in the catalog instead, or pick another scope");
        }
        const spec: ExtraPluginSpec = { name, instanceName, scope, config };
        return spec;
    });
}

function routeHasDerived(catalog: Catalog, service: string, route: string, plugin: string, jwtRequired: boolean): boolean {
    const svc = catalog.services.find((s) => s.name === service);
    if (!svc?.gateway || !svc.gateway.routes.some((x) => x.name === route)) {
        return false;
    }
    return (
        (plugin === "rate-limiting" && svc.gateway.rateLimitPerMinute !== undefined) ||
        (plugin === "cors" && svc.gateway.corsOrigins !== undefined) ||
        (plugin === "jwt" && jwtRequired && !svc.gateway.public)
    );
}

/** The Admin API listens on the pod's loopback only (KONG_ADMIN_LISTEN), so no Service or policy of it is configurable. */
const LOOPBACK_ONLY = "the Admin API listens on the pod's loopback only";

function parseAdmin(r: Reader): GatewayModel["admin"] {
    r.removed("serviceType", `${LOOPBACK_ONLY}, so there is no kong-admin Service to type`, "delete it; the Kong provider and verify reach the Admin API through a port-forward (pods/portforward in the kong namespace)");
    r.removed("allowedNamespaces", LOOPBACK_ONLY, `delete it; grant pods/portforward (get, create) in the ${GATEWAY.namespace} namespace to whoever may configure Kong instead`);
    const url = r.optionalString("url");
    let parsed: URL | undefined;
    if (url !== undefined) {
        try {
            parsed = new URL(url);
        } catch {
            r.problems.add(r.at("url"), url, "is not a URL", "remove it (the provider then port-forwards through the Kubernetes API), or set a direct URL such as https://admin.kong.example:8444");
        }
    }
    if (parsed && parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        r.problems.add(r.at("url"), url, "must use http or https", "remove it, or set an http(s) URL");
    }
    if (parsed && (parsed.username !== "" || parsed.password !== "")) {
        // The value is not echoed: it holds the credential.
        r.problems.add(
            r.at("url"),
            `${parsed.protocol}//[credentials]@${parsed.host}${parsed.pathname}`,
            "carries credentials in the URL; URLs are written to state, logs and error messages",
            `remove the user-info part and set token: true with the secret ${GATEWAY_SECRET_KEYS.kongAdminToken} (pulumi config set --secret service-integration:${GATEWAY_SECRET_KEYS.kongAdminToken} <token>)`,
        );
    }
    const clientCertificate = r.boolean("clientCertificate", false);
    const caCertificate = r.optionalString("caCertificate");
    if ((clientCertificate || caCertificate !== undefined) && parsed?.protocol !== "https:") {
        const why = url === undefined ? "is unset: the port-forward reaches plain http on the pod's loopback" : "is plain http";
        r.problems.add(r.at("url"), url, `${why}, so client/CA certificates would never be used`, "use a direct https:// admin URL, or remove clientCertificate/caCertificate");
    }
    const admin: GatewayModel["admin"] = {
        url,
        token: r.boolean("token", false),
        clientCertificate,
        caCertificate,
        manageEntities: r.boolean("manageEntities", true),
        retryAttempts: r.int("retryAttempts", 6, 1, 20),
        pruneOrphans: r.boolean("pruneOrphans", false),
    };
    r.done();
    return admin;
}

/** DNS-1123 subdomain: the name a Kubernetes Secret may have. */
const SECRET_NAME = { re: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, hint: "a Kubernetes Secret name (lower-case letters, digits, '-', '.')" };
/** Kong's SNI name: a hostname or a leading-wildcard one (kong/db/schema/typedefs.lua `wildcard_host`). */
const SNI_NAME = /^(\*\.)?([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?\.)*[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;

function parseEdge(r: Reader): GatewayEdge {
    const tls = r.optional("tls", () => {
        const t = r.child("tls");
        const secretName = t.string("secretName", undefined, SECRET_NAME);
        const snis = t.stringList("snis", []);
        if (snis.length === 0) {
            t.problems.add(t.at("snis"), snis, "lists no host name, so Kong would never pick this certificate", "list the names clients connect to, e.g. [\"api.254carbon.com\"]");
        }
        snis.forEach((n) => {
            if (!SNI_NAME.test(n)) {
                t.problems.add(t.at("snis"), n, "is not a host name (a leading *. wildcard is allowed)", "write it like api.254carbon.com or *.254carbon.com");
            }
        });
        t.done();
        return { secretName, snis };
    });
    const httpsOnly = r.boolean("httpsOnly", false);
    if (httpsOnly && tls === undefined) {
        r.problems.add(r.at("httpsOnly"), true, "redirects every client to https, but no certificate is configured (Kong would serve its self-generated one)", "set tls.secretName to the cert-manager TLS Secret and tls.snis, or set httpsOnly to false");
    }
    return { tls, httpsOnly };
}

/**
 * Reads `service-integration:gateway`. Everything has a default except what only the environment knows
 * (external database host and admin user). Records problems on `r`; the caller throws.
 */
export function parseGatewayConfig(r: Reader, catalog: Catalog): GatewayModel {
    const image = parseKongImage(r);
    const proxy = r.child("proxy");
    const proxyModel: GatewayModel["proxy"] = {
        serviceType: proxy.oneOf("serviceType", PROXY_SERVICE_TYPES, "ClusterIP"),
        annotations: (() => {
            const raw = proxy.raw("annotations") ?? {};
            if (typeof raw !== "object" || raw === null || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== "string")) {
                proxy.problems.add(proxy.at("annotations"), raw, "must map annotation names to strings", 'write e.g. {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}');
                return {};
            }
            return raw as Record<string, string>;
        })(),
    };
    proxy.done();
    const jwtRequired = r.boolean("jwtRequired", false);
    const consumers = parseConsumers(r);
    const model: GatewayModel = {
        image,
        replicas: r.int("replicas", 2, 1, 50),
        resources: parseResources(r.child("resources"), DEFAULT_RESOURCES),
        workerProcesses: r.int("workerProcesses", 2, 1, 64),
        proxy: proxyModel,
        admin: parseAdmin(r.child("admin")),
        jwtRequired,
        consumers,
        plugins: parsePlugins(r, consumers, catalog, jwtRequired),
        database: parseDatabase(r.child("database")),
        edge: parseEdge(r),
    };
    r.done();

    // Cross-checks.
    const seenConsumers = new Map<string, number>();
    const seenKeys = new Map<string, string>();
    consumers.forEach((c, i) => {
        if (seenConsumers.has(c.name)) {
            r.problems.add(r.at(`consumers[${i}].name`), c.name, `duplicates consumers[${seenConsumers.get(c.name)}]`, "give every consumer its own name");
        }
        seenConsumers.set(c.name, i);
        c.jwt.forEach((j, k) => {
            const owner = seenKeys.get(j.key);
            if (owner !== undefined) {
                r.problems.add(r.at(`consumers[${i}].jwt[${k}].key`), j.key, `is already the key of a credential of ${owner}; Kong keys are unique across consumers`, "give every credential its own key");
            }
            seenKeys.set(j.key, c.name);
        });
    });
    const exposed = catalog.services.filter((s) => s.gateway !== undefined);
    if (jwtRequired && exposed.some((s) => !s.gateway!.public) && ![...seenKeys.keys()].length) {
        r.problems.add(
            r.at("jwtRequired"),
            true,
            "is on but no consumer has a JWT credential, so every non-public route would answer 401",
            "add a consumer with a jwt credential under consumers, or set jwtRequired to false",
        );
    }
    exposed.forEach((svc) => {
        if (svc.protocol === "grpc" && svc.gateway!.routes.some((x) => x.methods.length > 0)) {
            r.problems.add(`catalog: services.${svc.name}.gateway.routes`, svc.name, "gRPC routes cannot match on methods in Kong (cannot set 'methods' when 'protocols' is 'grpc')", "remove methods from the gRPC service's routes");
        }
    });
    const instanceNames = new Map<string, number>();
    model.plugins.forEach((p, i) => {
        const inst = p.instanceName ?? `${scopeLabel(p.scope)}.${p.name}`;
        if (instanceNames.has(inst)) {
            r.problems.add(r.at(`plugins[${i}]`), inst, `has the same instance name as plugins[${instanceNames.get(inst)}]`, "set instanceName, or remove the duplicate");
        }
        instanceNames.set(inst, i);
        const clash = model.plugins.findIndex((q, j) => j < i && q.name === p.name && scopeLabel(q.scope) === scopeLabel(p.scope));
        if (clash >= 0) {
            r.problems.add(r.at(`plugins[${i}].name`), p.name, `plugins[${clash}] already puts ${p.name} on scope ${scopeLabel(p.scope)}; Kong allows one per scope (409 unique violation)`, "merge the two into one entry");
        }
    });
    return model;
}


/** The secret config keys (without the project prefix) this model makes the program read, for checks and plan placeholders. */
export function gatewaySecretKeys(model: GatewayModel): string[] {
    return [
        ...(model.database.mode === "external" ? [GATEWAY_SECRET_KEYS.postgresAdminPassword] : []),
        ...(model.database.mode === "in-cluster" && model.database.passwordSource === "config" ? [GATEWAY_SECRET_KEYS.kongDatabasePassword] : []),
        ...(model.admin.token ? [GATEWAY_SECRET_KEYS.kongAdminToken] : []),
        ...(model.admin.clientCertificate ? [GATEWAY_SECRET_KEYS.kongAdminClientCert, GATEWAY_SECRET_KEYS.kongAdminClientKey] : []),
        ...model.consumers.flatMap((c) => c.jwt.flatMap((j) => (j.secret?.source === "config" ? [j.secret.configKey] : []))),
    ];
}

/** Matches every secret key name the gateway may read (the JWT ones carry the credential key). */
export const GATEWAY_SECRET_KEY_PATTERN = /^(postgresAdminPassword|kongAdminToken|kongAdminClientCert|kongAdminClientKey|jwtSecret-[^\s]+)$/;
