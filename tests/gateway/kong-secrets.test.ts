import * as http from "node:http";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KongAdminClient, redactSecrets, secretForms } from "../../components/gateway/kong/client";
import { request } from "../../verify/http";

const TOKEN = "adm-T0ken-5ecret-value";
const CLIENT_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";

/**
 * A server that reflects the request (headers and body) back in its answer, the way a misconfigured proxy or a debug
 * endpoint does, with the status code the path asks for.
 */
function reflector(): http.Server {
    return http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const status = Number(/\/status\/(\d+)/.exec(req.url ?? "")?.[1] ?? 200);
            const echo = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
            const asKongError = (req.url ?? "").includes("kong-shaped");
            const payload = asKongError ? JSON.stringify({ message: `bad request ${JSON.stringify(echo)}`, name: "schema violation" }) : JSON.stringify(echo);
            res.writeHead(status, { "content-type": "application/json", "x-echo": String(req.headers["kong-admin-token"] ?? "") }).end(payload);
        });
    });
}

describe("no error message echoes a secret a reflecting endpoint sent back", () => {
    let server: http.Server;
    let url: string;
    beforeAll(async () => {
        server = reflector();
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    afterAll(async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
    });

    const client = (): KongAdminClient => new KongAdminClient({ adminUrl: url, token: TOKEN, tls: { key: CLIENT_KEY }, retry: { attempts: 1 } });

    it("a non-Kong error body is never quoted (the reflector answered 403 with the token in it)", async () => {
        const err = (await client().get("/status/403").catch((e: unknown) => e)) as Error;
        expect(err.message).toContain("Kong answered 403 to GET /status/403");
        expect(err.message).toContain("not a Kong error body; not shown");
        expect(err.message).not.toContain(TOKEN);
        expect(JSON.stringify(err)).not.toContain(TOKEN);
    });

    it("a Kong-shaped error that reflects the token and the JWT secret has both blanked out", async () => {
        const err = (await client().put("/kong-shaped/status/400", { algorithm: "HS256", secret: "jwt-shared-secret-value" }).catch((e: unknown) => e)) as Error & { body: unknown };
        expect(err.message).toContain("Kong rejected PUT /kong-shaped/status/400 (400): schema violation: bad request");
        expect(err.message).toContain("[redacted]");
        for (const secret of [TOKEN, "jwt-shared-secret-value"]) {
            expect(err.message).not.toContain(secret);
            expect(JSON.stringify(err.body)).not.toContain(secret);
        }
    });

    it("a certificate's private key reflected in an error is blanked out", async () => {
        const err = (await client().put("/kong-shaped/status/400", { cert: "-----BEGIN CERTIFICATE-----", key: CLIENT_KEY.replace("MIIEv", "MIIEw") }).catch((e: unknown) => e)) as Error;
        expect(err.message).toContain("[redacted]");
        expect(err.message).not.toContain("MIIEwQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7");
    });

    it("without redaction the reflector would have leaked it (the test's premise holds)", async () => {
        const raw = await new Promise<string>((resolve) => {
            http.get(`${url}/status/403`, { headers: { "kong-admin-token": TOKEN } }, (res) => {
                let b = "";
                res.on("data", (c: Buffer) => (b += c.toString()));
                res.on("end", () => resolve(b));
            });
        });
        expect(raw).toContain(TOKEN);
    });

    it("verify's HTTP client blanks every credential it sent out of the body and the headers", async () => {
        const res = await request(`${url}/status/401`, { headers: { "kong-admin-token": TOKEN, authorization: "Bearer grafana-bearer-token-value" } });
        expect(res.status).toBe(401);
        expect(res.body).not.toContain(TOKEN);
        expect(res.body).not.toContain("grafana-bearer-token-value");
        expect(res.body).toContain("[redacted]");
        expect(res.headers["x-echo"]).toBe("[redacted]");
        // The answer is still JSON the checks can read.
        expect(JSON.parse(res.body).headers["kong-admin-token"]).toBe("[redacted]");
    });

    it("a Basic credential is blanked out in its encoded and decoded forms", async () => {
        const basic = Buffer.from("admin:basic-password-value").toString("base64");
        const res = await request(`${url}/status/200`, { headers: { authorization: `Basic ${basic}` } });
        expect(res.body).not.toContain(basic);
        expect(redactSecrets("user admin:basic-password-value", secretForms(["admin:basic-password-value"]))).toBe("user [redacted]");
    });

    it("multi-line secrets are matched raw, JSON-escaped and line by line", () => {
        const forms = secretForms([CLIENT_KEY]);
        expect(redactSecrets(JSON.stringify({ k: CLIENT_KEY }), forms)).toBe('{"k":"[redacted]"}');
        expect(redactSecrets("line MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 end", forms)).toBe("line [redacted] end");
    });

    it("an admin URL with credentials in it is refused without repeating them", () => {
        expect(() => new KongAdminClient({ adminUrl: "http://admin:hunter2@127.0.0.1:8001" })).toThrow(/carries credentials in its user-info part/);
        try {
            new KongAdminClient({ adminUrl: "http://admin:hunter2@127.0.0.1:8001" });
        } catch (e) {
            expect((e as Error).message).not.toContain("hunter2");
        }
    });
});
