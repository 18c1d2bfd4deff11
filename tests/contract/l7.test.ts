import { describe, expect, it } from "vitest";
import { effectiveMtls, evaluateL7, L7Request } from "../../contract/l7";
import { Manifest } from "../../model/wellknown";

/**
 * Each rule of the L7 evaluator on the examples of Istio's own reference pages:
 * - AuthorizationPolicy: https://istio.io/latest/docs/reference/config/security/authorization-policy/
 *   (evaluation order CUSTOM → DENY → ALLOW; the "httpbin" ALLOW example; allow-nothing; deny-all; allow-all;
 *   the DENY-from-other-namespaces example; HTTP-only fields on TCP traffic)
 * - PeerAuthentication: https://istio.io/latest/docs/reference/config/security/peer_authentication/
 *   (namespace STRICT; workload STRICT with port 8080 DISABLE; UNSET inheriting)
 */

const ROOT = "istio-system";
const ap = (name: string, namespace: string, spec: unknown): Manifest => ({ apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name, namespace }, spec });
const pa = (name: string, namespace: string, spec: unknown): Manifest => ({ apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name, namespace }, spec });

const SLEEP = "cluster.local/ns/default/sa/sleep";

function request(over: { principal?: string; namespace?: string; sidecar?: boolean; port?: number; http?: L7Request["http"]; tcp?: boolean; labels?: Record<string, string> } = {}): L7Request {
    const sidecar = over.sidecar ?? true;
    return {
        source: { principal: sidecar ? (over.principal ?? SLEEP) : undefined, namespace: sidecar ? (over.namespace ?? "default") : undefined, ip: "10.244.0.9", sidecar },
        destination: { namespace: "foo", labels: over.labels ?? { app: "httpbin" }, sidecar: true, uncapturedPorts: [15020, 15021, 15090] },
        port: over.port ?? 8000,
        ...(over.tcp ? {} : { http: over.http ?? { method: "GET", path: "/info" } }),
    };
}

// The reference's first example: ALLOW GET /info* and POST /data from sa sleep or namespace test, when a JWT from Google is present.
const httpbin = ap("httpbin", "foo", {
    action: "ALLOW",
    rules: [
        {
            from: [{ source: { principals: [SLEEP] } }, { source: { namespaces: ["test"] } }],
            to: [{ operation: { methods: ["GET"], paths: ["/info*"] } }, { operation: { methods: ["POST"], paths: ["/data"] } }],
            when: [{ key: "request.auth.claims[iss]", values: ["https://accounts.google.com"] }],
        },
    ],
});
// The same policy without its condition, to exercise sources and operations.
const httpbinNoJwt = ap("httpbin", "foo", { ...(httpbin.spec as object), rules: [{ ...((httpbin.spec as { rules: object[] }).rules[0] as object), when: undefined }] });

describe("AuthorizationPolicy (Istio reference examples)", () => {
    it("the httpbin example needs its JWT condition: without a token nothing matches, so the request is denied", () => {
        expect(evaluateL7([httpbin], ROOT, request()).allowed).toBe(false);
    });

    it("sources: the sleep principal or the test namespace; operations: GET /info* or POST /data", () => {
        expect(evaluateL7([httpbinNoJwt], ROOT, request()).allowed).toBe(true);
        expect(evaluateL7([httpbinNoJwt], ROOT, request({ principal: "cluster.local/ns/test/sa/any", namespace: "test", http: { method: "POST", path: "/data" } })).allowed).toBe(true);
        expect(evaluateL7([httpbinNoJwt], ROOT, request({ http: { method: "POST", path: "/info" } })).allowed).toBe(false);
        expect(evaluateL7([httpbinNoJwt], ROOT, request({ principal: "cluster.local/ns/other/sa/x", namespace: "other" })).allowed).toBe(false);
        // Principals and namespaces need mTLS: a plaintext caller matches neither.
        expect(evaluateL7([httpbinNoJwt], ROOT, request({ sidecar: false })).allowed).toBe(false);
    });

    it("allow-nothing (spec: {}) denies every request; allow-all (rules: [{}]) allows every request", () => {
        const nothing = evaluateL7([ap("allow-nothing", "foo", {})], ROOT, request());
        expect(nothing).toMatchObject({ allowed: false, decidedBy: "no ALLOW matches (foo/allow-nothing)" });
        expect(evaluateL7([ap("allow-all", "foo", { action: "ALLOW", rules: [{}] })], ROOT, request()).allowed).toBe(true);
    });

    it("deny-all (DENY, rules: [{}]) wins over any ALLOW: DENY is evaluated first", () => {
        const v = evaluateL7([ap("allow-all", "foo", { action: "ALLOW", rules: [{}] }), ap("deny-all", "foo", { action: "DENY", rules: [{}] })], ROOT, request());
        expect(v).toMatchObject({ allowed: false, decidedBy: "foo/deny-all (DENY)" });
    });

    it("CUSTOM is evaluated before DENY and ALLOW (no external authorizer here: a match denies)", () => {
        const custom = ap("ext-authz", "foo", { action: "CUSTOM", provider: { name: "my-ext-authz" }, rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }] });
        const all = ap("allow-all", "foo", { action: "ALLOW", rules: [{}] });
        expect(evaluateL7([custom, all], ROOT, request({ http: { method: "GET", path: "/admin/x" } })).decidedBy).toBe("foo/ext-authz (CUSTOM)");
        expect(evaluateL7([custom, all], ROOT, request()).allowed).toBe(true);
    });

    it("no ALLOW policy applying to the workload allows the request", () => {
        const elsewhere = ap("allow-nothing", "bar", {});
        expect(evaluateL7([elsewhere], ROOT, request())).toMatchObject({ allowed: true, decidedBy: "(no ALLOW policy applies)" });
    });

    it("DENY from namespaces other than foo: a plaintext source has no namespace, so it is denied too", () => {
        const deny = ap("deny-other-ns", "foo", { action: "DENY", rules: [{ from: [{ source: { notNamespaces: ["foo"] } }] }] });
        expect(evaluateL7([deny], ROOT, request({ principal: "cluster.local/ns/foo/sa/a", namespace: "foo" })).allowed).toBe(true);
        expect(evaluateL7([deny], ROOT, request()).allowed).toBe(false);
        expect(evaluateL7([deny], ROOT, request({ sidecar: false })).allowed).toBe(false);
    });

    it("selectors narrow a policy to workloads; a policy in the root namespace applies mesh-wide", () => {
        const selected = ap("allow-nothing", "foo", { selector: { matchLabels: { app: "other" } } });
        expect(evaluateL7([selected], ROOT, request()).allowed).toBe(true);
        const meshWide = ap("allow-nothing", ROOT, {});
        expect(evaluateL7([meshWide], ROOT, request()).allowed).toBe(false);
    });

    it("HTTP-only fields on TCP traffic: an ALLOW rule with them never matches, a DENY rule ignores them", () => {
        const allowGet = ap("allow-get", "foo", { action: "ALLOW", rules: [{ to: [{ operation: { methods: ["GET"], ports: ["5432"] } }] }] });
        expect(evaluateL7([allowGet], ROOT, request({ port: 5432, tcp: true })).allowed).toBe(false);
        const denyGet = ap("deny-get", "foo", { action: "DENY", rules: [{ to: [{ operation: { methods: ["GET"], ports: ["5432"] } }] }] });
        expect(evaluateL7([denyGet], ROOT, request({ port: 5432, tcp: true })).allowed).toBe(false);
    });

    it("ports, and notPrincipals: [\"*\"] matching only plaintext (no authenticated principal)", () => {
        const plaintextOnly = ap("plain", "foo", { action: "ALLOW", rules: [{ from: [{ source: { notPrincipals: ["*"] } }], to: [{ operation: { ports: ["9090"] } }] }] });
        expect(evaluateL7([plaintextOnly], ROOT, request({ sidecar: false, port: 9090 })).allowed).toBe(true);
        expect(evaluateL7([plaintextOnly], ROOT, request({ port: 9090 })).allowed).toBe(false);
        expect(evaluateL7([plaintextOnly], ROOT, request({ sidecar: false, port: 9091 })).allowed).toBe(false);
    });

    it("no sidecar at the destination, or an uncaptured port, means nothing enforces", () => {
        const nothing = ap("allow-nothing", "foo", {});
        const noSidecar = { ...request(), destination: { ...request().destination, sidecar: false } };
        expect(evaluateL7([nothing], ROOT, noSidecar).decidedBy).toContain("no sidecar");
        expect(evaluateL7([nothing], ROOT, request({ port: 15090 })).decidedBy).toContain("not captured");
    });
});

