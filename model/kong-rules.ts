import { spawnSync } from "child_process";
import * as net from "net";

/**
 * Kong 3.9's own rules for route paths, route hosts and CORS origins, ported from its source at tag 3.9.3 so a bad
 * value fails in the model rather than as a 400 from the Admin API (or, worse, as a route Kong accepts but that
 * matches something else). Each function returns what is wrong, or undefined when Kong would accept it as meant.
 */

/** RFC 3986 reserved characters Kong's normalizer keeps encoded (kong/tools/uri.lua RESERVED_CHARS). */
const RESERVED_CHARS = "!*'();:@&=+$,/?%#[]";
/** Characters kong/db/schema/typedefs.lua validate_path accepts in a fixed path (unreserved, ':', '@', sub-delims, '%'). */
const PATH_CHARS = /^\/[A-Za-z0-9._~/%:@!$&'()*+,;=-]*$/;

/**
 * What Kong's `normalize(path, true)` (kong/tools/uri.lua) makes of a fixed path: percent-encoded non-reserved
 * characters decoded, encoded reserved ones upper-cased, dot segments removed, `//` merged.
 */
export function kongNormalizePath(path: string): string {
    let uri = path.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
        const ch = String.fromCharCode(parseInt(hex, 16));
        return RESERVED_CHARS.includes(ch) ? m.toUpperCase() : ch;
    });
    // RFC 3986 5.2.4 remove_dot_segments, as uri.lua implements it, with merge_slashes.
    const out: string[] = [];
    while (uri.length > 0) {
        if (uri === "/.") {
            uri = "/";
        } else if (uri === "/..") {
            uri = "/";
            out.pop();
        } else if (uri === "." || uri === "..") {
            uri = "";
        } else if (uri.startsWith("../")) {
            uri = uri.slice(3);
        } else if (uri.startsWith("./")) {
            uri = uri.slice(2);
        } else if (uri.startsWith("/./")) {
            uri = uri.slice(2);
        } else if (uri.startsWith("/../")) {
            uri = uri.slice(3);
            out.pop();
        } else if (uri.startsWith("//")) {
            uri = uri.slice(1);
        } else {
            const next = uri.indexOf("/", 1);
            const segment = next < 0 ? uri : uri.slice(0, next);
            out.push(segment);
            uri = next < 0 ? "" : uri.slice(next);
        }
    }
    return out.join("");
}

/**
 * Why `pattern` does not compile as a regex, or undefined when it does. Kong compiles route and CORS regexes with PCRE2
 * (ngx.re, OpenResty); GNU grep -P is PCRE2 too, so it decides where it is installed. Otherwise JavaScript's engine
 * stands in, which agrees on the common syntax but refuses PCRE-only forms such as possessive `a++` or a leading `(?i)`.
 */
export function regexProblem(pattern: string): string | undefined {
    if (!regexVerdicts.has(pattern)) {
        regexVerdicts.set(pattern, judgeRegex(pattern));
    }
    return regexVerdicts.get(pattern);
}

/** One grep process per pattern and process: the model is built more than once per run (plan, bench, tests). */
const regexVerdicts = new Map<string, string | undefined>();

function judgeRegex(pattern: string): string | undefined {
    const grep = spawnSync("grep", ["-P", "-e", pattern], { input: "", encoding: "utf8", timeout: 5000 });
    if (grep.error === undefined && (grep.status === 0 || grep.status === 1)) {
        return undefined;
    }
    if (grep.error === undefined && grep.status === 2 && !/support for the -P option is not compiled|invalid option/.test(grep.stderr)) {
        return `PCRE2: ${grep.stderr.replace(/^grep: /, "").trim()}`;
    }
    try {
        new RegExp(pattern);
        return undefined;
    } catch (e) {
        return (e as Error).message;
    }
}

/**
 * typedefs.router_path (3.9.3): starts with `/` (fixed) or `~/` (regex), no empty segment (`//`); a fixed path must
 * be properly percent-encoded and already normalized; a regex must compile (regexProblem).
 */
export function kongRoutePathProblem(path: string): { message: string; fix: string } | undefined {
    if (!path.startsWith("/") && !path.startsWith("~/")) {
        return { message: "should start with / (a fixed path) or ~/ (a regex path), as Kong 3.9 requires (typedefs.router_path)", fix: path.startsWith("~") ? `write it as "~/${path.slice(1).replace(/^\/+/, "")}"` : `write it as "/${path}"` };
    }
    if (path.includes("//")) {
        return { message: "must not have empty segments (//), as Kong 3.9 requires", fix: `write it as "${path.replace(/\/{2,}/g, "/")}"` };
    }
    if (path.startsWith("~")) {
        const problem = regexProblem(path.slice(1));
        return problem === undefined ? undefined : { message: `is not a valid regular expression (${problem})`, fix: "fix the expression after the ~" };
    }
    if (PATH_CHARS.test(path)) {
        const stray = /%(?![0-9A-Fa-f]{2})/.exec(path);
        if (stray) {
            return { message: `has a bad percent-encoding at "${path.slice(stray.index, stray.index + 3)}" (Kong: invalid url-encoded value)`, fix: "encode % as %25, and write every escape as % and two hex digits" };
        }
    }
    const normalized = kongNormalizePath(path);
    if (normalized !== path) {
        return { message: "is not in normalized form, so Kong 3.9 refuses it (non-normalized path)", fix: `write it as "${normalized}"` };
    }
    return undefined;
}

