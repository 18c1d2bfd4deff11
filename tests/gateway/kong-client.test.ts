import * as http from "node:http";
import * as net from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KongAdminClient, KongApiError, KongConflictError, KongUnreachableError } from "../../components/gateway/kong/client";
import { FakeKong } from "./fakeKong";

const FAST = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

describe("KongAdminClient against the fake Admin API", () => {
    let kong: FakeKong;
    let client: KongAdminClient;

    beforeEach(async () => {
        kong = new FakeKong();
        client = new KongAdminClient({ adminUrl: await kong.start(), retry: FAST });
    });
    afterEach(async () => {
        await kong.stop();
    });

    it("upserts by name with PUT and keeps the id on a second PUT", async () => {
        const first = await client.put("/services/orders", { host: "orders.data-platform.svc.cluster.local", port: 8080 });
        const second = await client.put("/services/orders", { host: "orders.data-platform.svc.cluster.local", port: 9090 });
        expect(second.id).toBe(first.id);
        expect(second.port).toBe(9090);
        // Server-filled defaults are there (what the provider must ignore in diffs).
        expect(second.retries).toBe(5);
        expect(kong.db.services).toHaveLength(1);
    });

    it("reads a missing entity as undefined and deletes a missing one without error", async () => {
        expect(await client.get("/services/nope")).toBeUndefined();
        await expect(client.delete("/services/nope")).resolves.toBeUndefined();
        // Nested endpoint with a missing parent answers 404: still "deleted".
        await expect(client.delete("/consumers/nobody/jwt/k1")).resolves.toBeUndefined();
    });

    it("PATCH deep-merges a plugin's config while PUT replaces it", async () => {
        await client.put("/plugins/rl", { name: "rate-limiting", config: { minute: 10, hide_client_headers: true } });
        const patched = await client.patch("/plugins/rl", { config: { minute: 20 } });
        expect(patched?.config).toMatchObject({ minute: 20, hide_client_headers: true, policy: "local" });
        const replaced = await client.put("/plugins/rl", { name: "rate-limiting", config: { minute: 20 } });
        expect((replaced.config as Record<string, unknown>).hide_client_headers).toBe(false);
    });

    it("surfaces Kong's 400 field errors verbatim", async () => {
        const err = await client.put("/plugins/rl", { name: "rate-limiting", config: { minute: 0, bogus: 1 } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KongApiError);
        const e = err as KongApiError;
        expect(e.status).toBe(400);
        expect(e.body).toEqual({
            code: 2,
            name: "schema violation",
            message: "2 schema violations (config.bogus: unknown field; config.minute: value must be greater than 0)",
            fields: { config: { bogus: "unknown field", minute: "value must be greater than 0" } },
        });
        expect(e.message).toContain('fields={"config":{"bogus":"unknown field","minute":"value must be greater than 0"}}');
    });

    it("reports a 409 as 'already exists — import or rename' without retrying", async () => {
        await client.put("/consumers/alice", { custom_id: "c-1" });
        const before = kong.log.length;
        const err = await client.put("/consumers/bob", { custom_id: "c-1" }, "Kong consumer bob").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KongConflictError);
        expect((err as Error).message).toContain("Kong consumer bob already exists — import or rename");
        expect((err as Error).message).toContain('fields={"custom_id":"c-1"}');
        expect(kong.log.length - before).toBe(1);
    });

    it("follows `next` through every page and filters with tags (AND)", async () => {
        for (let i = 0; i < 7; i++) {
            await client.put(`/consumers/user-${i}`, { tags: i % 2 === 0 ? ["managed-by:pulumi", "stack:dev"] : ["managed-by:pulumi", "stack:prod"] });
        }
        kong.log.length = 0;
        const all = await client.list("/consumers", { size: 2 });
        expect(all.map((c) => c.username)).toEqual(["user-0", "user-1", "user-2", "user-3", "user-4", "user-5", "user-6"]);
        expect(kong.log.map((l) => l.method)).toEqual(["GET", "GET", "GET", "GET"]);
        const dev = await client.list("/consumers", { tags: ["managed-by:pulumi", "stack:dev"], size: 2 });
        expect(dev.map((c) => c.username)).toEqual(["user-0", "user-2", "user-4", "user-6"]);
        // The tag filter travels on every page through `next`.
        expect(kong.log.slice(-1)[0].path).toContain("tags=managed-by%3Apulumi%2Cstack%3Adev");
    });

    it("refuses tag filters Kong cannot express", async () => {
        await expect(client.list("/services", { tags: ["a,b"] })).rejects.toThrow(/at most 5 tags without/);
    });

    it("retries 5xx answers with back-off and succeeds", async () => {
        kong.failNext = 2;
        const svc = await client.put("/services/orders", { host: "h", port: 80 });
        expect(svc.host).toBe("h");
        expect(kong.log.filter((l) => l.method === "PUT")).toHaveLength(3);
    });

    it("gives up on 5xx after the bound and says how often it tried", async () => {
        kong.failNext = 100;
        await expect(client.get("/services/x")).rejects.toThrow("Kong answered 500 to GET /services/x: An unexpected error occurred (after 4 attempts)");
        expect(kong.log).toHaveLength(4);
    });

    it("retries dropped connections and succeeds", async () => {
        kong.dropNext = 2;
        await client.put("/services/orders", { host: "h", port: 80 });
        expect(kong.db.services).toHaveLength(1);
    });

    it("sends the admin token as Kong-Admin-Token", async () => {
        const withToken = new KongAdminClient({ adminUrl: kong.url, token: "s3cret", retry: FAST });
        await withToken.get("/services/x");
        expect(kong.log[0].headers["kong-admin-token"]).toBe("s3cret");
    });

    it("keeps the admin URL's path prefix, also when following next (Kong's next is relative to its own root)", async () => {
        for (let i = 0; i < 3; i++) {
            await client.put(`/consumers/user-${i}`, {});
        }
        // A reverse proxy serving the Admin API under /admin-api/ (404 for anything else).
        const proxy = http.createServer((req, res) => {
            if (!req.url?.startsWith("/admin-api/")) {
                res.writeHead(404).end();
                return;
            }
            const upstream = http.request(`${kong.url}${req.url.slice("/admin-api".length)}`, { method: req.method, headers: req.headers }, (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            });
            req.pipe(upstream);
        });
        await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
        const port = (proxy.address() as net.AddressInfo).port;
        const prefixed = new KongAdminClient({ adminUrl: `http://127.0.0.1:${port}/admin-api/`, retry: FAST });
        const all = await prefixed.list("/consumers", { size: 1 });
        expect(all.map((c) => c.username)).toEqual(["user-0", "user-1", "user-2"]);
        proxy.closeAllConnections();
        await new Promise<void>((r) => proxy.close(() => r()));
    });
});

