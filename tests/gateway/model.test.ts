import { describe, expect, it } from "vitest";
import { DEFAULT_KONG_IMAGE, DEFAULT_POSTGRES_IMAGE, GATEWAY_SECRET_KEY_PATTERN, GATEWAY_SECRET_KEYS, gatewaySecretKeys } from "../../model/gateway";
import { DEV_GATEWAY, gatewayErrors, gatewayModel, PROD_GATEWAY } from "./fixtures";

describe("gateway model", () => {
    it("reads a dev-like config with defaults for everything unsaid", () => {
        const m = gatewayModel(DEV_GATEWAY);
        expect(m.image).toBe(DEFAULT_KONG_IMAGE);
        expect(m.replicas).toBe(2);
        expect(m.admin).toEqual({ url: "http://127.0.0.1:8001", token: false, clientCertificate: false, caCertificate: undefined, manageEntities: true, retryAttempts: 6, pruneOrphans: false });
        expect(m.database).toEqual({ mode: "in-cluster", passwordSource: "generated", image: DEFAULT_POSTGRES_IMAGE, storage: "10Gi", storageClass: undefined, resources: expect.any(Object) });
        expect(m.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
    });

    it("reads a prod-like config: external database, consumers, JWT secrets by source", () => {
        const m = gatewayModel(PROD_GATEWAY);
        expect(m.database).toEqual({ mode: "external", host: "kong-db.prod.254carbon.internal", port: 5432, sslmode: "verify-full", adminUser: "platform_admin", adminDatabase: "postgres", superuser: false });
        expect(m.consumers[0].jwt[0]).toEqual({ key: "portal-frontend-issuer", algorithm: "HS256", publicKey: undefined, secret: { source: "generated" } });
        expect(m.consumers[1].jwt[0].secret).toEqual({ source: "config", configKey: GATEWAY_SECRET_KEYS.jwtSecret("partner-etl-issuer") });
        expect(m.plugins).toEqual([{ name: "ip-restriction", instanceName: undefined, scope: { kind: "route", service: "query-service", route: "query-api" }, config: { allow: ["10.0.0.0/8"] } }]);
        expect(m.proxy.serviceType).toBe("LoadBalancer");
    });

    it("names exactly the secret config keys each environment needs", () => {
        expect(gatewaySecretKeys(gatewayModel(DEV_GATEWAY))).toEqual([]);
        const prod = gatewaySecretKeys(gatewayModel(PROD_GATEWAY));
        expect(prod).toEqual(["postgresAdminPassword", "kongAdminToken", "jwtSecret-partner-etl-issuer"]);
        expect(prod.every((k) => GATEWAY_SECRET_KEY_PATTERN.test(k))).toBe(true);
        expect(GATEWAY_SECRET_KEY_PATTERN.test("gateway")).toBe(false);
    });

    it("names the removed Admin API network keys, why they went and the fix (not a generic unknown key)", () => {
        const msg = gatewayErrors({ ...DEV_GATEWAY, admin: { serviceType: "LoadBalancer", allowedNamespaces: ["kong"] } });
        expect(msg).toContain("service-integration:gateway.admin.serviceType: was removed: the Admin API listens on the pod's loopback only");
        expect(msg).toContain('(found "LoadBalancer")');
        expect(msg).toContain("service-integration:gateway.admin.allowedNamespaces: was removed: the Admin API listens on the pod's loopback only");
        expect(msg).toContain("grant pods/portforward (get, create) in the kong namespace");
        expect(msg).not.toContain("is not a known key");
        // ClusterIP, the only value it ever had, is refused too: the Service it typed is gone.
        expect(gatewayErrors({ ...DEV_GATEWAY, admin: { serviceType: "ClusterIP" } })).toContain("admin.serviceType: was removed");
        expect(gatewayErrors({ ...DEV_GATEWAY, admin: {} })).toBe("");
    });

    it("rejects unknown plugin names, with a suggestion", () => {
        const msg = gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "ratelimiting", config: { minute: 5 } }] });
        expect(msg).toContain("service-integration:gateway.plugins[0].name: is not a plugin bundled with Kong Gateway OSS 3.9");
        expect(msg).toContain('(found "ratelimiting")');
        expect(gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "openid-connect" }] })).toContain("Fix: use one of jwt, acl");
    });

    it("rejects non-positive rate limits, and a rate-limiting plugin with no limit", () => {
        const msg = gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "rate-limiting", scope: "service:query-service", config: { minute: 0, hour: -5 } }] });
        expect(msg).toContain("plugins[0].config.minute: must be a positive number of requests (Kong: gt = 0) (found 0)");
        expect(msg).toContain("plugins[0].config.hour");
        expect(gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "rate-limiting", scope: "service:query-service", config: {} }] })).toContain("sets no limit");
    });

    it("rejects a plugin the program already derives for the same scope (Kong allows one per scope)", () => {
        const msg = gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "rate-limiting", scope: "route:query-service/query-api", config: { minute: 5 } }] });
        expect(msg).toContain("is already configured by the program for scope query-service.query-api");
        expect(gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "prometheus" }] })).toContain("for scope global");
    });

    it("checks plugin scopes against the catalog and the consumers", () => {
        expect(gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "ip-restriction", scope: "route:query-service/nope", config: {} }] })).toContain("names no gateway route of the catalog");
        expect(gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "ip-restriction", scope: "service:scheduler", config: {} }] })).toContain("names no catalog service exposed through the gateway");
        expect(gatewayErrors({ ...DEV_GATEWAY, plugins: [{ name: "key-auth", scope: "consumer:nobody" }] })).toContain("names no consumer of this config");
        const cors = gatewayErrors({ ...PROD_GATEWAY, plugins: [{ name: "cors", scope: "consumer:portal-frontend", config: {} }] });
        expect(cors).toContain("cors cannot be scoped to a consumer");
    });

    it("rejects bad database modes and incomplete external settings", () => {
        const msg = gatewayErrors({ ...DEV_GATEWAY, database: { mode: "sqlite" } });
        expect(msg).toContain('database.mode: must be in-cluster or external (found "sqlite")');
        const ext = gatewayErrors({ ...DEV_GATEWAY, database: { mode: "external", sslmode: "disable" } });
        expect(ext).toContain("database.host: is required");
        expect(ext).toContain("database.adminUser: is required");
        expect(ext).toContain("database.sslmode: would send Kong's database password in clear text");
        // Keys of the other mode are typos here.
        expect(gatewayErrors({ ...DEV_GATEWAY, database: { mode: "in-cluster", host: "x" } })).toContain("database.host: is not a known key");
    });

    it("takes the in-cluster database password from a secret when the stack says so (no random provider needed)", () => {
        const m = gatewayModel({ ...DEV_GATEWAY, database: { mode: "in-cluster", password: "config" } });
        expect(gatewaySecretKeys(m)).toContain(GATEWAY_SECRET_KEYS.kongDatabasePassword);
        expect(gatewaySecretKeys(gatewayModel(DEV_GATEWAY))).not.toContain(GATEWAY_SECRET_KEYS.kongDatabasePassword);
        expect(gatewayErrors({ ...DEV_GATEWAY, database: { mode: "in-cluster", password: "random" } })).toContain("database.password: must be one of generated, config");
    });

    it("pins Kong OSS 3.9 and PostgreSQL 15 images", () => {
        expect(gatewayErrors({ ...DEV_GATEWAY, image: "kong:latest" })).toContain("must be a pinned Kong 3.9.x tag");
        expect(gatewayErrors({ ...DEV_GATEWAY, image: "kong" })).toContain("is not pinned (no tag)");
        expect(gatewayErrors({ ...DEV_GATEWAY, image: "kong/kong-gateway:3.9.1.0" })).toContain("is Kong Enterprise");
        expect(gatewayErrors({ ...DEV_GATEWAY, image: "kong:3.10.0" })).toContain("update KONG_BUNDLED_PLUGINS");
        expect(gatewayErrors({ ...DEV_GATEWAY, image: "registry.local:5000/kong:3.9.3" })).toBe("");
        expect(gatewayErrors({ ...DEV_GATEWAY, database: { mode: "in-cluster", image: "postgres:16.4" } })).toContain("must be a pinned PostgreSQL 15 image");
    });

    it("checks JWT credentials: unique keys, secrets only for HS*, public keys for the rest", () => {
        const dup = gatewayErrors({ ...PROD_GATEWAY, consumers: [{ name: "a", jwt: [{ key: "k" }] }, { name: "b", jwt: [{ key: "k" }] }] });
        expect(dup).toContain("consumers[1].jwt[0].key: is already the key of a credential of a");
        const rs = gatewayErrors({ ...PROD_GATEWAY, consumers: [{ name: "a", jwt: [{ key: "k", algorithm: "RS256", secret: "config" }] }] });
        expect(rs).toContain("consumers[0].jwt[0].publicKey: is required for RS256");
        expect(rs).toContain("consumers[0].jwt[0].secret: has no meaning for RS256");
        const hs = gatewayErrors({ ...PROD_GATEWAY, consumers: [{ name: "a", jwt: [{ key: "k", publicKey: "-----BEGIN PUBLIC KEY-----\nx" }] }] });
        expect(hs).toContain("is only used by asymmetric algorithms, not HS256");
        expect(gatewayErrors({ ...PROD_GATEWAY, consumers: [{ name: "a", jwt: [{ key: "k", algorithm: "HS999" }] }] })).toContain("algorithm: must be one of HS256");
    });

    it("refuses jwtRequired without any credential (every protected route would answer 401)", () => {
        expect(gatewayErrors({ ...DEV_GATEWAY, jwtRequired: true })).toContain("jwtRequired: is on but no consumer has a JWT credential");
    });

    it("checks resources, replicas, the admin URL and typos", () => {
        expect(gatewayErrors({ ...DEV_GATEWAY, resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } })).toContain("resources.requests.cpu: is more than the limit 1");
        expect(gatewayErrors({ ...DEV_GATEWAY, replicas: 0 })).toContain("replicas: must be a whole number from 1 to 50");
        expect(gatewayErrors({ ...DEV_GATEWAY, replicaz: 2 })).toContain("service-integration:gateway.replicaz: is not a known key");
        expect(gatewayErrors({ ...DEV_GATEWAY, proxy: { serviceType: "NodePort" } })).toContain("proxy.serviceType: must be one of ClusterIP, LoadBalancer");
        expect(gatewayErrors({ ...DEV_GATEWAY, admin: { url: "127.0.0.1:8001" } })).toContain("admin.url");
        expect(gatewayErrors({ ...DEV_GATEWAY, admin: { url: "http://127.0.0.1:8001", clientCertificate: true } })).toContain("is plain http, so client/CA certificates would never be used");
        expect(gatewayErrors({ ...DEV_GATEWAY, admin: { clientCertificate: true } })).toContain("is unset: the port-forward reaches plain http on the pod's loopback");
    });

    it("reports every problem at once", () => {
        const msg = gatewayErrors({ image: "kong:latest", admin: { serviceType: "LoadBalancer" }, plugins: [{ name: "nope" }], database: { mode: "x" } });
        expect(msg).toMatch(/is invalid \(4 problems\)/);
    });
});
