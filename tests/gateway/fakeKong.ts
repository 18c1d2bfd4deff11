/**
 * An in-process stand-in for Kong Gateway OSS 3.9's Admin API (node:http on 127.0.0.1, random port), for the
 * entities the provider manages: services, routes, plugins, consumers, JWT credentials. Kong cannot run here, so each
 * behaviour follows Kong's documentation or source; the comment on each names where it comes from:
 *   [API]  Admin API reference, https://docs.konghq.com/gateway/api/admin-oss/latest (OpenAPI for 3.9.0)
 *   [EP]   kong/api/endpoints.lua @ 3.9.1, unchanged at 3.9.3 (routing of GET/PUT/PATCH/DELETE, pagination, tags, error → status)
 *   [ERR]  kong/db/errors.lua @ 3.9.1, unchanged at 3.9.3 (error codes, names, messages)
 *   [DAO]  kong/db/dao/init.lua @ 3.9.1, unchanged at 3.9.3 (upsert, update, delete semantics)
 *   [SCH]  kong/db/schema/init.lua @ 3.9.1, unchanged at 3.9.3 (`merge_values`, validation messages)
 *   [ENT]  kong/db/schema/entities/*.lua and kong/plugins/<name>/schema.lua|daos.lua @ 3.9.1, unchanged at 3.9.3 (fields and defaults)
 *   [TAGS] https://developer.konghq.com/gateway/tags
 * It is deliberately strict where Kong is (unknown fields, unknown plugins, plugin uniqueness per scope) and only
 * models the plugins this program uses.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import { AddressInfo } from "node:net";

type Json = Record<string, unknown>;
type Collection = "services" | "routes" | "plugins" | "consumers" | "jwt_secrets" | "certificates" | "snis";

interface Stored extends Json {
    id: string;
}

// [ENT] Top-level fields and defaults of each entity (services.lua, routes.lua, plugins.lua, consumers.lua,
// plugins/jwt/daos.lua). `null` is how Kong renders an unset field.
const SERVICE_DEFAULTS: Json = {
    protocol: "http", host: null, port: 80, path: null, retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000,
    tags: null, client_certificate: null, tls_verify: null, tls_verify_depth: null, ca_certificates: null, enabled: true,
};
const ROUTE_DEFAULTS: Json = {
    protocols: ["http", "https"], methods: null, hosts: null, paths: null, headers: null, snis: null, sources: null, destinations: null,
    https_redirect_status_code: 426, regex_priority: 0, strip_path: true, path_handling: "v0", preserve_host: false,
    request_buffering: true, response_buffering: true, tags: null, service: null,
};
const PLUGIN_DEFAULTS: Json = { route: null, service: null, consumer: null, protocols: ["grpc", "grpcs", "http", "https"], enabled: true, tags: null };
const CONSUMER_DEFAULTS: Json = { username: null, custom_id: null, tags: null };
const JWT_DEFAULTS: Json = { algorithm: "HS256", rsa_public_key: null, tags: null };
// [ENT] certificates.lua (cert, key required; cert_alt/key_alt optional; `snis` is transient) and snis.lua (name,
// certificate: a required foreign key to certificates).
const CERTIFICATE_DEFAULTS: Json = { cert: null, key: null, cert_alt: null, key_alt: null, tags: null };
const SNI_DEFAULTS: Json = { name: null, certificate: null, tags: null };
/** [ENT] routes.lua `https_redirect_status_code.one_of`; rate-limiting/schema.lua `policy.one_of` with a database. */
const REDIRECT_CODES = [426, 301, 302, 307, 308];
const RATE_LIMIT_POLICIES = ["local", "cluster", "redis"];

