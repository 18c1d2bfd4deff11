import { Manifest } from "../model/wellknown";
import { inCidr } from "./peers";

/**
 * L7: Istio's PeerAuthentication + AuthorizationPolicy semantics for one connection, as the Istio reference
 * documents them (istio.io/latest/docs/reference/config/security/authorization-policy/ and
 * .../peer_authentication/):
 * - no sidecar at the destination, or a port its sidecar does not capture, means no enforcement;
 * - the connection is mTLS (with the source's principal) only when both ends have a sidecar; the destination's
 *   effective mTLS mode (workload policy's port-level mode > workload policy > namespace policy > mesh-wide policy,
 *   UNSET inheriting, PERMISSIVE by default) refuses plaintext under STRICT;
 * - then CUSTOM, DENY, ALLOW: a matching CUSTOM policy defers to its external authorizer (counted as deny here:
 *   none is configured), a matching DENY denies, no ALLOW policy allows, a matching ALLOW allows, else deny.
 * A rule matches when one of its sources, one of its operations and all its conditions match; an empty rule
 * always matches; a policy without rules matches nothing. HTTP-only fields (methods, paths, hosts) never match TCP
 * traffic in an ALLOW rule and are ignored in a DENY rule. Principals and namespaces need mTLS: a plaintext
 * source has neither, so `principals`/`namespaces` never match it and `notPrincipals`/`notNamespaces` always do.
 */

export interface L7Request {
    readonly source: {
        /** mTLS principal when the source's sidecar originates mTLS. */
        readonly principal?: string;
        readonly namespace?: string;
        readonly ip: string;
        readonly sidecar: boolean;
    };
    readonly destination: {
        readonly namespace: string;
        readonly labels: Readonly<Record<string, string>>;
        readonly sidecar: boolean;
        /** Ports its sidecar does not capture inbound (Istio's own 15020/15021/15090, `excludeInboundPorts`). */
        readonly uncapturedPorts: readonly number[];
    };
    readonly port: number;
    /** Present for HTTP traffic. */
    readonly http?: { readonly method: string; readonly path: string; readonly host?: string };
}

export interface L7Verdict {
    readonly allowed: boolean;
    /** What decided: `namespace/name` of a policy, or why nothing enforces. */
    readonly decidedBy: string;
    readonly mtls: boolean;
}

interface Selector {
    readonly matchLabels?: Readonly<Record<string, string>>;
}

const mode = (m: unknown): string | undefined => (m as { mode?: string } | undefined)?.mode;
const ref = (m: Manifest): string => `${m.metadata.namespace}/${m.metadata.name}`;

