import { describe, expect, it } from "vitest";
import { makePki } from "../preflight/certs";
import { DEV_GATEWAY, gatewayErrors, gatewayModel, PROD_GATEWAY } from "./fixtures";

const pki = makePki();

describe("gateway model: admin access, edge TLS, database CA, orphans", () => {
    it("reaches the Admin API through the port-forward unless a direct URL is set", () => {
        expect(gatewayModel({ ...DEV_GATEWAY, admin: {} }).admin.url).toBeUndefined();
        expect(gatewayModel(DEV_GATEWAY).admin.url).toBe("http://127.0.0.1:8001");
        expect(gatewayModel(DEV_GATEWAY).admin.pruneOrphans).toBe(false);
    });

    it("rejects an admin URL with credentials in it, without repeating them", () => {
        const msg = gatewayErrors({ ...DEV_GATEWAY, admin: { url: "https://admin:hunter2@admin.kong.example:8444/" } });
        expect(msg).toContain("service-integration:gateway.admin.url: carries credentials in the URL");
        expect(msg).toContain("https://[credentials]@admin.kong.example:8444/");
        expect(msg).toContain("pulumi config set --secret service-integration:kongAdminToken");
        expect(msg).not.toContain("hunter2");
        expect(gatewayErrors({ ...DEV_GATEWAY, admin: { url: "https://token@admin.kong.example:8444" } })).toContain("carries credentials");
    });

    it("reads the edge: a TLS Secret with its SNIs, and https-only routes", () => {
        const m = gatewayModel({ ...PROD_GATEWAY, tls: { secretName: "api-254carbon-com-tls", snis: ["api.254carbon.com", "*.api.254carbon.com"] }, httpsOnly: true });
        expect(m.edge).toEqual({ tls: { secretName: "api-254carbon-com-tls", snis: ["api.254carbon.com", "*.api.254carbon.com"] }, httpsOnly: true });
        expect(gatewayModel(DEV_GATEWAY).edge).toEqual({ tls: undefined, httpsOnly: false });
    });

    it("refuses https-only without a certificate, bad Secret names and bad SNIs, all at once", () => {
        expect(gatewayErrors({ ...DEV_GATEWAY, httpsOnly: true })).toContain("gateway.httpsOnly: redirects every client to https, but no certificate is configured");
        const msg = gatewayErrors({ ...DEV_GATEWAY, tls: { secretName: "Api_TLS", snis: ["api..254carbon.com"] } });
        expect(msg).toContain("gateway.tls.secretName");
        expect(msg).toContain("gateway.tls.snis: is not a host name");
        expect(gatewayErrors({ ...DEV_GATEWAY, tls: { secretName: "api-tls" } })).toContain("lists no host name");
    });

    it("takes a CA for the external database and checks that it parses", () => {
        const db = { ...PROD_GATEWAY.database, caCertificate: pki.caCert };
        const m = gatewayModel({ ...PROD_GATEWAY, database: db });
        expect(m.database.mode === "external" && m.database.caCertificate).toBe(pki.caCert);
        const truncated = pki.caCert.slice(0, 200) + "\n-----END CERTIFICATE-----\n";
        expect(gatewayErrors({ ...PROD_GATEWAY, database: { ...db, caCertificate: truncated } })).toContain("gateway.database.caCertificate: does not parse as X.509");
        expect(gatewayErrors({ ...PROD_GATEWAY, database: { ...db, caCertificate: "not a pem" } })).toContain("is not a PEM certificate");
        expect(gatewayErrors({ ...PROD_GATEWAY, database: { ...db, sslmode: "require" } })).toContain("is never used with sslmode require");
    });
});