// [ENT] kong/plugins/<name>/schema.lua: config fields and their defaults for the plugins in use.
const PLUGIN_CONFIG_DEFAULTS: Record<string, Json> = {
    "rate-limiting": {
        second: null, minute: null, hour: null, day: null, month: null, year: null, limit_by: "consumer", header_name: null, path: null,
        policy: "local", fault_tolerant: true, hide_client_headers: false, error_code: 429, error_message: "API rate limit exceeded", sync_rate: -1,
        redis: { host: null, port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false },
    },
    cors: {
        origins: null, headers: null, exposed_headers: null, methods: ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"],
        max_age: null, credentials: false, private_network: false, preflight_continue: false,
    },
    jwt: {
        uri_param_names: ["jwt"], cookie_names: [], key_claim_name: "iss", secret_is_base64: false, claims_to_verify: null, anonymous: null,
        run_on_preflight: true, maximum_expiration: 0, header_names: ["authorization"], realm: null,
    },
    prometheus: { per_consumer: false, status_code_metrics: false, ai_metrics: false, latency_metrics: false, bandwidth_metrics: false, upstream_health_metrics: false },
    "correlation-id": { header_name: "Kong-Request-ID", generator: "uuid#counter", echo_downstream: false },
    "ip-restriction": { allow: null, deny: null, status: null, message: null },
};

// [ENT] endpoint_key of each entity: what a non-UUID path segment selects by.
// certificates have none (certificates.lua): they are addressed by their primary key `id`.
const ENDPOINT_KEY: Record<Collection, string> = { services: "name", routes: "name", plugins: "instance_name", consumers: "username", jwt_secrets: "key", certificates: "id", snis: "name" };
const DEFAULTS: Record<Collection, Json> = {
    services: SERVICE_DEFAULTS, routes: ROUTE_DEFAULTS, plugins: PLUGIN_DEFAULTS, consumers: CONSUMER_DEFAULTS, jwt_secrets: JWT_DEFAULTS,
    certificates: CERTIFICATE_DEFAULTS, snis: SNI_DEFAULTS,
};
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly body: Json,
    ) {
        super(String(body.message));
    }
}

