import { header, HttpResponse } from "./http";

/**
 * Who answered an HTTP request, from the response headers only real Kong and a real Envoy sidecar write, so a check
 * never passes on an answer from something else (a 200-to-everything server, a wrong port-forward, a sidecar's 403).
 *
 * Kong 3.9.3 (kong/runloop/handler.lua, header_filter `after`; kong/constants.lua HEADERS; kong/meta.lua
 * `_SERVER_TOKENS = "kong/" .. version`; default `headers = server_tokens, latency_tokens, x-kong-request-id` in
 * kong/templates/kong_defaults.lua):
 * - a response Kong proxied from an upstream gets `Via: <proxy http version> kong/<version>` (appended to the
 *   upstream's own Via), `X-Kong-Upstream-Latency` and `X-Kong-Proxy-Latency`;
 * - a response Kong produced itself (no route, a plugin's 401/429) gets `Server: kong/<version>` and
 *   `X-Kong-Response-Latency`;
 * - both get `X-Kong-Request-Id`.
 * Envoy/Istio: Istio's sidecars answer with `server: istio-envoy` (Istio's proxy config sets the server name) and
 * Envoy's router adds `x-envoy-upstream-service-time` to responses it proxied; Envoy's RBAC filter denies with
 * 403 and the body `RBAC: access denied`.
 */

export const ENVOY_RBAC_DENIED = "RBAC: access denied";
const KONG_TOKEN = /(?:^|[\s,])kong\/(\d+\.\d+(?:\.\d+)?)/i;

export interface Answerer {
    /** `proxied`: Kong forwarded the upstream's answer; `kong`: Kong answered itself; undefined: not Kong. */
    readonly kong?: "proxied" | "kong";
    readonly kongVersion?: string;
    /** An Envoy sidecar handled the response. */
    readonly sidecar: boolean;
    /** The sidecar's RBAC filter refused the request. */
    readonly rbacDenied: boolean;
    /** What answered, in words, for reports. */
    readonly description: string;
}

function serverName(res: HttpResponse): string {
    const server = header(res, "server");
    return server !== undefined ? `a server calling itself "${server}"` : "a server sending no Server header";
}

export function whoAnswered(res: HttpResponse): Answerer {
    const via = header(res, "via");
    const server = header(res, "server");
    const viaKong = via !== undefined ? KONG_TOKEN.exec(via) : null;
    const serverKong = server !== undefined ? /^kong\/(\S+)$/i.exec(server.trim()) : null;
    const proxiedLatency = header(res, "x-kong-upstream-latency") !== undefined || header(res, "x-kong-proxy-latency") !== undefined;
    const ownLatency = header(res, "x-kong-response-latency") !== undefined;
    const sidecar = server === "istio-envoy" || header(res, "x-envoy-upstream-service-time") !== undefined;
    const rbacDenied = res.status === 403 && res.body.trim() === ENVOY_RBAC_DENIED;
    let kong: Answerer["kong"];
    let kongVersion: string | undefined;
    if (viaKong && proxiedLatency) {
        kong = "proxied";
        kongVersion = viaKong[1];
    } else if (serverKong && ownLatency) {
        kong = "kong";
        kongVersion = serverKong[1];
    }
    const description =
        kong === "proxied"
            ? `the upstream through Kong ${kongVersion}${sidecar ? " and an Istio sidecar" : ""}`
            : kong === "kong"
              ? `Kong ${kongVersion} itself`
              : sidecar
                ? `an Istio sidecar (${server === "istio-envoy" ? "server: istio-envoy" : "x-envoy-upstream-service-time"}), not Kong`
                : `${serverName(res)}, not Kong and not a sidecar`;
    return { kong, kongVersion, sidecar, rbacDenied, description };
}