/** kong/tools/ip.lua check_hostname (3.9.3): `name[:port]`, characters [0-9A-Za-z-._], no segment ending in '-'. */
function hostnameProblem(host: string): string | undefined {
    let name = host;
    const port = /:(\d+)$/.exec(host);
    if (port) {
        name = host.slice(0, -port[0].length);
        if (Number(port[1]) > 65535) {
            return "has an invalid port number";
        }
    }
    if (!/^[0-9A-Za-z._-]+$/.test(name)) {
        return "is not a valid hostname (Kong accepts letters, digits, '-', '.' and '_')";
    }
    const segments = name.split(".");
    if (segments.some((s, i) => s.endsWith("-") || (s === "" && i !== segments.length - 1))) {
        return "is not a valid hostname (a label is empty or ends with '-')";
    }
    return undefined;
}

/** kong/tools/ip.lua hostname_type + normalize_ipv4/ipv6: IPv4 and IPv6 literals, with an optional port. */
function addressProblem(host: string): string | undefined {
    const colons = (host.match(/:/g) ?? []).length;
    if (colons > 1) {
        const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
        const addr = m ? m[1] : host;
        return net.isIPv6(addr) && (m?.[2] === undefined || Number(m[2]) <= 65535) ? undefined : "is not a valid IPv6 address";
    }
    if (/^[\d.:]+$/.test(host)) {
        const [addr, port] = host.split(":");
        const octets = addr.split(".");
        const ok = octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255) && (port === undefined || (/^\d+$/.test(port) && Number(port) <= 65535));
        return ok ? undefined : "is not a valid IPv4 address";
    }
    return hostnameProblem(host);
}

/**
 * typedefs.hosts (3.9.3): at most one wildcard, as the leftmost (`*.example.com`) or rightmost (`example.*`) label;
 * with the wildcard replaced, a host with an optional port (validate_host_with_wildcards → normalize_ip).
 */
export function kongRouteHostProblem(host: string): string | undefined {
    if ((host.match(/\*/g) ?? []).length > 1) {
        return "has more than one wildcard (Kong: invalid wildcard: must have at most one wildcard)";
    }
    if (host.includes("*") && !host.startsWith("*.") && !host.endsWith(".*")) {
        return "has a wildcard that is not the leftmost or rightmost label (Kong: invalid wildcard)";
    }
    return addressProblem(host.replace("*", "abc"));
}

/**
 * CORS origins. kong/plugins/cors/handler.lua (3.9.3) sends `Access-Control-Allow-Origin: *` for a `*` entry, treats
 * an entry with any character outside [A-Za-z0-9.:/-] as a PCRE regex (the schema only checks that it compiles, so
 * `not a url` would be accepted as a regex), and compares other entries as scheme://host[:port]. The program asks
 * more than Kong: no `*` (every site could read responses), flat entries are http(s) origins without a path, and
 * regexes are anchored to an http(s) scheme.
 */
export function corsOriginProblem(origin: string): { message: string; fix: string } | undefined {
    if (origin === "*" || origin.trim() === "*") {
        return { message: "allows every origin: Kong would answer Access-Control-Allow-Origin: * to any site", fix: "list the exact origins, e.g. https://portal.254carbon.com" };
    }
    if (/^[A-Za-z0-9.:/-]+$/.test(origin)) {
        const m = /^(https?):\/\/([A-Za-z0-9.-]+(?::\d{1,5})?)(\/.*)?$/.exec(origin);
        if (!m || hostnameProblem(m[2]) !== undefined) {
            return { message: "is not an origin (scheme://host[:port])", fix: "write it like https://portal.254carbon.com" };
        }
        if (m[3] !== undefined && m[3] !== "/") {
            return { message: "has a path; an origin is only scheme://host[:port], and Kong compares it that way", fix: `write it as ${m[1]}://${m[2]}` };
        }
        return undefined;
    }
    const invalid = regexProblem(origin);
    if (invalid !== undefined) {
        return { message: `is neither an origin nor a valid regular expression (${invalid})`, fix: "write an origin like https://portal.254carbon.com, or a regex like ^https://[a-z]+\\.254carbon\\.com$" };
    }
    if (!/^\^https?(\?|\(s\)\?|s\?)?:\/\//.test(origin) && !/^\^\(https?\|https?\):\/\//.test(origin)) {
        return {
            message: "has characters outside [A-Za-z0-9.:/-], so Kong would treat it as a regex, and it is not anchored to an http(s) scheme",
            fix: "write an origin like https://portal.254carbon.com, or an anchored regex like ^https://[a-z]+\\.254carbon\\.com$",
        };
    }
    return undefined;
}