function isObject(v: unknown): v is Json {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

// [ERR] `schema_violation`: one error → "schema violation (f: msg)", several → "N schema violations (a: x; b: y)",
// nested record errors flattened as "config.minute: ..."; code 2, HTTP 400 [EP].
function schemaViolation(fields: Json): HttpError {
    const parts: string[] = [];
    for (const k of Object.keys(fields).sort()) {
        const v = fields[k];
        if (isObject(v)) {
            for (const sub of Object.keys(v).sort()) {
                parts.push(`${k}.${sub}: ${String(v[sub])}`);
            }
        } else {
            parts.push(`${k}: ${String(v)}`);
        }
    }
    const message = parts.length === 1 ? `schema violation (${parts[0]})` : `${parts.length} schema violations (${parts.join("; ")})`;
    return new HttpError(400, { code: 2, name: "schema violation", message, fields });
}

// [ERR] `unique_violation`: code 5, name "unique constraint violation", HTTP 409 [EP]; `fields` holds the clashing
// key (for plugins: the cache_key fields name/route/service/consumer, kong/db/strategies/postgres/init.lua `toerror`).
function uniqueViolation(fields: Json): HttpError {
    const shown = Object.keys(fields)
        .sort()
        .map((k) => `${k}=${fields[k] === null ? "null" : JSON.stringify(fields[k])}`)
        .join(",");
    return new HttpError(409, { code: 5, name: "unique constraint violation", message: `UNIQUE violation detected on '{${shown}}'`, fields });
}

// [EP] + kong/tools/http.lua `get_default_exit_body`: 404 body.
const NOT_FOUND = (): HttpError => new HttpError(404, { message: "Not found" });

export interface RequestLogEntry {
    readonly method: string;
    readonly path: string;
    readonly headers: http.IncomingHttpHeaders;
    readonly body?: unknown;
}

export class FakeKong {
    readonly db: Record<Collection, Stored[]> = { services: [], routes: [], plugins: [], consumers: [], jwt_secrets: [], certificates: [], snis: [] };
    readonly log: RequestLogEntry[] = [];
    /** Answer the next N requests with this 5xx (Kong's 500 body: "An unexpected error occurred", [EP] `unexpected`). */
    failNext = 0;
    failStatus = 500;
    /** Destroy the socket of the next N requests without answering (client sees a reset / socket hang up). */
    dropNext = 0;
    private server?: http.Server;

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => void this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return this.url;
    }

    get url(): string {
        const addr = this.server!.address() as AddressInfo;
        return `http://127.0.0.1:${addr.port}`;
    }

    async stop(): Promise<void> {
        if (this.server) {
            this.server.closeAllConnections();
            await new Promise<void>((resolve) => this.server!.close(() => resolve()));
        }
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const c of req) {
            chunks.push(c as Buffer);
        }
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = undefined;
        if (text.length > 0) {
            try {
                body = JSON.parse(text);
            } catch {
                return this.send(res, 400, { message: "Cannot parse JSON body" });
            }
        }
        this.log.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
        if (this.dropNext > 0) {
            this.dropNext--;
            req.socket.destroy();
            return;
        }
        if (this.failNext > 0) {
            this.failNext--;
            return this.send(res, this.failStatus, { message: "An unexpected error occurred" });
        }
        try {
            const url = new URL(req.url ?? "/", "http://kong");
            const out = this.route(req.method ?? "GET", url, body);
            this.send(res, out.status, out.body);
        } catch (e) {
            if (e instanceof HttpError) {
                return this.send(res, e.status, e.body);
            }
            this.send(res, 500, { message: "An unexpected error occurred" });
        }
    }

    private send(res: http.ServerResponse, status: number, body?: unknown): void {
        if (status === 204 || body === undefined) {
            res.writeHead(status);
            res.end();
            return;
        }
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
        res.end(text);
    }

    private route(method: string, url: URL, body: unknown): { status: number; body?: unknown } {
        const seg = url.pathname.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
        const col = (s: string): Collection | undefined => ({ services: "services", routes: "routes", plugins: "plugins", consumers: "consumers", jwts: "jwt_secrets", jwt: "jwt_secrets", certificates: "certificates", snis: "snis" })[s] as Collection | undefined;
        if (seg.length === 1 && col(seg[0]) && method === "GET") {
            return { status: 200, body: this.page(col(seg[0])!, url) };
        }
        if (seg.length === 2 && col(seg[0])) {
            return this.entity(method, col(seg[0])!, seg[1], undefined, body);
        }
        // [EP] nested endpoints `/services/:services/routes/:routes`, `/routes/:routes/plugins/:plugins`,
        // `/consumers/:consumers/jwt/:jwt_secrets` (admin_api_nested_name "jwt", plugins/jwt/daos.lua).
        if (seg.length === 4 && col(seg[0]) && col(seg[2])) {
            const parentCol = col(seg[0])!;
            const parent = this.find(parentCol, seg[1]);
            if (!parent) {
                throw NOT_FOUND();
            }
            return this.entity(method, col(seg[2])!, seg[3], { field: foreignField(parentCol), id: parent.id }, body);
        }
        throw NOT_FOUND();
    }

    /** [EP] select by id when the segment is a UUID, otherwise by the endpoint key. */
    find(collection: Collection, key: string): Stored | undefined {
        const field = UUID_RE.test(key) ? "id" : ENDPOINT_KEY[collection];
        return this.db[collection].find((e) => e[field] === key);
    }

    private entity(method: string, collection: Collection, key: string, parent: { field: string; id: string } | undefined, body: unknown): { status: number; body?: unknown } {
        const existing = this.find(collection, key);
        // [EP] nested GET/PATCH/DELETE answer 404 when the entity does not belong to that parent.
        const underParent = existing !== undefined && (parent === undefined || (existing[parent.field] as { id?: string } | null)?.id === parent.id);
        switch (method) {
            case "GET":
                if (!existing || !underParent) {
                    throw NOT_FOUND();
                }
                return { status: 200, body: existing };
            case "PUT":
                return { status: 200, body: this.upsert(collection, key, existing, parent, body) };
            case "PATCH":
                if (!existing || !underParent) {
                    throw NOT_FOUND();
                }
                return { status: 200, body: this.update(collection, existing, body) };
            case "DELETE":
                if (parent !== undefined && (!existing || !underParent)) {
                    throw NOT_FOUND();
                }
                if (existing) {
                    this.remove(collection, existing);
                }
                // [DAO] `DAO:delete` returns true when nothing matched, so a missing entity still answers 204.
                return { status: 204 };
            default:
                throw new HttpError(405, { message: "Method not allowed" });
        }
    }

    /**
     * [API] "Inserts (or replaces) the entity under the requested resource with the definition specified in the body";
     * [DAO] `check_upsert` processes the body as a whole entity (defaults for every field not given — a replace, not a
     * merge), keeps the endpoint key from the URL, and keeps the existing id.
     */
    private upsert(collection: Collection, key: string, existing: Stored | undefined, parent: { field: string; id: string } | undefined, body: unknown): Stored {
        if (!isObject(body)) {
            throw schemaViolation({ "@entity": ["expected a table"] });
        }
        const keyField = ENDPOINT_KEY[collection];
        // [API] "specifying a name in the URL and a different one in the request body is not allowed".
        if (body[keyField] !== undefined && body[keyField] !== key) {
            throw schemaViolation({ [keyField]: `must match the value in the URL (${key})` });
        }
        const candidate: Json = { ...structuredClone(DEFAULTS[collection]), ...structuredClone(body), [keyField]: key };
        if (parent) {
            candidate[parent.field] = { id: parent.id };
        }
        if (collection === "plugins") {
            const defaults = PLUGIN_CONFIG_DEFAULTS[String(candidate.name)] ?? {};
            candidate.config = deepDefaults(defaults, isObject(body.config) ? body.config : {});
        }
        if (collection === "jwt_secrets" && candidate.secret === undefined) {
            // [ENT] jwt_secrets.secret is `auto = true`: generated when absent — on every upsert without one.
            candidate.secret = randomUUID().replace(/-/g, "");
        }
        this.validate(collection, candidate, body);
        this.checkUnique(collection, candidate, existing);
        const now = Math.floor(Date.now() / 1000);
        const stored: Stored = { ...candidate, id: existing?.id ?? (keyField === "id" ? key : randomUUID()), created_at: existing?.created_at ?? now, updated_at: now } as Stored;
        if (existing) {
            this.db[collection][this.db[collection].indexOf(existing)] = stored;
        } else {
            this.db[collection].push(stored);
        }
        return stored;
    }

    /**
     * PATCH: [DAO] `check_update` reads the row and merges the body over it with [SCH] `Schema:merge_values` — record
     * fields (a plugin's `config`, through its subschema) merge key by key, everything else (arrays included) is
     * replaced.
     */
    private update(collection: Collection, existing: Stored, body: unknown): Stored {
        if (!isObject(body)) {
            throw schemaViolation({ "@entity": ["expected a table"] });
        }
        const merged: Json = { ...existing };
        for (const [k, v] of Object.entries(body)) {
            merged[k] = k === "config" && collection === "plugins" && isObject(v) && isObject(existing.config) ? deepMerge(existing.config, v) : v;
        }
        this.validate(collection, merged, body);
        this.checkUnique(collection, merged, existing);
        const stored = { ...merged, id: existing.id, updated_at: Math.floor(Date.now() / 1000) } as Stored;
        this.db[collection][this.db[collection].indexOf(existing)] = stored;
        return stored;
    }

    /** [SCH] validation messages: "unknown field", "required field missing", "value must be greater than 0". */
    private validate(collection: Collection, e: Json, body: Json): void {
        const fields: Json = {};
        const known = new Set([...Object.keys(DEFAULTS[collection]), "id", "created_at", "updated_at", ENDPOINT_KEY[collection], ...(collection === "plugins" ? ["name", "config", "instance_name"] : []), ...(collection === "jwt_secrets" ? ["secret", "consumer"] : [])]);
        for (const k of Object.keys(body)) {
            if (!known.has(k)) {
                fields[k] = "unknown field";
            }
        }
        if (collection === "routes" && !REDIRECT_CODES.includes(e.https_redirect_status_code as number)) {
            fields.https_redirect_status_code = `expected one of: ${REDIRECT_CODES.join(", ")}`;
        }
        if (collection === "plugins" && e.name === "rate-limiting" && isObject(e.config) && !RATE_LIMIT_POLICIES.includes(String(e.config.policy))) {
            fields.config = { policy: `expected one of: ${RATE_LIMIT_POLICIES.join(", ")}` };
        }
        if (collection === "certificates") {
            for (const f of ["cert", "key"]) {
                if (typeof e[f] !== "string") fields[f] = "required field missing";
            }
        }
        if (collection === "snis") {
            const ref = (e.certificate as { id?: unknown } | null)?.id;
            if (typeof ref !== "string") {
                fields.certificate = "required field missing";
            } else if (!this.db.certificates.some((c) => c.id === ref)) {
                // [ERR] foreign key violation: code 4, HTTP 400 [EP].
                throw new HttpError(400, { code: 4, name: "foreign key violation", message: `the foreign key '{id="${ref}"}' does not reference an existing 'certificates' entity.`, fields: { certificate: { id: ref } } });
            }
        }
        if (collection === "services" && (e.host === undefined || e.host === null)) {
            fields.host = "required field missing";
        }
        if (collection === "plugins") {
            const defaults = PLUGIN_CONFIG_DEFAULTS[String(e.name)];
            if (defaults === undefined) {
                // [ENT] plugins.lua `subschema_error`.
                fields.name = `plugin '${String(e.name)}' not enabled; add it to the 'plugins' configuration property`;
            } else if (isObject(e.config)) {
                const cfg: Json = {};
                for (const k of Object.keys(e.config)) {
                    if (!(k in defaults)) {
                        cfg[k] = "unknown field";
                    }
                }
                // [ENT] rate-limiting: `minute = { type = "number", gt = 0 }` (and the other periods).
                for (const period of ["second", "minute", "hour", "day", "month", "year"]) {
                    const v = e.config[period];
                    if (e.name === "rate-limiting" && v !== null && v !== undefined && !(typeof v === "number" && v > 0)) {
                        cfg[period] = "value must be greater than 0";
                    }
                }
                if (Object.keys(cfg).length > 0) {
                    fields.config = cfg;
                }
            }
        }
        if (collection === "routes" && [e.paths, e.hosts, e.methods].every((v) => v === null || (Array.isArray(v) && v.length === 0))) {
            fields["@entity"] = ["must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"];
        }
        if (Object.keys(fields).length > 0) {
            throw schemaViolation(fields);
        }
    }

    /** Unique fields other than the endpoint key: consumer custom_id, and plugins' cache_key (name + scope). */
    private checkUnique(collection: Collection, e: Json, self: Stored | undefined): void {
        const others = this.db[collection].filter((x) => x !== self);
        if (collection === "consumers" && e.custom_id !== null && others.some((x) => x.custom_id === e.custom_id)) {
            throw uniqueViolation({ custom_id: e.custom_id });
        }
        if (collection === "plugins") {
            const scope = (x: Json): string => JSON.stringify([x.name, x.route, x.service, x.consumer]);
            if (others.some((x) => scope(x) === scope(e))) {
                throw uniqueViolation({ name: e.name, route: e.route ?? null, service: e.service ?? null, consumer: e.consumer ?? null });
            }
        }
    }

    private remove(collection: Collection, e: Stored): void {
        if (collection === "services" && this.db.routes.some((r) => (r.service as { id: string } | null)?.id === e.id)) {
            // [ERR] `foreign_key_violation_restricted` (routes.service has no on_delete = cascade): HTTP 400 [EP].
            throw new HttpError(400, { code: 4, name: "foreign key violation", message: "an existing 'routes' entity references this 'services' entity", fields: { "@referenced_by": "routes" } });
        }
        this.db[collection] = this.db[collection].filter((x) => x !== e);
        // [ENT] plugins.route/service/consumer and jwt_secrets.consumer are `on_delete = "cascade"`.
        const field = foreignField(collection);
        if (collection !== "jwt_secrets" && collection !== "plugins") {
            this.db.plugins = this.db.plugins.filter((p) => (p[field] as { id: string } | null)?.id !== e.id);
        }
        if (collection === "consumers") {
            this.db.jwt_secrets = this.db.jwt_secrets.filter((j) => (j.consumer as { id: string }).id !== e.id);
        }
    }

    /**
     * [EP] `get_collection_endpoint`: `{data, offset, next}`; `size` defaults to 100 (max 1000); `offset` is opaque;
     * `next` is `/<collection>?offset=<offset>` plus `&tags=` and `&size=` when given, or null on the last page.
     * [TAGS] `tags=a,b` matches entities with all of them, `tags=a/b` with any; mixing is an error.
     */
    private page(collection: Collection, url: URL): Json {
        const size = url.searchParams.has("size") ? Number(url.searchParams.get("size")) : 100;
        if (!Number.isInteger(size) || size < 1 || size > 1000) {
            throw new HttpError(400, { code: 9, name: "invalid size", message: "size must be an integer between 1 and 1000" });
        }
        const tagsParam = url.searchParams.get("tags");
        let rows = this.db[collection];
        if (tagsParam !== null) {
            if (tagsParam.includes(",") && tagsParam.includes("/")) {
                throw new HttpError(400, { code: 11, name: "invalid options", message: "invalid option (tags: invalid filter syntax)" });
            }
            const any = tagsParam.includes("/");
            const wanted = tagsParam.split(any ? "/" : ",");
            rows = rows.filter((r) => {
                const tags = Array.isArray(r.tags) ? (r.tags as string[]) : [];
                return any ? wanted.some((t) => tags.includes(t)) : wanted.every((t) => tags.includes(t));
            });
        }
        const offsetParam = url.searchParams.get("offset");
        const start = offsetParam === null ? 0 : Number(Buffer.from(offsetParam, "base64").toString("utf8"));
        if (!Number.isInteger(start) || start < 0) {
            throw new HttpError(400, { code: 7, name: "invalid offset", message: `'${offsetParam}' is not a valid offset: bad base64 encoding` });
        }
        const data = rows.slice(start, start + size);
        const more = start + size < rows.length;
        const offset = more ? Buffer.from(String(start + size)).toString("base64") : undefined;
        const name = collection === "jwt_secrets" ? "jwts" : collection;
        const next = more ? `/${name}?offset=${encodeURIComponent(offset!)}${tagsParam !== null ? `&tags=${encodeURIComponent(tagsParam)}` : ""}${url.searchParams.has("size") ? `&size=${size}` : ""}` : null;
        return { data, ...(offset ? { offset } : {}), next };
    }
}

function foreignField(collection: Collection): string {
    return ({ services: "service", routes: "route", consumers: "consumer", plugins: "plugin", jwt_secrets: "jwt", certificates: "certificate", snis: "sni" } as const)[collection];
}

/** Defaults under the given values, recursively for records (how a plugin's config is completed on insert/upsert). */
function deepDefaults(defaults: Json, given: Json): Json {
    const out: Json = structuredClone(defaults);
    for (const [k, v] of Object.entries(given)) {
        out[k] = isObject(v) && isObject(defaults[k]) ? deepDefaults(defaults[k] as Json, v) : v;
    }
    return out;
}

/** [SCH] `merge_values`: record fields merge key by key, other values replace. */
function deepMerge(bottom: Json, top: Json): Json {
    const out: Json = { ...bottom };
    for (const [k, v] of Object.entries(top)) {
        out[k] = isObject(v) && isObject(bottom[k]) ? deepMerge(bottom[k] as Json, v) : v;
    }
    return out;
}
