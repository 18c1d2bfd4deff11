import { describe, expect, it } from "vitest";
import { noAllowAllAuthorization } from "../rules/authorization";
import { ResourceInput, runResourcePolicy } from "./support/policy";

const AP = "kubernetes:security.istio.io/v1:AuthorizationPolicy";
const PRINCIPAL = "cluster.local/ns/kong/sa/kong";

function ap(spec: Record<string, unknown>, type = AP): ResourceInput {
    return { type, props: { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: "allow-svc", namespace: "data-platform" }, spec } };
}
async function violations(input: ResourceInput): Promise<string[]> {
    return (await runResourcePolicy(noAllowAllAuthorization, input)).violations;
}

describe("no-allow-all-authorization", () => {
    it("passes the program's shapes: deny-all (spec: {}), named callers on a port, declared plaintext ports, the scrape path", async () => {
        expect(await violations(ap({}))).toEqual([]);
        expect(await violations(ap({ action: "ALLOW" }))).toEqual([]);
        expect(await violations(ap({ action: "ALLOW", rules: [] }))).toEqual([]);
        const service = ap({
            selector: { matchLabels: { app: "svc" } },
            action: "ALLOW",
            rules: [
                { from: [{ source: { principals: [PRINCIPAL] } }], to: [{ operation: { ports: ["8080"] } }] },
                { from: [{ source: { namespaces: ["ingress-nginx"] } }] },
                { to: [{ operation: { ports: ["8000", "8443"] } }] },
            ],
        });
        expect(await violations(service)).toEqual([]);
        const scrape = ap({ action: "ALLOW", rules: [{ from: [{ source: { principals: ["cluster.local/ns/monitoring/sa/prometheus"] } }], to: [{ operation: { methods: ["GET"], ports: ["15020", "15090"] } }] }] });
        expect(await violations(scrape)).toEqual([]);
    });

    it("rejects rules: [{}] with or without an explicit ALLOW action", async () => {
        for (const spec of [{ rules: [{}] }, { action: "ALLOW", rules: [{}] }]) {
            expect(await violations(ap(spec))).toEqual([
                "AuthorizationPolicy data-platform/allow-svc: ALLOW rule spec.rules[0] is empty ({} matches every request), so it allows every caller; " +
                    "name the callers (from.source.principals/namespaces) or restrict it to declared plaintext ports (to.operation.ports).",
            ]);
        }
    });

    it("rejects a rule without from that narrows only by method or path, and names the offending rule index", async () => {
        const out = await violations(ap({ action: "ALLOW", rules: [{ from: [{ source: { principals: [PRINCIPAL] } }] }, { to: [{ operation: { methods: ["GET"], paths: ["/health"] } }] }] }));
        expect(out).toEqual([expect.stringContaining("ALLOW rule spec.rules[1] names no source in from and no to.operation.ports, so it allows every caller")]);
    });

    it("treats wildcard, empty and negative-only sources as not narrowing, and one open from entry as opening the rule", async () => {
        const open = [
            [{ source: { namespaces: ["*"] } }],
            [{ source: { principals: ["*"] } }],
            [{ source: {} }],
            [{}],
            [{ source: { notPrincipals: [PRINCIPAL] } }],
            [{ source: { principals: [PRINCIPAL] } }, { source: { namespaces: ["*"] } }],
        ];
        for (const from of open) {
            expect(await violations(ap({ rules: [{ from }] })), JSON.stringify(from)).toHaveLength(1);
        }
        expect(await violations(ap({ rules: [{ from: [{ source: { ipBlocks: ["10.0.0.0/8"] } }] }] }))).toEqual([]);
    });

    it("requires every to entry to list ports when the rule has no narrowing from", async () => {
        expect(await violations(ap({ rules: [{ to: [{ operation: { ports: ["8000"] } }, { operation: { methods: ["GET"] } }] }] }))).toHaveLength(1);
        expect(await violations(ap({ rules: [{ to: [{ operation: { ports: [] } }] }] }))).toHaveLength(1);
    });

    it("ignores DENY, AUDIT and CUSTOM policies and non-AuthorizationPolicy types; checks v1beta1", async () => {
        for (const action of ["DENY", "AUDIT", "CUSTOM"]) {
            expect(await violations(ap({ action, rules: [{}] }))).toEqual([]);
        }
        expect(await violations({ type: "kubernetes:networking.istio.io/v1:Sidecar", props: { spec: { rules: [{}] } } })).toEqual([]);
        expect(await violations(ap({ rules: [{}] }, "kubernetes:security.istio.io/v1beta1:AuthorizationPolicy"))).toHaveLength(1);
    });

    it("applies in every environment", async () => {
        const out = await runResourcePolicy(noAllowAllAuthorization, { ...ap({ rules: [{}] }), stack: "dev" }, { config: {} });
        expect(out.violations).toHaveLength(1);
        expect(out.notApplicable).toBeUndefined();
    });
});
