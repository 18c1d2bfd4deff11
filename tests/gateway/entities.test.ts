import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderDeck } from "../../components/gateway/kong/deck";
import { deriveKongEntities, DeclaredPlugin, DeclaredRoute } from "../../components/gateway/kong/entities";
import { parseCatalog } from "../../model/catalog";
import { DEV_GATEWAY, defaultCatalog, gatewayModel, PROD_GATEWAY, rawCatalog } from "./fixtures";

const EXPOSED = ["portal-services", "data-ingestion-api", "data-quality-service", "lineage-service", "metadata-catalog", "query-service"];
const TAGS = ["managed-by:pulumi", "stack:dev"];

function routeNamed(decl: ReturnType<typeof deriveKongEntities>, name: string): DeclaredRoute {
    const r = decl.services.flatMap((s) => s.routes).find((x) => x.name === name);
    if (!r) throw new Error(`no route ${name}`);
    return r;
}
const plugin = (r: DeclaredRoute, name: string): DeclaredPlugin | undefined => r.plugins.find((p) => p.name === name);

describe("Kong entities derived from the catalog", () => {
    const dev = deriveKongEntities(gatewayModel(DEV_GATEWAY), defaultCatalog(), "dev");
    const prod = deriveKongEntities(gatewayModel(PROD_GATEWAY), defaultCatalog(), "prod");

    it("gives every exposed catalog service a Kong service whose upstream is its mesh DNS name", () => {
        expect(dev.services.map((s) => s.name)).toEqual(EXPOSED);
        const portal = dev.services[0];
        expect(portal).toMatchObject({ protocol: "http", host: "portal-services.data-platform.svc.cluster.local", port: 8080, retries: 0, read_timeout: 15000, write_timeout: 15000, tags: TAGS });
    });

    it("carries routes over: paths (regex with ~), methods, hosts, strip_path; names are service.route", () => {
        expect(routeNamed(dev, "portal-services.portal-api")).toMatchObject({ protocols: ["http", "https"], paths: ["/api/portal"], methods: ["GET", "POST", "PUT", "DELETE"], strip_path: true });
        expect(routeNamed(dev, "lineage-service.lineage-graph").paths).toEqual(["~/api/lineage/v[0-9]+/graph"]);
        expect(routeNamed(dev, "portal-services.portal-api").hosts).toBeUndefined();
    });

    it("adds prometheus (all detail metrics, not per consumer) and correlation-id globally", () => {
        expect(dev.plugins.map((p) => p.name)).toEqual(["prometheus", "correlation-id"]);
        expect(dev.plugins[0].config).toEqual({ per_consumer: false, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true });
    });

    it("puts rate-limiting (per minute, cluster policy: counters shared by every node) and cors on routes as the catalog says", () => {
        const portal = routeNamed(dev, "portal-services.portal-api");
        expect(plugin(portal, "rate-limiting")).toEqual({ instance_name: "portal-services.portal-api.rate-limiting", name: "rate-limiting", config: { minute: 600, policy: "cluster" }, enabled: true, tags: TAGS });
        expect(plugin(portal, "cors")?.config).toMatchObject({ origins: ["https://portal.254carbon.com"], methods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"] });
        const query = routeNamed(dev, "query-service.query-api");
        expect(plugin(query, "rate-limiting")?.config).toEqual({ minute: 120, policy: "cluster" });
        expect(plugin(query, "cors")).toBeUndefined();
    });

    it("adds jwt only where the environment requires it, never on public services", () => {
        expect(dev.services.flatMap((s) => s.routes).some((r) => plugin(r, "jwt"))).toBe(false);
        for (const r of prod.services.flatMap((s) => s.routes)) {
            expect(plugin(r, "jwt")?.config, r.name).toMatchObject({ claims_to_verify: ["exp"], key_claim_name: "iss" });
        }
        // Preflights pass where cors is on.
        expect(plugin(routeNamed(prod, "portal-services.portal-api"), "jwt")?.config.run_on_preflight).toBe(false);

        const raw = rawCatalog();
        const lineage = raw.services.find((s) => s.name === "lineage-service")!;
        (lineage.gateway as Record<string, unknown>).public = true;
        const withPublic = deriveKongEntities(gatewayModel(PROD_GATEWAY), parseCatalog(raw, "test"), "prod");
        expect(plugin(routeNamed(withPublic, "lineage-service.lineage-graph"), "jwt")).toBeUndefined();
        expect(plugin(routeNamed(withPublic, "query-service.query-api"), "jwt")).toBeDefined();
    });

    it("declares consumers and JWT credentials from config, and extra plugins at their scope", () => {
        expect(prod.consumers.map((c) => c.username)).toEqual(["portal-frontend", "partner-etl"]);
        expect(prod.consumers[1]).toMatchObject({ custom_id: "partner-42", jwt_secrets: [{ key: "partner-etl-issuer", algorithm: "HS512", secret: { source: "config", configKey: "jwtSecret-partner-etl-issuer" } }] });
        expect(plugin(routeNamed(prod, "query-service.query-api"), "ip-restriction")).toMatchObject({ instance_name: "query-service.query-api.ip-restriction", config: { allow: ["10.0.0.0/8"] } });
    });

    it("renders a decK-style listing with nested routes and plugins, secrets redacted", () => {
        const text = renderDeck(prod);
        const doc = parse(text) as {
            _format_version: string;
            _info: { select_tags: string[] };
            services: { name: string; host: string; routes: { name: string; plugins?: { name: string }[] }[] }[];
            plugins: { name: string }[];
            consumers: { username: string; jwt_secrets: { key: string; secret: string }[] }[];
        };
        expect(doc._format_version).toBe("3.0");
        expect(doc._info.select_tags).toEqual(["managed-by:pulumi", "stack:prod"]);
        expect(doc.services.map((s) => s.name)).toEqual(EXPOSED);
        expect(doc.services[0].routes[0].plugins?.map((p) => p.name)).toEqual(["rate-limiting", "cors", "jwt"]);
        expect(doc.plugins.map((p) => p.name)).toEqual(["prometheus", "correlation-id"]);
        expect(doc.consumers[0].jwt_secrets[0].secret).toBe("<redacted> (generated by random.RandomPassword)");
        expect(doc.consumers[1].jwt_secrets[0].secret).toBe("<redacted> (config secret service-integration:jwtSecret-partner-etl-issuer)");
        expect(text).toContain("~/api/lineage/v[0-9]+/graph");
    });
});
