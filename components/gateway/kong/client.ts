/**
 * A small HTTP client for Kong's Admin API (Kong Gateway OSS 3.9), kept apart from the Pulumi provider so it can be
 * tested directly against an in-process server.
 *
 * Behaviour it relies on (Admin API reference https://docs.konghq.com/gateway/api/admin-oss/latest, Kong/kong@3.9.3):
 * - `PUT /{collection}/{name}` inserts or replaces the entity identified by its endpoint key (name, username,
 *   instance_name, key) — kong/api/endpoints.lua `put_entity_endpoint` → DAO `upsert_by_<endpoint_key>`.
 * - A missing entity answers 404 `{"message":"Not found"}` (kong/tools/http.lua `get_default_exit_body`).
 * - `DELETE` of a missing top-level entity answers 204 (kong/db/dao/init.lua `DAO:delete` returns true when the row
 *   is absent); nested endpoints answer 404 when the parent is gone. Both mean "nothing left to delete".
 * - Errors carry `{"code", "name", "message", "fields"}` (kong/db/errors.lua); code 2 "schema violation" → 400,
 *   code 5 "unique constraint violation" → 409, code 8 "database error" → 500 (kong/api/endpoints.lua
 *   `ERRORS_HTTP_CODES`).
 * - Lists answer `{"data": [...], "offset": "...", "next": "/services?offset=...&tags=...&size=..."}`; `next` is a
 *   path relative to the Admin API root and is `null` on the last page; `size` defaults to 100, at most 1000;
 *   `?tags=a,b` filters with AND, `?tags=a/b` with OR (kong/api/endpoints.lua `get_collection_endpoint`,
 *   `extract_options`; https://developer.konghq.com/gateway/tags).
 * - With RBAC (Kong Enterprise) the token travels in the `Kong-Admin-Token` header; Kong OSS ignores it, so a token
 *   only matters when the Admin API sits behind something that checks it.
 *
 * Only Node built-ins are imported: the dynamic provider that uses this class is serialized by Pulumi with its closure.
 */
import type * as http from "node:http";
import type * as https from "node:https";
import type { KongTunnel } from "./tunnel";

/**
 * Node's http/https, loaded when a request is made. Pulumi serializes the dynamic provider's closure; a module
 * object captured through an import binding (as bundlers and test runners rewrite them) drags Node internals in,
 * while a `require` inside the function is re-evaluated in the provider process.
 */
function transport(isHttps: boolean): typeof http | typeof https {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return isHttps ? (require("node:https") as typeof https) : (require("node:http") as typeof http);
}

export interface KongRetryPolicy {
    /** Total tries for one request, first included (default 6). */
    readonly attempts?: number;
    /** First back-off delay; doubles each retry (default 250 ms). */
    readonly baseDelayMs?: number;
    /** Ceiling of one back-off delay (default 8 s). */
    readonly maxDelayMs?: number;
}

/** How to reach the Admin API. Token and client key are secrets: keep them in `pulumi.secret` outputs. */
export interface KongConnection {
    /**
     * A direct Admin API URL (may carry a path prefix; never credentials). Unset when `tunnel` is set: the provider
     * then reaches Kong through a port-forward of its own (./tunnel.ts) and the client gets the tunnel's URL.
     */
    readonly adminUrl?: string;
    /** Reach the Admin API through the Kubernetes API (the default for stacks). */
    readonly tunnel?: KongTunnel;
    /** Sent as `Kong-Admin-Token`. */
    readonly token?: string;
    /** PEM material for an https Admin API: CA to trust, and an optional client certificate and key (mTLS). */
    readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
    readonly retry?: KongRetryPolicy;
    /** Per-request timeout (default 30 s); a timeout counts as a connection error and is retried. */
    readonly timeoutMs?: number;
}

/** A Kong entity as the Admin API returns it. */
export type KongEntity = { readonly id: string } & Record<string, unknown>;

/** Kong's error body (kong/db/errors.lua `new_err_t`). */
export interface KongErrorBody {
    readonly code?: number;
    readonly name?: string;
    readonly message?: string;
    readonly fields?: unknown;
}

/** Any non-2xx answer that is not retried (or ran out of retries). `body` is Kong's body, verbatim. */
export class KongApiError extends Error {
    constructor(
        readonly method: string,
        readonly path: string,
        readonly status: number,
        readonly body: KongErrorBody | string | undefined,
        message: string,
    ) {
        super(message);
        // Explicit: under Pulumi's closure serialization super() of Error does not set it (see tunnel.ts).
        this.message = message;
        this.name = "KongApiError";
    }
}

