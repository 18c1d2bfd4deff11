import { describe, expect, it } from "vitest";
import { kongAdminNoService } from "../rules/kong-admin";
import { ResourceInput, runResourcePolicy, UNKNOWN } from "./support/policy";

const SERVICE = "kubernetes:core/v1:Service";

function service(name: string, spec: Record<string, unknown>, namespace: string = "kong"): ResourceInput {
    return { type: SERVICE, name, props: { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec } };
}
/** The Service the program declared before the Admin API moved to the pods' loopback (issue 13). */
const OLD_KONG_ADMIN = { type: "ClusterIP", selector: { app: "kong" }, ports: [{ name: "http-admin", port: 8001, targetPort: "admin", protocol: "TCP" }] };
const TARGETS = "targets the Kong Admin API port, which listens on the pods' loopback only";

describe("kong-admin-no-service", () => {
    it("rejects the old kong-admin Service even as ClusterIP, or with the type left to its default", async () => {
        for (const spec of [OLD_KONG_ADMIN, { ...OLD_KONG_ADMIN, type: undefined }]) {
            const out = await runResourcePolicy(kongAdminNoService, service("kong-admin", spec));
            expect(out.violations).toEqual([
                `Service kong/kong-admin: spec.ports[0].port 8001, spec.ports[0].targetPort admin ${TARGETS}. Remove the port (or the Service); reach the Admin API through a port-forward (pods/portforward in Kong's namespace).`,
            ]);
        }
    });

    it("rejects any Service, of any type and name, with port, targetPort or nodePort 8001 or the admin port name", async () => {
        const proxyPorts = [
            { name: "http", port: 80, targetPort: "proxy" },
            { name: "https", port: 443, targetPort: "proxy-tls" },
        ];
        const cases: [string, string, Record<string, unknown>, string][] = [
            ["a LoadBalancer on 8001", "kong-admin-lb", { type: "LoadBalancer", ports: [{ port: 8001 }] }, "spec.ports[0].port 8001"],
            ["kong-proxy mapping 8001", "kong-proxy", { type: "LoadBalancer", ports: [...proxyPorts, { name: "admin", port: 8001, targetPort: 8001 }] }, "spec.ports[2].port 8001, spec.ports[2].targetPort 8001"],
            ["ClusterIP to the admin port name", "gateway-admin", { type: "ClusterIP", ports: [{ port: 9000, targetPort: "admin" }] }, "spec.ports[0].targetPort admin"],
            ["NodePort to 8001 as a string", "kong-admin-np", { type: "NodePort", ports: [{ port: 80, targetPort: "8001" }] }, "spec.ports[0].targetPort 8001"],
            ["a nodePort of 8001", "odd", { type: "NodePort", ports: [{ port: 80, targetPort: 80, nodePort: 8001 }] }, "spec.ports[0].nodePort 8001"],
        ];
        for (const [what, name, spec, fragment] of cases) {
            const out = await runResourcePolicy(kongAdminNoService, service(name, spec));
            expect(out.violations, what).toEqual([expect.stringContaining(`${fragment} ${TARGETS}`)]);
        }
    });

    it("passes Services whose ports do not reach the Admin API, kong-proxy as a LoadBalancer included", async () => {
        const proxy = { type: "LoadBalancer", ports: [{ name: "http", port: 80, targetPort: "proxy" }, { name: "https", port: 443, targetPort: "proxy-tls" }] };
        expect((await runResourcePolicy(kongAdminNoService, service("kong-proxy", proxy))).violations).toEqual([]);
        expect((await runResourcePolicy(kongAdminNoService, service("kong-status", { ports: [{ name: "status", port: 8100, targetPort: "status" }] }))).violations).toEqual([]);
        expect((await runResourcePolicy(kongAdminNoService, service("portal", { ports: [{ port: 8080, targetPort: 8080 }] }))).violations).toEqual([]);
        expect((await runResourcePolicy(kongAdminNoService, service("no-ports", { type: "ExternalName", externalName: "db.example" }))).violations).toEqual([]);
    });

    it("honours a configured Admin port and port names", async () => {
        const moved = service("kong-proxy", { ports: [{ port: 80, targetPort: 8444 }] });
        expect((await runResourcePolicy(kongAdminNoService, moved)).violations).toEqual([]);
        expect((await runResourcePolicy(kongAdminNoService, moved, { config: { adminPort: 8444 } })).violations).toEqual([expect.stringContaining(`spec.ports[0].targetPort 8444 ${TARGETS}`)]);
        const named = service("kong-proxy", { ports: [{ port: 80, targetPort: "kong-api" }] });
        expect((await runResourcePolicy(kongAdminNoService, named, { config: { adminPortNames: ["kong-api"] } })).violations).toHaveLength(1);
    });

    it("judges the ports it knows when metadata.name is computed at preview, naming the logical name", async () => {
        const out = await runResourcePolicy(kongAdminNoService, { type: SERVICE, name: "kong-admin", props: { metadata: { name: UNKNOWN.string, namespace: UNKNOWN.string }, spec: OLD_KONG_ADMIN } });
        expect(out.violations).toEqual([expect.stringContaining(`Service <computed>/kong-admin: spec.ports[0].port 8001`)]);
    });
});
