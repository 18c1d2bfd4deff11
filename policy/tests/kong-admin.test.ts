import { describe, expect, it } from "vitest";
import { kongAdminNotPublic } from "../rules/kong-admin";
import { ResourceInput, runResourcePolicy, UNKNOWN } from "./support/policy";

const SERVICE = "kubernetes:core/v1:Service";

function service(name: string, spec: Record<string, unknown>, namespace: string = "kong"): ResourceInput {
    return { type: SERVICE, name, props: { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec } };
}
const adminPorts = { selector: { app: "kong" }, ports: [{ name: "http-admin", port: 8001, targetPort: "admin", protocol: "TCP" }] };

describe("kong-admin-not-public", () => {
    it("passes kong-admin as ClusterIP or with the type left to its ClusterIP default", async () => {
        expect((await runResourcePolicy(kongAdminNotPublic, service("kong-admin", { ...adminPorts, type: "ClusterIP" }))).violations).toEqual([]);
        expect((await runResourcePolicy(kongAdminNotPublic, service("kong-admin", adminPorts))).violations).toEqual([]);
    });

    it("rejects kong-admin as LoadBalancer or NodePort", async () => {
        for (const type of ["LoadBalancer", "NodePort"]) {
            const out = await runResourcePolicy(kongAdminNotPublic, service("kong-admin", { ...adminPorts, type }));
            expect(out.violations).toEqual([`Service kong/kong-admin: spec.type is ${type}; the Kong Admin API must stay ClusterIP (never LoadBalancer or NodePort).`]);
        }
    });

    it("rejects externalIPs on kong-admin", async () => {
        const out = await runResourcePolicy(kongAdminNotPublic, service("kong-admin", { ...adminPorts, externalIPs: ["203.0.113.10"] }));
        expect(out.violations).toEqual([expect.stringContaining("spec.externalIPs is set")]);
    });

    it("rejects any other Service that exposes the Admin port, of any type: port 8001, targetPort 8001 or the admin port name", async () => {
        const proxyPorts = [
            { name: "http", port: 80, targetPort: "proxy" },
            { name: "https", port: 443, targetPort: "proxy-tls" },
        ];
        const cases: [string, Record<string, unknown>, string][] = [
            ["second LoadBalancer on 8001", { type: "LoadBalancer", ports: [{ port: 8001 }] }, "spec.ports[0].port 8001"],
            ["kong-proxy mapping 8001", { type: "LoadBalancer", ports: [...proxyPorts, { name: "admin", port: 8001, targetPort: 8001 }] }, "spec.ports[2].port 8001, spec.ports[2].targetPort 8001"],
            ["ClusterIP to the admin port name", { type: "ClusterIP", ports: [{ port: 9000, targetPort: "admin" }] }, "spec.ports[0].targetPort admin"],
            ["NodePort to 8001 as a string", { type: "NodePort", ports: [{ port: 80, targetPort: "8001" }] }, "spec.ports[0].targetPort 8001"],
        ];
        for (const [what, spec, fragment] of cases) {
            const out = await runResourcePolicy(kongAdminNotPublic, service(what === "kong-proxy mapping 8001" ? "kong-proxy" : "kong-admin-lb", spec));
            expect(out.violations, what).toEqual([expect.stringContaining(`${fragment} exposes the Kong Admin API port; only kong-admin may`)]);
        }
    });

    it("passes other Services whose ports do not reach the Admin API", async () => {
        const proxy = { type: "LoadBalancer", ports: [{ name: "http", port: 80, targetPort: "proxy" }, { name: "https", port: 443, targetPort: "proxy-tls" }] };
        expect((await runResourcePolicy(kongAdminNotPublic, service("kong-proxy", proxy))).violations).toEqual([]);
        expect((await runResourcePolicy(kongAdminNotPublic, service("kong-status", { ports: [{ name: "status", port: 8100, targetPort: "status" }] }))).violations).toEqual([]);
        expect((await runResourcePolicy(kongAdminNotPublic, service("portal", { ports: [{ port: 8080, targetPort: 8080 }] }))).violations).toEqual([]);
    });

    it("leaves other Services alone (kong-proxy may be a LoadBalancer) and honours the configured names", async () => {
        expect((await runResourcePolicy(kongAdminNotPublic, service("kong-proxy", { type: "LoadBalancer" }))).violations).toEqual([]);
        const renamed = await runResourcePolicy(kongAdminNotPublic, service("gateway-admin", { type: "NodePort" }), { config: { services: ["gateway-admin"] } });
        expect(renamed.violations).toHaveLength(1);
    });

    it("falls back to the logical name when metadata.name is computed at preview", async () => {
        const out = await runResourcePolicy(kongAdminNotPublic, { type: SERVICE, name: "kong-admin", props: { metadata: { name: UNKNOWN.string, namespace: UNKNOWN.string }, spec: { type: "LoadBalancer" } } });
        expect(out.violations).toEqual([expect.stringContaining("Service <computed>/kong-admin: spec.type is LoadBalancer")]);
    });
});