/** A 409: the entity (or one of its unique fields) exists already. Never retried. */
export class KongConflictError extends KongApiError {
    constructor(method: string, path: string, body: KongErrorBody | string | undefined, what: string) {
        super(
            method,
            path,
            409,
            body,
            `${what} already exists — import or rename. Kong answered 409 to ${method} ${path}: ${describeBody(body)}`,
        );
        this.name = "KongConflictError";
    }
}

/** The Admin API could not be reached (connection refused/reset, timeout) within the retry bound. */
export class KongUnreachableError extends Error {
    constructor(
        readonly adminUrl: string,
        readonly attempts: number,
        readonly lastError: Error,
        method: string,
        path: string,
    ) {
        const text =
            `Kong Admin API at ${adminUrl} is unreachable: ${method} ${path} failed ${attempts} times, last with ` +
                `${(lastError as NodeJS.ErrnoException).code ?? lastError.message}. Check that the admin URL is right and reachable ` +
                `from where Pulumi runs (through the Kubernetes API: that a Kong pod is ready and its Admin API listens on the pod's loopback).`;
        super(text);
        this.message = text;
        this.name = "KongUnreachableError";
    }
}

interface RawResponse {
    readonly status: number;
    readonly body: unknown;
}

/** Network errors worth another try. A plain array: Pulumi's closure serializer cannot rebuild a captured Set/Map. */
const RETRYABLE_CODES: readonly string[] = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED", "UND_ERR_SOCKET"];

/**
 * Every form in which a secret could come back inside a response: raw, JSON-escaped (a reflected PEM key has its
 * newlines as `\\n`) and, for multi-line secrets, each long line on its own.
 */
