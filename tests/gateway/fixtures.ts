import * as fs from "node:fs";
import * as path from "node:path";
import { Catalog, parseCatalog } from "../../model/catalog";
import { Problems } from "../../model/errors";
import { GatewayModel, parseGatewayConfig } from "../../model/gateway";
import { Reader } from "../../model/reader";

export const CATALOG_FILE = path.resolve(__dirname, "../../catalog/services.json");

export function rawCatalog(): { namespaces: unknown[]; services: Record<string, unknown>[] } {
    return JSON.parse(fs.readFileSync(CATALOG_FILE, "utf8")) as { namespaces: unknown[]; services: Record<string, unknown>[] };
}

export function defaultCatalog(): Catalog {
    return parseCatalog(rawCatalog(), "catalog/services.json");
}

/** Parses `service-integration:gateway`; throws the ConfigError the program would. */
export function gatewayModel(raw: unknown, catalog: Catalog = defaultCatalog()): GatewayModel {
    const problems = new Problems();
    const model = parseGatewayConfig(Reader.root("service-integration:gateway", raw, problems), catalog);
    problems.throwIfAny("stack config");
    return model;
}

/** The error message a config produces (or "" when it is valid). */
export function gatewayErrors(raw: unknown, catalog: Catalog = defaultCatalog()): string {
    try {
        gatewayModel(raw, catalog);
        return "";
    } catch (e) {
        return (e as Error).message;
    }
}

/** What Pulumi.dev.yaml sets: in-cluster database, JWT optional, a port-forwarded Admin API. */
export const DEV_GATEWAY = {
    replicas: 2,
    proxy: { serviceType: "ClusterIP" },
    admin: { url: "http://127.0.0.1:8001" },
    jwtRequired: false,
    database: { mode: "in-cluster", storage: "10Gi" },
};

/** What Pulumi.prod.yaml sets: external database, JWT required with consumers, a LoadBalancer proxy. */
export const PROD_GATEWAY = {
    replicas: 3,
    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    proxy: { serviceType: "LoadBalancer", annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" } },
    admin: { url: "http://127.0.0.1:8001", token: true },
    jwtRequired: true,
    consumers: [
        { name: "portal-frontend", jwt: [{ key: "portal-frontend-issuer", algorithm: "HS256" }] },
        { name: "partner-etl", customId: "partner-42", jwt: [{ key: "partner-etl-issuer", algorithm: "HS512", secret: "config" }] },
    ],
    plugins: [{ name: "ip-restriction", scope: "route:query-service/query-api", config: { allow: ["10.0.0.0/8"] } }],
    database: { mode: "external", host: "kong-db.prod.254carbon.internal", port: 5432, sslmode: "verify-full", adminUser: "platform_admin" },
};
