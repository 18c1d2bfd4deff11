import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../model/catalog";
import { ConfigError } from "../../model/errors";
import { defaultCatalog } from "../support/fixtures";

function problemsOf(raw: unknown): { path: string; message: string; fix: string; value: unknown }[] {
    try {
        parseCatalog(raw, "test-catalog.json");
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return [...(e as ConfigError).problems];
    }
    throw new Error("catalog was accepted");
}

function withService(index: number, patch: Record<string, unknown>): unknown {
    const catalog = defaultCatalog();
    catalog.services[index] = { ...catalog.services[index], ...patch };
    return catalog;
}

describe("service catalog", () => {
    it("accepts the default catalog with the seed's services", () => {
        const catalog = parseCatalog(defaultCatalog(), "catalog/services.json");
        const names = catalog.services.map((s) => s.name);
        expect(names).toContain("portal-services");
        expect(names).toEqual(expect.arrayContaining(["kiali", "jaeger", "kong-proxy"]));
        expect(catalog.namespaces.filter((n) => n.injected).map((n) => n.name)).toEqual(["data-platform", "kong", "monitoring"]);
    });

    it("rejects a service in an undeclared namespace, naming the namespaces it could use", () => {
        const [p] = problemsOf(withService(0, { namespace: "analytics" }));
        expect(p.path).toBe("services.portal-services.namespace");
        expect(p.message).toContain("not a declared namespace");
        expect(p.fix).toContain("data-platform");
    });

    it("rejects duplicate service names", () => {
        const catalog = defaultCatalog();
        catalog.services.push({ ...catalog.services[0] });
        const problems = problemsOf(catalog);
        expect(problems.some((p) => p.path === "services.portal-services#2.name" && p.message.includes("is declared twice (first at services.portal-services)"))).toBe(true);
    });

    it("rejects retries whose attempts × perTryTimeout exceed the timeout", () => {
        const [p] = problemsOf(withService(0, { timeout: "10s", retries: { attempts: 3, perTryTimeout: "5s" } }));
        expect(p.path).toBe("services.portal-services.retries");
        expect(p.message).toContain("15000ms");
        expect(p.message).toContain("10000ms");
        expect(p.fix).toMatch(/lower attempts or perTryTimeout/);
    });

    it("rejects more than 3 retry attempts", () => {
        const [p] = problemsOf(withService(0, { timeout: "60s", retries: { attempts: 5, perTryTimeout: "1s" } }));
        expect(p.path).toBe("services.portal-services.retries.attempts");
    });

    it.each([0, -1, 70000, 8080.5])("rejects port %s", (port) => {
        const [p] = problemsOf(withService(1, { port }));
        expect(p.path).toBe("services.data-ingestion-api.port");
        expect(p.message).toContain("1 to 65535");
    });

    it("rejects a caller that names no known service", () => {
        const [p] = problemsOf(withService(2, { callers: ["portal-services", "billing"] }));
        expect(p.path).toBe("services.data-quality-service.callers");
        expect(p.value).toBe("billing");
        expect(p.message).toContain("names no service");
    });

    it("rejects unknown keys, suggesting the known ones", () => {
        const [p] = problemsOf(withService(0, { timout: "5s" }));
        expect(p.path).toBe("services.portal-services.timout");
        expect(p.message).toBe("is not a known key");
        expect(p.fix).toContain("timeout");
    });

    it("rejects a regex route without Kong 3's ~ prefix", () => {
        const [p] = problemsOf(withService(3, { gateway: { routes: [{ name: "g", paths: ["/api/lineage/v[0-9]+"] }] } }));
        expect(p.path).toBe("services.lineage-service.gateway.routes.g.paths");
        expect(p.fix).toBe('write it as "~/api/lineage/v[0-9]+"');
    });

    it("rejects two services routing the same host and path", () => {
        const problems = problemsOf(withService(2, { gateway: { routes: [{ name: "dup", paths: ["/api/portal"] }] } }));
        expect(problems[0].message).toContain("already routed by portal-services/portal-api");
    });

    it("rejects a non-positive rate limit", () => {
        const [p] = problemsOf(withService(0, { gateway: { routes: [{ name: "r", paths: ["/x"] }], rateLimitPerMinute: 0 } }));
        expect(p.path).toBe("services.portal-services.gateway.rateLimitPerMinute");
    });

    it("reports every problem at once", () => {
        const catalog = defaultCatalog();
        catalog.services[0] = { ...catalog.services[0], port: 0, namespace: "nope" };
        catalog.services[1] = { ...catalog.services[1], loadBalancer: "RANDOM" };
        const paths = problemsOf(catalog).map((p) => p.path);
        expect(paths).toEqual(expect.arrayContaining(["services.portal-services.port", "services.portal-services.namespace", "services.data-ingestion-api.loadBalancer"]));
    });

    it("puts path, value and fix into the error message", () => {
        expect(() => parseCatalog(withService(0, { loadBalancer: "RANDOM" }), "x.json")).toThrow(
            /services\.portal-services\.loadBalancer: must be one of LEAST_REQUEST, ROUND_ROBIN \(found "RANDOM"\)\. Fix: set services\.portal-services\.loadBalancer to one of LEAST_REQUEST, ROUND_ROBIN/,
        );
    });
});
