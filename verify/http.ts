/**
 * The one HTTP(S) client of the verify command: node's http/https, nothing else. Every request has a timeout and a
 * body-size bound, and a connection-level failure (refused, reset, DNS, TLS, timeout) becomes an {@link Unreachable}
 * error, which the checks report as "could not run" — never as a result about the system under test.
 */
import * as http from "node:http";
import * as https from "node:https";
import { redactSecrets, secretForms } from "../components/gateway/kong/client";

export interface TlsOptions {
    /** PEM CA bundle to trust instead of the system roots. */
    readonly ca?: string | Buffer;
    /** PEM client certificate and key (mutual TLS). */
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
    /** Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`). */
    readonly insecure?: boolean;
    /** SNI / name to verify instead of the URL's host (kubeconfig `tls-server-name`). */
    readonly serverName?: string;
}

export interface HttpRequest {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly tls?: TlsOptions;
    /** Whole-request timeout; default 10 s. */
    readonly timeoutMs?: number;
    /** Further secret values (beyond credential headers) that must never come back in a body. */
    readonly secrets?: readonly string[];
}

/** Request headers whose values are credentials: a body that reflects them is blanked out before anyone reads it. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|kong-admin-token|x-api-key|.*-token)$/i;

/** Every credential this request sends, in every form an echo could take. */
function sentSecrets(headers: Readonly<Record<string, string>>, extra: readonly string[] = []): string[] {
    const values = Object.entries(headers)
        .filter(([name]) => CREDENTIAL_HEADER.test(name))
        .flatMap(([, v]) => {
            // "Bearer x" / "Basic b64": the credential part alone is also a secret, and a Basic one decodes to user:password.
            const parts = v.split(/\s+/, 2);
            const cred = parts.length === 2 ? parts[1] : undefined;
            const decoded = parts[0]?.toLowerCase() === "basic" && cred !== undefined ? Buffer.from(cred, "base64").toString("utf8") : undefined;
            return [v, cred, decoded, decoded?.slice(decoded.indexOf(":") + 1)];
        })
        .filter((x): x is string => x !== undefined);
    return secretForms([...values, ...extra]);
}

export interface HttpResponse {
    readonly url: string;
    readonly status: number;
    /** Header names are lower-case (node's convention). */
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly body: string;
}

/** The endpoint could not be talked to at all: no HTTP status exists to judge. */
export class Unreachable extends Error {
    constructor(
        readonly url: string,
        readonly reason: string,
    ) {
        super(`${redactUrl(url)}: ${reason}`);
        this.name = "Unreachable";
    }
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Larger answers are cut off: no API this command reads legitimately returns more. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A URL without user-info, safe to print. */
export function redactUrl(url: string): string {
    try {
        const u = new URL(url);
        if (u.username === "" && u.password === "") {
            return url;
        }
        u.username = "";
        u.password = "";
        return u.toString();
    } catch {
        return url;
    }
}

/** Joins a base URL (which may carry a path prefix) and an absolute path with an optional query. */
export function joinUrl(base: string, pathAndQuery: string): string {
    const b = base.replace(/\/+$/, "");
    const p = pathAndQuery.startsWith("/") ? pathAndQuery : `/${pathAndQuery}`;
    return `${b}${p}`;
}

export function request(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return Promise.reject(new Unreachable(url, "is not a valid URL"));
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        return Promise.reject(new Unreachable(url, `unsupported scheme ${parsed.protocol} (use http or https)`));
    }
    const isHttps = parsed.protocol === "https:";
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const headers: Record<string, string> = { accept: "application/json", "user-agent": "254carbon-verify", ...req.headers };
    if (parsed.username !== "" && headers.authorization === undefined) {
        headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64")}`;
    }
    if (req.body !== undefined) {
        headers["content-length"] = String(Buffer.byteLength(req.body));
    }
    const secrets = sentSecrets(headers, req.secrets);
    const options: https.RequestOptions = {
        method: req.method ?? "GET",
        protocol: parsed.protocol,
        hostname: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: parsed.port === "" ? undefined : Number(parsed.port),
        path: `${parsed.pathname}${parsed.search}`,
        headers,
        agent: false,
    };
    if (isHttps) {
        const tls = req.tls ?? {};
        if (tls.ca !== undefined) options.ca = tls.ca;
        if (tls.cert !== undefined) options.cert = tls.cert;
        if (tls.key !== undefined) options.key = tls.key;
        if (tls.insecure === true) options.rejectUnauthorized = false;
        if (tls.serverName !== undefined) options.servername = tls.serverName;
    }
    return new Promise<HttpResponse>((resolve, reject) => {
        let settled = false;
        const fail = (reason: string): void => {
            if (!settled) {
                settled = true;
                reject(new Unreachable(url, reason));
            }
        };
        const r = (isHttps ? https : http).request(options, (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on("data", (chunk: Buffer) => {
                size += chunk.length;
                if (size > MAX_BODY_BYTES) {
                    r.destroy();
                    fail(`answer larger than ${MAX_BODY_BYTES} bytes`);
                    return;
                }
                chunks.push(chunk);
            });
            res.on("end", () => {
                if (!settled) {
                    settled = true;
                    clearTimeout(timer);
                    // No API verify reads legitimately answers with the caller's own credential: an echo is blanked out
                    // here, so no check's message can ever quote it.
                    const body = redactSecrets(Buffer.concat(chunks).toString("utf8"), secrets);
                    const scrubbed = Object.fromEntries(
                        Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => redactSecrets(x, secrets)) : v === undefined ? v : redactSecrets(v, secrets)]),
                    );
                    resolve({ url, status: res.statusCode ?? 0, headers: scrubbed, body });
                }
            });
            res.on("error", (e) => fail(describeNetworkError(e)));
        });
        const timer = setTimeout(() => {
            r.destroy();
            fail(`no answer within ${timeoutMs} ms`);
        }, timeoutMs);
        r.on("error", (e) => {
            clearTimeout(timer);
            fail(describeNetworkError(e));
        });
        if (req.body !== undefined) {
            r.write(req.body);
        }
        r.end();
    });
}

function describeNetworkError(e: Error): string {
    const code = (e as NodeJS.ErrnoException).code;
    switch (code) {
        case "ECONNREFUSED":
            return "connection refused (nothing listens there: is the port-forward or proxy running?)";
        case "ECONNRESET":
            return "connection reset by the server";
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return "host name does not resolve";
        case "ETIMEDOUT":
            return "connection timed out";
        case "EHOSTUNREACH":
        case "ENETUNREACH":
            return "host unreachable";
        case "DEPTH_ZERO_SELF_SIGNED_CERT":
        case "SELF_SIGNED_CERT_IN_CHAIN":
        case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
        case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
        case "CERT_HAS_EXPIRED":
        case "ERR_TLS_CERT_ALTNAME_INVALID":
            return `TLS verification failed (${code}: ${e.message}); give the right CA`;
        default:
            return code !== undefined ? `${code}: ${e.message}` : e.message;
    }
}

/** Parses a JSON body, or undefined when it is not JSON. */
export function jsonBody(res: HttpResponse): unknown {
    try {
        return JSON.parse(res.body);
    } catch {
        return undefined;
    }
}

/** The first 200 characters of a body, on one line, for report details. */
export function excerpt(body: string, max = 200): string {
    const one = body.replace(/\s+/g, " ").trim();
    return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

export function header(res: HttpResponse, name: string): string | undefined {
    const v = res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(", ") : v;
}