describe("PeerAuthentication (Istio reference examples)", () => {
    const meshPermissive = pa("default", ROOT, { mtls: { mode: "PERMISSIVE" } });
    const fooStrict = pa("default", "foo", { mtls: { mode: "STRICT" } });
    // "Policy to allow mTLS traffic for all workloads under namespace foo, except port 8080 of finance, which is plaintext":
    const finance = pa("finance", "foo", { selector: { matchLabels: { app: "finance" } }, mtls: { mode: "STRICT" }, portLevelMtls: { 8080: { mode: "DISABLE" } } });
    // "Policy that inherits mTLS mode from namespace (or mesh) settings, and disables mTLS for workload port 8080":
    const inherit = pa("finance", "foo", { selector: { matchLabels: { app: "finance" } }, mtls: { mode: "UNSET" }, portLevelMtls: { 8080: { mode: "DISABLE" } } });

    it("namespace STRICT refuses plaintext; PERMISSIVE (the mesh default) accepts it", () => {
        expect(evaluateL7([meshPermissive, fooStrict], ROOT, request({ sidecar: false }))).toMatchObject({ allowed: false, decidedBy: "foo/default (STRICT refuses plaintext)" });
        expect(evaluateL7([meshPermissive], ROOT, request({ sidecar: false })).allowed).toBe(true);
        expect(evaluateL7([], ROOT, request({ sidecar: false })).allowed).toBe(true);
    });

    it("workload policy with a port-level exception: 8080 plaintext, every other port STRICT", () => {
        const at = (port: number): L7Request => request({ sidecar: false, port, labels: { app: "finance" } });
        expect(effectiveMtls([meshPermissive, fooStrict, finance], ROOT, at(8080))).toEqual({ mode: "DISABLE", decidedBy: "foo/finance" });
        expect(evaluateL7([meshPermissive, fooStrict, finance], ROOT, at(8080)).allowed).toBe(true);
        expect(evaluateL7([meshPermissive, fooStrict, finance], ROOT, at(9000)).allowed).toBe(false);
    });

    it("UNSET inherits the namespace's mode", () => {
        const at = (port: number): L7Request => request({ sidecar: false, port, labels: { app: "finance" } });
        expect(effectiveMtls([meshPermissive, fooStrict, inherit], ROOT, at(9000))).toEqual({ mode: "STRICT", decidedBy: "foo/default" });
        expect(effectiveMtls([meshPermissive, inherit], ROOT, at(9000))).toEqual({ mode: "PERMISSIVE", decidedBy: "istio-system/default" });
    });

    it("mTLS carries the source's principal to the authorization step", () => {
        const v = evaluateL7([fooStrict, httpbinNoJwt], ROOT, request());
        expect(v).toMatchObject({ allowed: true, mtls: true, decidedBy: "foo/httpbin (ALLOW)" });
    });
});