export function secretForms(secrets: readonly (string | undefined)[]): string[] {
    const forms: string[] = [];
    for (const s of secrets) {
        if (s === undefined || s.length < 4) {
            continue;
        }
        forms.push(s, JSON.stringify(s).slice(1, -1));
        forms.push(...s.split(/\r?\n/).filter((line) => line.length >= 16 && !/^-----(BEGIN|END) /.test(line)));
    }
    // Longest first, so a whole secret is replaced before one of its lines.
    return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** `text` with every form of every secret replaced by `[redacted]`. */
export function redactSecrets(text: string, forms: readonly string[]): string {
    let out = text;
    for (const f of forms) {
        out = out.split(f).join("[redacted]");
    }
    return out;
}

/**
 * What an error message may say about a response body. Only Kong's own error shape (kong/db/errors.lua: `name`,
 * `message`, `fields`) is quoted, and only after every secret this client sent was blanked out; anything else
 * (an HTML page, a proxy's echo of the request) is never quoted: it is what a reflecting endpoint fills with the
 * token it was sent. The connection's secrets are blanked out of every answer before it gets here (`once`).
 */
function describeBody(body: KongErrorBody | string | undefined): string {
    if (body === undefined) {
        return "(empty body)";
    }
    const kongShaped = typeof body === "object" && body !== null && (typeof body.message === "string" || typeof body.name === "string");
    if (!kongShaped) {
        const size = typeof body === "string" ? body.length : JSON.stringify(body).length;
        return `(a ${size}-character answer that is not a Kong error body; not shown, as it may echo credentials)`;
    }
    // Kong's own words first, then its field errors exactly as sent.
    const head = [body.name, body.message].filter((x) => typeof x === "string").join(": ");
    const fields = body.fields !== undefined && body.fields !== null ? ` fields=${JSON.stringify(body.fields)}` : "";
    return `${head}${fields}`;
}

function isRetryableNetworkError(e: unknown): e is Error {
    if (!(e instanceof Error)) {
        return false;
    }
    const code = (e as NodeJS.ErrnoException).code;
    return (code !== undefined && RETRYABLE_CODES.includes(code)) || /socket hang up|timed out/i.test(e.message);
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export class KongAdminClient {
    private readonly base: URL;
    private readonly attempts: number;
    private readonly baseDelayMs: number;
    private readonly maxDelayMs: number;
    private readonly timeoutMs: number;
    /** The connection's own secrets in every reflected form: no legitimate answer carries them back. */
    private readonly connectionSecrets: readonly string[];

    constructor(private readonly conn: KongConnection) {
        let base: URL;
        if (conn.adminUrl === undefined) {
            throw new Error("the Kong client needs an admin URL: a direct one, or the tunnel's (see withKong in provider.ts)");
        }
        try {
            base = new URL(conn.adminUrl);
        } catch {
            throw new Error(`Kong admin URL ${JSON.stringify(conn.adminUrl)} is not a URL; use e.g. http://127.0.0.1:8001`);
        }
        if (base.protocol !== "http:" && base.protocol !== "https:") {
            throw new Error(`Kong admin URL ${conn.adminUrl} must be http:// or https://`);
        }
        if (base.username !== "" || base.password !== "") {
            // Said without the URL: it carries the credential.
            throw new Error(`Kong admin URL ${base.protocol}//${base.host}${base.pathname} carries credentials in its user-info part; URLs end up in logs and state. Send the token as the secret kongAdminToken instead`);
        }
        this.base = base;
        this.attempts = Math.max(1, conn.retry?.attempts ?? 6);
        this.baseDelayMs = conn.retry?.baseDelayMs ?? 250;
        this.maxDelayMs = conn.retry?.maxDelayMs ?? 8_000;
        this.timeoutMs = conn.timeoutMs ?? 30_000;
        this.connectionSecrets = secretForms([conn.token, conn.tls?.key]);
    }

    /** Builds a request path from raw segments, escaping each (names may hold `~` or `.`). */
    static path(...segments: string[]): string {
        return "/" + segments.map((s) => encodeURIComponent(s)).join("/");
    }

    /** GET one entity; undefined when Kong answers 404 (the entity is gone). */
    async get(path: string): Promise<KongEntity | undefined> {
        const res = await this.send("GET", path);
        if (res.status === 404) {
            return undefined;
        }
        return this.expectEntity("GET", path, res);
    }

    /** PUT = insert-or-replace by endpoint key. 409 → KongConflictError; 400 → KongApiError with Kong's fields. */
    async put(path: string, body: Record<string, unknown>, what = path): Promise<KongEntity> {
        const res = await this.send("PUT", path, body);
        if (res.status === 409) {
            throw new KongConflictError("PUT", path, res.body as KongErrorBody, what);
        }
        if (res.status === 404) {
            throw new KongApiError("PUT", path, 404, res.body as KongErrorBody, `Kong answered 404 to PUT ${path}: the parent entity of ${what} does not exist (${describeBody(res.body as KongErrorBody)})`);
        }
        return this.expectEntity("PUT", path, res);
    }

    /** PATCH = partial update; Kong deep-merges record fields such as a plugin's `config`. 404 → undefined. */
    async patch(path: string, body: Record<string, unknown>): Promise<KongEntity | undefined> {
        const res = await this.send("PATCH", path, body);
        if (res.status === 404) {
            return undefined;
        }
        if (res.status === 409) {
            throw new KongConflictError("PATCH", path, res.body as KongErrorBody, path);
        }
        return this.expectEntity("PATCH", path, res);
    }

    /** DELETE; an entity (or parent) that is already gone counts as deleted. */
    async delete(path: string): Promise<void> {
        const res = await this.send("DELETE", path);
        if (res.status === 204 || res.status === 200 || res.status === 404) {
            return;
        }
        throw this.failure("DELETE", path, res);
    }

    /**
     * Every entity of a collection, following `next` until it is null. `tags` are ANDed (`?tags=a,b`); Kong allows
     * at most 5 per query and forbids `,` and `/` inside a tag.
     */
    async list(collectionPath: string, opts: { tags?: readonly string[]; size?: number } = {}): Promise<KongEntity[]> {
        const query = new URLSearchParams();
        if (opts.tags && opts.tags.length > 0) {
            if (opts.tags.length > 5 || opts.tags.some((t) => /[,/]/.test(t))) {
                throw new Error(`Kong can filter on at most 5 tags without "," or "/": ${JSON.stringify(opts.tags)}`);
            }
            query.set("tags", opts.tags.join(","));
        }
        if (opts.size !== undefined) {
            query.set("size", String(opts.size));
        }
        const out: KongEntity[] = [];
        const seen = new Set<string>();
        let next: string | null = `${collectionPath}${query.size > 0 ? `?${query.toString()}` : ""}`;
        while (next !== null) {
            if (seen.has(next)) {
                throw new Error(`Kong returned the same page twice while listing ${collectionPath} (next=${next}); refusing to loop`);
            }
            seen.add(next);
            const res = await this.send("GET", next);
            if (res.status !== 200) {
                throw this.failure("GET", next, res);
            }
            const page = res.body as { data?: unknown; next?: unknown };
            if (!page || !Array.isArray(page.data)) {
                throw new KongApiError("GET", next, res.status, undefined, `Kong's answer to GET ${next} has no data list`);
            }
            out.push(...(page.data as KongEntity[]));
            next = typeof page.next === "string" && page.next.length > 0 ? page.next : null;
        }
        return out;
    }

    private expectEntity(method: string, path: string, res: RawResponse): KongEntity {
        if (res.status >= 200 && res.status < 300 && res.body && typeof res.body === "object" && typeof (res.body as { id?: unknown }).id === "string") {
            return res.body as KongEntity;
        }
        throw this.failure(method, path, res);
    }

    private failure(method: string, path: string, res: RawResponse): KongApiError {
        const body = res.body as KongErrorBody | string | undefined;
        if (res.status === 400) {
            return new KongApiError(method, path, 400, body, `Kong rejected ${method} ${path} (400): ${describeBody(body)}`);
        }
        return new KongApiError(method, path, res.status, body, `Kong answered ${res.status} to ${method} ${path}: ${describeBody(body)}`);
    }

    /** One logical request: retries connection errors and 5xx with exponential back-off, up to `attempts` tries. */
    async send(method: string, path: string, body?: Record<string, unknown>): Promise<RawResponse> {
        let lastError: Error | undefined;
        let lastResponse: RawResponse | undefined;
        for (let attempt = 1; attempt <= this.attempts; attempt++) {
            if (attempt > 1) {
                const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 2));
                await sleep(delay / 2 + Math.random() * (delay / 2));
            }
            try {
                const res = await this.once(method, path, body);
                if (res.status >= 500 && res.status <= 599) {
                    lastResponse = res;
                    lastError = undefined;
                    continue;
                }
                return res;
            } catch (e) {
                if (!isRetryableNetworkError(e)) {
                    throw e;
                }
                lastError = e;
                lastResponse = undefined;
            }
        }
        if (lastResponse !== undefined) {
            const err = this.failure(method, path, lastResponse);
            err.message = `${err.message} (after ${this.attempts} attempts)`;
            throw err;
        }
        throw new KongUnreachableError(this.base.origin + this.base.pathname.replace(/\/+$/, ""), this.attempts, lastError ?? new Error("unknown error"), method, path);
    }

    private once(method: string, path: string, body?: Record<string, unknown>): Promise<RawResponse> {
        const prefix = this.base.pathname.replace(/\/+$/, "");
        const url = new URL(prefix + (path.startsWith("/") ? path : `/${path}`), this.base.origin);
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const headers: Record<string, string> = { accept: "application/json" };
        if (payload) {
            headers["content-type"] = "application/json";
            headers["content-length"] = String(payload.length);
        }
        if (this.conn.token) {
            headers["kong-admin-token"] = this.conn.token;
        }
        const isHttps = url.protocol === "https:";
        const options: https.RequestOptions = { method, headers, timeout: this.timeoutMs };
        if (isHttps && this.conn.tls) {
            options.ca = this.conn.tls.ca;
            options.cert = this.conn.tls.cert;
            options.key = this.conn.tls.key;
        }
        return new Promise<RawResponse>((resolve, reject) => {
            const req = transport(isHttps).request(url, options, (res: http.IncomingMessage) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("error", reject);
                res.on("end", () => {
                    const status = res.statusCode ?? 0;
                    // A JWT secret or a certificate's private key in the request body comes back in a successful
                    // answer by design; in an error it is an echo, so it is blanked out there too.
                    const requestSecrets = status >= 400 ? [body?.secret, body?.key].filter((v): v is string => typeof v === "string") : [];
                    const text = redactSecrets(Buffer.concat(chunks).toString("utf8"), [...this.connectionSecrets, ...secretForms(requestSecrets)]);
                    let parsed: unknown = undefined;
                    if (text.length > 0) {
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            parsed = text;
                        }
                    }
                    resolve({ status, body: parsed });
                });
            });
            req.on("timeout", () => {
                const e = new Error(`request timed out after ${this.timeoutMs}ms`) as NodeJS.ErrnoException;
                e.code = "ETIMEDOUT";
                req.destroy(e);
            });
            req.on("error", reject);
            if (payload) {
                req.write(payload);
            }
            req.end();
        });
    }
}
