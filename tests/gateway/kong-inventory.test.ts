import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KongAdminClient, KongConnection } from "../../components/gateway/kong/client";
import { declaredNames } from "../../components/gateway/kong/configuration";
import { deriveKongEntities } from "../../components/gateway/kong/entities";
import { KongInventoryInputs, KongInventoryOutputs, kongInventoryProvider } from "../../components/gateway/kong/inventory";
import { defaultCatalog, gatewayModel, PROD_GATEWAY } from "./fixtures";
import { FakeKong } from "./fakeKong";

const OWNER = ["managed-by:pulumi", "stack:dev"];
const provider = kongInventoryProvider as Required<typeof kongInventoryProvider>;

describe("Kong inventory: orphans by the stack's ownership tags", () => {
    let kong: FakeKong;
    let conn: KongConnection;
    let client: KongAdminClient;
    beforeEach(async () => {
        kong = new FakeKong();
        conn = { adminUrl: await kong.start(), retry: { attempts: 2, baseDelayMs: 1 } };
        client = new KongAdminClient(conn);
        await client.put("/services/orders", { host: "orders", port: 80, tags: OWNER });
        await client.put("/services/orders/routes/orders.api", { paths: ["/api"], tags: OWNER });
        await client.put("/routes/orders.api/plugins/orders.api.rate-limiting", { name: "rate-limiting", config: { minute: 5, policy: "cluster" }, tags: OWNER });
        // Not ours: no tags, and another stack's.
        await client.put("/services/theirs", { host: "theirs", port: 80 });
        await client.put("/services/prod-only", { host: "p", port: 80, tags: ["managed-by:pulumi", "stack:prod"] });
    });
    afterEach(async () => {
        await kong.stop();
    });
    const inputs = (declared: string[], prune = false): KongInventoryInputs => ({ connection: conn, ownerTags: OWNER, declared, prune });
    const DECLARED = ["services/orders", "routes/orders.api", "plugins/orders.api.rate-limiting"];

    it("finds nothing when Kong holds exactly what the program declares (others' entities are not looked at)", async () => {
        const created = await provider.create(inputs(DECLARED));
        expect(created.outs?.orphans).toEqual([]);
        // It listed every collection by the stack's tags (AND), through the paginated list.
        const lists = kong.log.filter((l) => l.method === "GET").map((l) => l.path.split("?")[0]);
        expect(lists).toEqual(["/plugins", "/jwts", "/snis", "/routes", "/services", "/consumers", "/certificates"]);
        expect(kong.log.every((l) => l.method !== "GET" || l.path.includes("tags=managed-by%3Apulumi%2Cstack%3Adev"))).toBe(true);
    });

    it("reports, on refresh, entities added behind Pulumi's back and leaves them alone", async () => {
        const created = await provider.create(inputs(DECLARED));
        await client.put("/services/orders/routes/orders.handmade", { paths: ["/hand"], tags: OWNER });
        await client.put("/consumers/someone", { tags: OWNER });
        const refreshed = await provider.read("kong-inventory", created.outs as KongInventoryOutputs);
        expect(refreshed.props?.orphans).toEqual(["consumers/someone", "routes/orders.handmade"]);
        expect(kong.db.routes.map((r) => r.name)).toContain("orders.handmade");
        // With prune off there is nothing for `up` to do about them...
        expect((await provider.diff("kong-inventory", refreshed.props as KongInventoryOutputs, inputs(DECLARED))).changes).toBe(false);
        // ...with prune on, `up` deletes them (children first) and says what it deleted.
        expect((await provider.diff("kong-inventory", refreshed.props as KongInventoryOutputs, inputs(DECLARED, true))).changes).toBe(true);
        const pruned = await provider.update("kong-inventory", refreshed.props as KongInventoryOutputs, inputs(DECLARED, true));
        expect(pruned.outs?.pruned).toEqual(["consumers/someone", "routes/orders.handmade"]);
        expect(pruned.outs?.orphans).toEqual([]);
        expect(kong.db.routes.map((r) => r.name)).toEqual(["orders.api"]);
        expect(kong.db.services.map((s) => s.name).sort()).toEqual(["orders", "prod-only", "theirs"]);
    });

    it("an entity the program just stopped declaring is Pulumi's to delete, not an orphan", async () => {
        const created = await provider.create(inputs(DECLARED));
        const updated = await provider.update("kong-inventory", created.outs as KongInventoryOutputs, inputs(DECLARED.filter((d) => !d.startsWith("plugins/")), true));
        expect(updated.outs?.pruned).toEqual([]);
        expect(kong.db.plugins).toHaveLength(1);
    });

    it("names every derived entity the way the inventory lists them", () => {
        const decl = deriveKongEntities(gatewayModel({ ...PROD_GATEWAY, tls: { secretName: "api-tls", snis: ["api.254carbon.com"] }, httpsOnly: true }), defaultCatalog(), "prod");
        const names = declaredNames(decl);
        expect(names).toContain("services/portal-services");
        expect(names).toContain("routes/portal-services.portal-api");
        expect(names).toContain("plugins/global.prometheus");
        expect(names).toContain("jwts/portal-frontend-issuer");
        expect(names).toContain(`certificates/${decl.certificates[0].id}`);
        expect(names).toContain("snis/api.254carbon.com");
        expect(new Set(names).size).toBe(names.length);
    });
});
