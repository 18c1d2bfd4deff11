import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KongConnection } from "../../components/gateway/kong/client";
import { diffEntity, KongEntityInputs, KongEntityOutputs, kongProvider } from "../../components/gateway/kong/provider";
import { FakeKong } from "./fakeKong";

/**
 * The dynamic provider's create/read/update/diff/delete, called as Pulumi's dynamic-provider host calls them,
 * against the fake Admin API (see fakeKong.ts for the Kong behaviour each response follows).
 */

const OWNER = ["managed-by:pulumi", "stack:dev"];
const provider = kongProvider as Required<typeof kongProvider>;

function inputs(conn: KongConnection, partial: Partial<KongEntityInputs> & Pick<KongEntityInputs, "kind" | "key" | "body">): KongEntityInputs {
    return { connection: conn, ownerTags: OWNER, ...partial, body: { ...partial.body, tags: OWNER } };
}

describe("Kong dynamic provider", () => {
    let kong: FakeKong;
    let conn: KongConnection;

    beforeEach(async () => {
        kong = new FakeKong();
        conn = { adminUrl: await kong.start(), retry: { attempts: 4, baseDelayMs: 1 } };
    });
    afterEach(async () => {
        await kong.stop();
    });

    const service = (): KongEntityInputs => inputs(conn, { kind: "service", key: "orders", body: { protocol: "http", host: "orders.data-platform.svc.cluster.local", port: 8080, retries: 0 } });
    const route = (): KongEntityInputs =>
        inputs(conn, { kind: "route", key: "orders.api", parent: { collection: "services", key: "orders" }, body: { protocols: ["http", "https"], paths: ["/api/orders"], strip_path: true } });
    const rateLimit = (config: Record<string, unknown> = { minute: 600, policy: "local" }): KongEntityInputs =>
        inputs(conn, { kind: "plugin", key: "orders.api.rate-limiting", parent: { collection: "routes", key: "orders.api" }, body: { name: "rate-limiting", config, enabled: true } });

    it("creates with PUT by name, tagged for ownership, and reports Kong's id", async () => {
        const created = await provider.create(service());
        expect(created.id).toBe(kong.db.services[0].id);
        expect(created.outs?.kongId).toBe(created.id);
        expect(kong.db.services[0]).toMatchObject({ name: "orders", port: 8080, retries: 0, tags: OWNER });
        // An ownership GET, then one PUT to the entity's own path.
        expect(kong.log.map((l) => `${l.method} ${l.path}`)).toEqual(["GET /services/orders", "PUT /services/orders"]);
    });

    it("nests routes and scoped plugins under their parent", async () => {
        await provider.create(service());
        await provider.create(route());
        await provider.create(rateLimit());
        expect(kong.log.filter((l) => l.method === "PUT").map((l) => l.path)).toEqual(["/services/orders", "/services/orders/routes/orders.api", "/routes/orders.api/plugins/orders.api.rate-limiting"]);
        expect(kong.db.routes[0].service).toEqual({ id: kong.db.services[0].id });
        expect(kong.db.plugins[0].route).toEqual({ id: kong.db.routes[0].id });
    });

    it("create is idempotent: an entity this stack already owns is converged, not duplicated", async () => {
        const first = await provider.create(service());
        const again = await provider.create(service());
        expect(again.id).toBe(first.id);
        expect(kong.db.services).toHaveLength(1);
    });

    it("refuses to take over an entity this stack does not own: 'already exists — import or rename', nothing written", async () => {
        await fetch(`${kong.url}/services/orders`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ host: "legacy", port: 80 }) });
        kong.log.length = 0;
        await expect(provider.create(service())).rejects.toThrow(/Kong service "orders" already exists — import or rename\. It is not tagged managed-by:pulumi, stack:dev/);
        expect(kong.log.map((l) => l.method)).toEqual(["GET"]);
        expect(kong.db.services[0].host).toBe("legacy");
    });

    it("reports a 409 (a second rate-limiting plugin on the same route) as 'already exists — import or rename', not retried", async () => {
        await provider.create(service());
        await provider.create(route());
        // Someone added rate-limiting to the route by hand (no instance name, no tags).
        kong.db.plugins.push({ id: "0b7a3f5e-7d0c-4c55-9a43-2f0e7f2b9e11", name: "rate-limiting", route: { id: kong.db.routes[0].id }, service: null, consumer: null, config: {}, tags: null });
        kong.log.length = 0;
        const err = (await provider.create(rateLimit()).catch((e: unknown) => e)) as Error;
        expect(err.message).toContain('Kong plugin "orders.api.rate-limiting" (under routes/orders.api) already exists — import or rename');
        expect(err.message).toContain("unique constraint violation");
        expect(err.message).toContain(`"route":{"id":"${kong.db.routes[0].id}"}`);
        expect(kong.log.filter((l) => l.method === "PUT")).toHaveLength(1);
    });

    it("surfaces Kong's 400 field errors verbatim", async () => {
        await provider.create(service());
        await provider.create(route());
        await expect(provider.create(rateLimit({ minute: 0 }))).rejects.toThrow(
            'Kong rejected PUT /routes/orders.api/plugins/orders.api.rate-limiting (400): schema violation: schema violation (config.minute: value must be greater than 0) fields={"config":{"minute":"value must be greater than 0"}}',
        );
    });

    it("reads only the fields the user set: Kong's defaults never enter the state", async () => {
        await provider.create(service());
        await provider.create(route());
        const created = await provider.create(rateLimit());
        const live = kong.db.plugins[0].config as Record<string, unknown>;
        // The server filled in a dozen defaults...
        expect(live).toMatchObject({ limit_by: "consumer", fault_tolerant: true, error_code: 429, sync_rate: -1 });
        const read = await provider.read(created.id, created.outs);
        // ...which the refreshed state does not carry,
        expect(read.props?.body).toEqual({ name: "rate-limiting", config: { minute: 600, policy: "local" }, enabled: true, tags: OWNER });
        // so the same program shows no diff after a refresh.
        expect(diffEntity(read.props!, rateLimit())).toMatchObject({ changes: false, replaces: [] });
    });

    it("Kong sets (tags, methods, protocols...) compare without order; ordinary lists keep theirs", async () => {
        await provider.create(service());
        const created = await provider.create(route());
        kong.db.routes[0].tags = [...OWNER].reverse();
        kong.db.routes[0].protocols = ["https", "http"];
        const read = await provider.read(created.id, created.outs);
        expect(diffEntity(read.props!, route()).changes).toBe(false);
        kong.db.routes[0].paths = ["/api/orders", "/api/orders-v2"];
        const reread = await provider.read(created.id, created.outs);
        expect(diffEntity(reread.props!, route()).changes).toBe(true);
    });

    it("a diff that compared the whole live entity would never settle (why diff uses the projection)", async () => {
        await provider.create(service());
        const created = await provider.create(route());
        const liveRoute = kong.db.routes[0];
        const naive = { ...created.outs!, body: { ...liveRoute } } as KongEntityOutputs;
        expect(diffEntity(naive, route()).changes).toBe(true);
        const read = await provider.read(created.id, created.outs);
        expect(diffEntity(read.props!, route()).changes).toBe(false);
    });

    it("sees drift in a field the user set (changed by hand with PATCH) and repairs it with PUT", async () => {
        await provider.create(service());
        await provider.create(route());
        const created = await provider.create(rateLimit());
        await fetch(`${kong.url}/plugins/orders.api.rate-limiting`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ config: { minute: 5 } }) });
        // PATCH merged config: the other fields survived.
        expect(kong.db.plugins[0].config).toMatchObject({ minute: 5, policy: "local", limit_by: "consumer" });
        const read = await provider.read(created.id, created.outs);
        expect((read.props!.body.config as Record<string, unknown>).minute).toBe(5);
        expect(diffEntity(read.props!, rateLimit())).toMatchObject({ changes: true, replaces: [] });
        kong.log.length = 0;
        await provider.update(created.id, read.props!, rateLimit());
        expect(kong.log.map((l) => l.method)).toEqual(["PUT"]);
        expect((kong.db.plugins[0].config as Record<string, unknown>).minute).toBe(600);
    });

    it("update replaces (PUT): a config field the user removed goes back to Kong's default", async () => {
        await provider.create(service());
        await provider.create(route());
        const created = await provider.create(rateLimit({ minute: 600, policy: "local", hide_client_headers: true }));
        const next = rateLimit({ minute: 600, policy: "local" });
        expect(diffEntity(created.outs!, next).changes).toBe(true);
        await provider.update(created.id, created.outs!, next);
        // With PATCH (a deep merge) the old `true` would have stayed.
        expect((kong.db.plugins[0].config as Record<string, unknown>).hide_client_headers).toBe(false);
    });

    it("a read that gets 404 drops the entity from state (no id)", async () => {
        const created = await provider.create(service());
        kong.db.services.length = 0;
        const read = await provider.read(created.id, created.outs);
        expect(read.id).toBeUndefined();
        expect(read.props).toBeUndefined();
    });

    it("a route moved to another service by hand reads as gone from where the program put it", async () => {
        await provider.create(service());
        const created = await provider.create(route());
        await fetch(`${kong.url}/services/other`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ host: "o", port: 80 }) });
        kong.db.routes[0].service = { id: kong.db.services[1].id };
        expect((await provider.read(created.id, created.outs)).id).toBeUndefined();
    });

    it("delete removes the entity, and deleting it again (or under a vanished parent) succeeds", async () => {
        const svc = await provider.create(service());
        await provider.delete(svc.id, svc.outs!);
        expect(kong.db.services).toHaveLength(0);
        await expect(provider.delete(svc.id, svc.outs!)).resolves.toBeUndefined();
        const jwt = inputs(conn, { kind: "jwt", key: "issuer-1", parent: { collection: "consumers", key: "portal" }, body: { algorithm: "HS256" }, secret: "x".repeat(32) });
        await expect(provider.delete("some-id", { ...jwt, kongId: "some-id" })).resolves.toBeUndefined();
        expect(kong.log.slice(-1)[0]).toMatchObject({ method: "DELETE", path: "/consumers/portal/jwt/issuer-1" });
    });

    it("retries 5xx and then succeeds", async () => {
        kong.failNext = 3;
        const created = await provider.create(service());
        expect(created.id).toBe(kong.db.services[0].id);
        expect(kong.log.filter((l) => l.method === "GET")).toHaveLength(3 + 1);
    });

    it("fails with a clear message when the Admin API cannot be reached, after the bound", async () => {
        const url = kong.url;
        await kong.stop();
        await expect(provider.create(inputs({ adminUrl: url, retry: { attempts: 3, baseDelayMs: 1 } }, { kind: "consumer", key: "portal", body: {} }))).rejects.toThrow(
            `Kong Admin API at ${url} is unreachable: GET /consumers/portal failed 3 times, last with ECONNREFUSED`,
        );
    });

    it("JWT credentials: the secret is an output, a Kong-generated one is kept across updates", async () => {
        await provider.create(inputs(conn, { kind: "consumer", key: "portal", body: {} }));
        const given = await provider.create(inputs(conn, { kind: "jwt", key: "issuer-1", parent: { collection: "consumers", key: "portal" }, body: { algorithm: "HS256" }, secret: "s".repeat(40) }));
        expect(given.outs?.secret).toBe("s".repeat(40));
        expect(kong.db.jwt_secrets[0]).toMatchObject({ key: "issuer-1", secret: "s".repeat(40), consumer: { id: kong.db.consumers[0].id } });

        const generated = await provider.create(inputs(conn, { kind: "jwt", key: "issuer-2", parent: { collection: "consumers", key: "portal" }, body: { algorithm: "HS256" } }));
        const kongSecret = kong.db.jwt_secrets[1].secret;
        expect(generated.outs?.secret).toBe(kongSecret);
        // An update without a secret would make Kong generate a new one (PUT replaces; `secret` is auto): it is carried over.
        const update = inputs(conn, { kind: "jwt", key: "issuer-2", parent: { collection: "consumers", key: "portal" }, body: { algorithm: "HS512" } });
        expect(diffEntity(generated.outs!, update).changes).toBe(true);
        await provider.update(generated.id, generated.outs!, update);
        expect(kong.db.jwt_secrets[1]).toMatchObject({ algorithm: "HS512", secret: kongSecret });
        // A secret rotated in config is a change.
        expect(diffEntity(given.outs!, { ...update, key: "issuer-1", body: { algorithm: "HS256", tags: OWNER }, secret: "t".repeat(40) }).changes).toBe(true);
    });

    it("diff: a new key, parent or kind replaces; plugins and JWTs delete before replacing", async () => {
        const created = (await provider.create(service())).outs!;
        expect(diffEntity(created, { ...service(), key: "orders-v2" })).toMatchObject({ changes: true, replaces: ["key"], deleteBeforeReplace: false });
        const plugin = { ...rateLimit(), kongId: "x" } as KongEntityOutputs;
        expect(diffEntity(plugin, { ...rateLimit(), parent: { collection: "services", key: "orders" } })).toMatchObject({ replaces: ["parent"], deleteBeforeReplace: true });
        // A new admin URL (another port-forward) updates in place so later deletes use it.
        expect(diffEntity(created, { ...service(), connection: { adminUrl: "http://127.0.0.1:9999" } })).toMatchObject({ changes: true, replaces: [] });
    });

    it("check rejects what Kong would, before any request", async () => {
        const res = await provider.check(service(), inputs(conn, { kind: "route", key: "bad name", body: { name: "x" } }));
        expect(res.failures?.map((f) => f.property).sort()).toEqual(["body.name", "key", "parent"]);
    });

    it("runs the same way after Pulumi serializes it (the closure the engine ships to the provider process)", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => kongProvider);
        // No Node internals or test-runner objects in the closure, and not a byte of anything large.
        expect(serialized.text.length).toBeLessThan(60_000);
        expect(serialized.text).not.toMatch(/vitest|__vite_ssr_import_\d+__\s*=\s*require/);
        const module = { exports: {} as { handler: () => typeof kongProvider } };
        new Function("exports", "require", "module", serialized.text)(module.exports, require, module);
        const shipped = module.exports.handler() as Required<typeof kongProvider>;
        const created = await shipped.create(service());
        expect(kong.db.services[0].id).toBe(created.id);
        kong.failNext = 1;
        const read = await shipped.read(created.id, created.outs);
        expect(read.props?.body).toEqual(service().body);
    });
});
