import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KongConnection } from "../../components/gateway/kong/client";
import { renderDeck } from "../../components/gateway/kong/deck";
import { deriveKongEntities, stableUuid } from "../../components/gateway/kong/entities";
import { checkInputs, KongEntityInputs, kongProvider } from "../../components/gateway/kong/provider";
import { makePki } from "../preflight/certs";
import { DEV_GATEWAY, defaultCatalog, gatewayModel, PROD_GATEWAY } from "./fixtures";
import { FakeKong } from "./fakeKong";

const EDGE = { ...PROD_GATEWAY, tls: { secretName: "api-254carbon-com-tls", snis: ["api.254carbon.com", "*.api.254carbon.com"] }, httpsOnly: true };
const provider = kongProvider as Required<typeof kongProvider>;
const OWNER = ["managed-by:pulumi", "stack:prod"];

describe("gateway edge: certificates, https-only routes, cluster-wide rate limits", () => {
    const edge = deriveKongEntities(gatewayModel(EDGE), defaultCatalog(), "prod");
    const plain = deriveKongEntities(gatewayModel(DEV_GATEWAY), defaultCatalog(), "dev");
    const routes = (d: typeof edge) => d.services.flatMap((s) => s.routes.map((r) => ({ ...r, grpc: s.protocol === "grpc" })));

    it("makes every HTTP route https-only with a 308 from plain http, gRPC routes grpcs-only", () => {
        for (const r of routes(edge) as { protocols: readonly string[]; https_redirect_status_code?: number; grpc: boolean }[]) {
            expect(r.protocols).toEqual(r.grpc ? ["grpcs"] : ["https"]);
            expect(r.https_redirect_status_code).toBe(r.grpc ? undefined : 308);
        }
        // Stacks that do not say so keep both and Kong's default redirect code (the field is not sent).
        for (const r of plain.services.flatMap((s) => s.routes)) {
            expect(r.https_redirect_status_code).toBeUndefined();
        }
    });

    it("declares one certificate from the TLS Secret, with a UUID stable per stack and Secret, and its SNIs", () => {
        expect(edge.certificates).toEqual([{ id: stableUuid("prod/certificate/api-254carbon-com-tls"), secretName: "api-254carbon-com-tls", snis: ["api.254carbon.com", "*.api.254carbon.com"], tags: OWNER }]);
        expect(edge.certificates[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(stableUuid("dev/certificate/api-254carbon-com-tls")).not.toBe(edge.certificates[0].id);
        expect(plain.certificates).toEqual([]);
        // The plan says where the PEM comes from and never holds the key.
        const deck = renderDeck(edge);
        expect(deck).toContain("(tls.crt of Secret kong/api-254carbon-com-tls)");
        expect(deck).toContain("<redacted> (tls.key of Secret kong/api-254carbon-com-tls)");
    });

    it("counts rate limits cluster-wide in Kong's database, not per node", () => {
        const limits = edge.services.flatMap((s) => s.routes).flatMap((r) => r.plugins).filter((p) => p.name === "rate-limiting");
        expect(limits.length).toBeGreaterThan(0);
        expect(limits.every((p) => p.config.policy === "cluster")).toBe(true);
    });
});

describe("Kong provider: certificates and SNIs against the fake Admin API", () => {
    const pki = makePki("254carbon-edge-");
    const cert = fs.readFileSync(pki.serverCertFile, "utf8");
    const key = fs.readFileSync(pki.serverKeyFile, "utf8");
    const id = stableUuid("prod/certificate/api-tls");
    let kong: FakeKong;
    let conn: KongConnection;
    beforeEach(async () => {
        kong = new FakeKong();
        conn = { adminUrl: await kong.start(), retry: { attempts: 2, baseDelayMs: 1 } };
    });
    afterEach(async () => {
        await kong.stop();
    });
    const certificate = (): KongEntityInputs => ({ connection: conn, kind: "certificate", key: id, body: { cert, key, tags: OWNER }, ownerTags: OWNER });
    const sni = (name: string): KongEntityInputs => ({ connection: conn, kind: "sni", key: name, body: { certificate: { id }, tags: OWNER }, ownerTags: OWNER });

    it("PUTs the certificate by its derived id, then each SNI by name pointing at it", async () => {
        const created = await provider.create(certificate());
        expect(created.id).toBe(id);
        await provider.create(sni("api.254carbon.com"));
        await provider.create(sni("*.api.254carbon.com"));
        expect(kong.log.filter((l) => l.method === "PUT").map((l) => l.path)).toEqual([`/certificates/${id}`, "/snis/api.254carbon.com", "/snis/*.api.254carbon.com"]);
        expect(kong.db.snis.map((s) => s.certificate)).toEqual([{ id }, { id }]);
        // Reading back projects onto what was set: no diff from Kong's defaults (cert_alt, key_alt).
        const read = await provider.read(id, created.outs);
        expect(read.props?.body).toEqual({ cert, key, tags: OWNER });
    });

    it("an SNI for a certificate Kong does not have fails with Kong's foreign-key error", async () => {
        await expect(provider.create(sni("api.254carbon.com"))).rejects.toThrow(/foreign key violation: the foreign key .* does not reference an existing 'certificates' entity/);
    });

    it("check refuses a certificate without PEM (a missing or empty TLS Secret) and a bad SNI name", () => {
        expect(checkInputs({ ...certificate(), body: { cert: "", key: "" } }).map((f) => f.property)).toEqual(["body.cert"]);
        expect(checkInputs(sni("api_254carbon.com")).map((f) => f.property)).toEqual(["key"]);
        expect(checkInputs(sni("*.api.254carbon.com"))).toEqual([]);
    });

    it("Kong's schema checks on routes and certificates come back as Kong's field errors", async () => {
        // A route with a redirect code Kong's schema does not allow shows the fake enforces routes.lua's one_of.
        const bad = await provider.create({ connection: conn, kind: "route", key: "r", parent: { collection: "services", key: "missing" }, body: { protocols: ["https"], paths: ["/x"], https_redirect_status_code: 309 }, ownerTags: OWNER }).then(() => new Error("no error"), (e: unknown) => e as Error);
        expect(bad.message).toContain("404");
        await provider.create({ connection: conn, kind: "service", key: "s", body: { host: "h", port: 80 }, ownerTags: OWNER });
        const badCode = await provider.create({ connection: conn, kind: "route", key: "r", parent: { collection: "services", key: "s" }, body: { protocols: ["https"], paths: ["/x"], https_redirect_status_code: 309 }, ownerTags: OWNER }).then(() => new Error("no error"), (e: unknown) => e as Error);
        expect(badCode.message).toContain("https_redirect_status_code: expected one of: 426, 301, 302, 307, 308");
        const badCert = await provider.create({ ...certificate(), body: { cert, tags: OWNER } }).then(() => new Error("no error"), (e: unknown) => e as Error);
        expect(badCert.message).toContain("key: required field missing");
    });
});

describe("Kong's verify-full database connection trusts the configured CA", () => {
    it("puts each CA certificate next to the system bundle as a base64 entry (Kong 3.9.3 conf_loader/parse.lua)", async () => {
        const { trustedCertificates } = await import("../../components/gateway/database");
        const pki = makePki("254carbon-dbca-");
        const bundle = `${pki.caCert}${pki.otherCaCert}`;
        const entries = trustedCertificates(bundle).split(",");
        expect(entries[0]).toBe("system");
        expect(entries.slice(1).map((e) => Buffer.from(e, "base64").toString("utf8").trim())).toEqual([pki.caCert.trim(), pki.otherCaCert.trim()]);
        expect(trustedCertificates(undefined)).toBe("system");
    });
});