function selects(selector: Selector | undefined, labels: Readonly<Record<string, string>>): boolean {
    return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Policies in the root namespace apply mesh-wide; elsewhere to their namespace; the selector narrows either. */
function applies(m: Manifest, rootNamespace: string, req: L7Request): boolean {
    const spec = (m.spec ?? {}) as { selector?: Selector };
    const ns = m.metadata.namespace;
    return (ns === rootNamespace || ns === req.destination.namespace) && selects(spec.selector, req.destination.labels);
}

/** The destination's effective mTLS mode for the port, and the PeerAuthentication that set it. */
export function effectiveMtls(peerAuthentications: readonly Manifest[], rootNamespace: string, req: L7Request): { mode: string; decidedBy: string } {
    const pas = peerAuthentications.filter((m) => m.kind === "PeerAuthentication");
    const specOf = (m: Manifest): { selector?: Selector; mtls?: unknown; portLevelMtls?: Record<string, unknown> } => (m.spec ?? {}) as never;
    const workload = pas.find((m) => m.metadata.namespace === req.destination.namespace && specOf(m).selector?.matchLabels !== undefined && selects(specOf(m).selector, req.destination.labels));
    const namespaceWide = pas.find((m) => m.metadata.namespace === req.destination.namespace && specOf(m).selector?.matchLabels === undefined);
    const meshWide = pas.find((m) => m.metadata.namespace === rootNamespace && specOf(m).selector?.matchLabels === undefined);
    const chain: [string | undefined, Manifest | undefined][] = [
        [workload ? mode(specOf(workload).portLevelMtls?.[String(req.port)]) : undefined, workload],
        [workload ? mode(specOf(workload).mtls) : undefined, workload],
        [namespaceWide ? mode(specOf(namespaceWide).mtls) : undefined, namespaceWide],
        [meshWide ? mode(specOf(meshWide).mtls) : undefined, meshWide],
    ];
    for (const [m, from] of chain) {
        if (m !== undefined && m !== "UNSET") {
            return { mode: m, decidedBy: ref(from!) };
        }
    }
    return { mode: "PERMISSIVE", decidedBy: "(Istio default PERMISSIVE)" };
}

/** Istio string match: exact, `prefix*`, `*suffix`, or `*` (presence). */
function stringMatch(pattern: string, value: string | undefined): boolean {
    if (value === undefined) {
        return false;
    }
    if (pattern === "*") {
        return value !== "";
    }
    if (pattern.endsWith("*")) {
        return value.startsWith(pattern.slice(0, -1));
    }
    if (pattern.startsWith("*")) {
        return value.endsWith(pattern.slice(1));
    }
    return pattern === value;
}

type Field = readonly string[] | undefined;
/** A positive field matches when absent or when one value matches; a `not` field when no value matches. */
const positive = (values: Field, test: (v: string) => boolean): boolean => values === undefined || values.some(test);
const negative = (values: Field, test: (v: string) => boolean): boolean => values === undefined || !values.some(test);

interface Source {
    principals?: string[];
    notPrincipals?: string[];
    namespaces?: string[];
    notNamespaces?: string[];
    ipBlocks?: string[];
    notIpBlocks?: string[];
    remoteIpBlocks?: string[];
    notRemoteIpBlocks?: string[];
    requestPrincipals?: string[];
    notRequestPrincipals?: string[];
}

interface Operation {
    hosts?: string[];
    notHosts?: string[];
    ports?: string[];
    notPorts?: string[];
    methods?: string[];
    notMethods?: string[];
    paths?: string[];
    notPaths?: string[];
}

interface Rule {
    from?: { source?: Source }[];
    to?: { operation?: Operation }[];
    when?: unknown[];
}

function sourceMatches(s: Source, req: L7Request, mtls: boolean): boolean {
    const principal = mtls ? req.source.principal : undefined;
    const namespace = mtls ? req.source.namespace : undefined;
    const ip = (c: string): boolean => inCidr(req.source.ip, c.includes("/") ? c : `${c}/32`);
    return (
        positive(s.principals, (p) => stringMatch(p, principal)) &&
        negative(s.notPrincipals, (p) => stringMatch(p, principal)) &&
        positive(s.namespaces, (n) => stringMatch(n, namespace)) &&
        negative(s.notNamespaces, (n) => stringMatch(n, namespace)) &&
        positive(s.ipBlocks, ip) &&
        negative(s.notIpBlocks, ip) &&
        positive(s.remoteIpBlocks, ip) &&
        negative(s.notRemoteIpBlocks, ip) &&
        // No JWT is ever presented by the modelled flows.
        positive(s.requestPrincipals, () => false) &&
        negative(s.notRequestPrincipals, () => false)
    );
}

const HTTP_ONLY: readonly (keyof Operation)[] = ["hosts", "notHosts", "methods", "notMethods", "paths", "notPaths"];

function operationMatches(o: Operation, req: L7Request, action: string): boolean {
    if (!req.http && HTTP_ONLY.some((k) => o[k] !== undefined) && action !== "DENY") {
        return false;
    }
    const http = req.http;
    const port = String(req.port);
    const httpOk =
        !http ||
        (positive(o.methods, (m) => m === http.method) &&
            negative(o.notMethods, (m) => m === http.method) &&
            positive(o.paths, (p) => stringMatch(p, http.path)) &&
            negative(o.notPaths, (p) => stringMatch(p, http.path)) &&
            positive(o.hosts, (h) => stringMatch(h.toLowerCase(), http.host?.toLowerCase())) &&
            negative(o.notHosts, (h) => stringMatch(h.toLowerCase(), http.host?.toLowerCase())));
    return positive(o.ports, (p) => p === port) && negative(o.notPorts, (p) => p === port) && httpOk;
}

function ruleMatches(rule: Rule, req: L7Request, mtls: boolean, action: string): boolean {
    const from = rule.from === undefined || rule.from.some((f) => sourceMatches(f.source ?? {}, req, mtls));
    const to = rule.to === undefined || rule.to.some((t) => operationMatches(t.operation ?? {}, req, action));
    // Conditions are not modelled: an ALLOW that needs one does not match, a DENY that has one does (the safe side).
    const when = rule.when === undefined || rule.when.length === 0 || action === "DENY";
    return from && to && when;
}

function policyMatches(m: Manifest, req: L7Request, mtls: boolean): boolean {
    const spec = (m.spec ?? {}) as { action?: string; rules?: Rule[] };
    return (spec.rules ?? []).some((r) => ruleMatches(r, req, mtls, spec.action ?? "ALLOW"));
}

/** The L7 verdict of one connection against the declared PeerAuthentications and AuthorizationPolicies. */
export function evaluateL7(policies: readonly Manifest[], rootNamespace: string, req: L7Request): L7Verdict {
    if (!req.destination.sidecar) {
        return { allowed: true, decidedBy: "(no sidecar at the destination: nothing enforces L7)", mtls: false };
    }
    if (req.destination.uncapturedPorts.includes(req.port)) {
        return { allowed: true, decidedBy: `(port ${req.port} is not captured by the sidecar: nothing enforces L7)`, mtls: false };
    }
    const mtls = req.source.sidecar && req.source.principal !== undefined;
    const peer = effectiveMtls(policies, rootNamespace, req);
    if (!mtls && peer.mode === "STRICT") {
        return { allowed: false, decidedBy: `${peer.decidedBy} (STRICT refuses plaintext)`, mtls };
    }
    const useMtls = mtls && peer.mode !== "DISABLE";
    const authz = policies.filter((m) => m.kind === "AuthorizationPolicy" && applies(m, rootNamespace, req));
    const action = (m: Manifest): string => ((m.spec ?? {}) as { action?: string }).action ?? "ALLOW";
    for (const act of ["CUSTOM", "DENY"]) {
        const hit = authz.find((m) => action(m) === act && policyMatches(m, req, useMtls));
        if (hit) {
            return { allowed: false, decidedBy: `${ref(hit)} (${act})`, mtls: useMtls };
        }
    }
    const allows = authz.filter((m) => action(m) === "ALLOW");
    if (allows.length === 0) {
        return { allowed: true, decidedBy: "(no ALLOW policy applies)", mtls: useMtls };
    }
    const hit = allows.find((m) => policyMatches(m, req, useMtls));
    if (hit) {
        return { allowed: true, decidedBy: `${ref(hit)} (ALLOW)`, mtls: useMtls };
    }
    return { allowed: false, decidedBy: `no ALLOW matches (${allows.map(ref).join(", ")})`, mtls: useMtls };
}