describe("KongAdminClient without a reachable Admin API", () => {
    it("retries a refused connection up to the bound, then fails with a clear message", async () => {
        // Find a free port, then make sure nothing listens on it.
        const probe = net.createServer();
        await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
        const port = (probe.address() as net.AddressInfo).port;
        await new Promise<void>((r) => probe.close(() => r()));
        const client = new KongAdminClient({ adminUrl: `http://127.0.0.1:${port}`, retry: { attempts: 3, baseDelayMs: 1 } });
        const err = await client.get("/services/x").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KongUnreachableError);
        const message = (err as Error).message;
        expect(message).toContain(`Kong Admin API at http://127.0.0.1:${port} is unreachable`);
        expect(message).toContain("failed 3 times, last with ECONNREFUSED");
        expect(message).toContain("through the Kubernetes API: that a Kong pod is ready");
    });

    it("counts its attempts: exactly the bound, no more", async () => {
        let connections = 0;
        const resetter = net.createServer((socket) => {
            connections++;
            socket.destroy();
        });
        await new Promise<void>((r) => resetter.listen(0, "127.0.0.1", r));
        const port = (resetter.address() as net.AddressInfo).port;
        const client = new KongAdminClient({ adminUrl: `http://127.0.0.1:${port}`, retry: { attempts: 5, baseDelayMs: 1 } });
        await expect(client.get("/services/x")).rejects.toThrow(/failed 5 times/);
        expect(connections).toBe(5);
        await new Promise<void>((r) => resetter.close(() => r()));
    });

    it("rejects an admin URL that is not http(s)", () => {
        expect(() => new KongAdminClient({ adminUrl: "ftp://127.0.0.1:8001" })).toThrow(/must be http:\/\/ or https:\/\//);
    });
});
