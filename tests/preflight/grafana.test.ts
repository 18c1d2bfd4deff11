import * as http from "node:http";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizationHeader, grafanaPreflight } from "../../preflight/grafana";

/** Grafana's folder API as far as the preflight reads it: 200 for the right bearer token, 401 otherwise. */
describe("Grafana preflight (in-process stand-in for GET /api/folders)", () => {
    let server: http.Server;
    let url: string;
    beforeAll(async () => {
        server = http.createServer((req, res) => {
            if (!req.url?.startsWith("/api/folders")) return void res.writeHead(404).end();
            const auth = req.headers.authorization;
            if (auth === "Bearer good-token") return void res.writeHead(200, { "content-type": "application/json" }).end("[]");
            if (auth === "Bearer viewer-token") return void res.writeHead(403).end(JSON.stringify({ message: `denied ${auth}` }));
            res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: `invalid API key ${auth}` }));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    afterAll(async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
    });

    it("passes an accepted token and names grafanaAuth for a refused or weak one, never quoting it", async () => {
        expect(await grafanaPreflight({ url, auth: "good-token" })).toEqual([]);
        const [refused] = await grafanaPreflight({ url, auth: "stale-token-value" });
        expect(refused).toMatchObject({ endpoint: url, key: "service-integration:grafanaAuth", problem: "Grafana refused the credential (401)" });
        expect(JSON.stringify(refused)).not.toContain("stale-token-value");
        const [weak] = await grafanaPreflight({ url, auth: "viewer-token" });
        expect(weak.fix).toContain("Editor");
    });

    it("reports a closed port and a URL that is not Grafana's API", async () => {
        const [closed] = await grafanaPreflight({ url: "http://127.0.0.1:9", auth: "x", timeoutMs: 2_000 });
        expect(closed).toMatchObject({ key: "service-integration:observability.grafana.url" });
        expect(closed.problem).toContain("connection refused");
        const [notGrafana] = await grafanaPreflight({ url: `${url}/nothing-here`, auth: "good-token" });
        expect(notGrafana.problem).toContain("answered 404");
    });

    it("sends user:password as Basic and a token as Bearer, like the Grafana provider's auth", () => {
        expect(authorizationHeader("admin:pw")).toBe(`Basic ${Buffer.from("admin:pw").toString("base64")}`);
        expect(authorizationHeader("glsa_abc")).toBe("Bearer glsa_abc");
    });
});
