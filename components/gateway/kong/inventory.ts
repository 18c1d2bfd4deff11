/**
 * Drift between Kong and the program, as a resource of its own (`kong:Inventory`): it lists every entity carrying
 * this stack's ownership tags (`GET /<collection>?tags=managed-by:pulumi,stack:<stack>`, paginated through `next`,
 * kong/api/endpoints.lua `get_collection_endpoint` at 3.9.3) and compares them with what the program declares.
 *
 * - On `pulumi refresh` and `pulumi preview --refresh` its read reports `orphans`: entities tagged as this stack's in
 *   Kong that the program does not declare (created by hand, or left behind by a failed run). Entities the program
 *   declares but someone changed in Kong show up on their own resources' refresh as changed fields (each entity's
 *   read projects the live entity onto the fields the program sets).
 * - Orphans are deleted only when `gateway.admin.pruneOrphans` is true, on `up` (create/update of this resource);
 *   otherwise they are reported and left alone: never removed silently.
 *
 * Pulumi serializes this provider with its closure: it imports only ./client, ./provider and ./tunnel.
 */
import type * as pulumi from "@pulumi/pulumi";
import { KongAdminClient, KongConnection, KongEntity } from "./client";
import { withKong } from "./provider";

/** Collections listed, in the order orphans are deleted (children before the parents Kong's foreign keys protect). */
const COLLECTIONS = [
    // [collection, list path, field that names an entity]
    ["plugins", "/plugins", "instance_name"],
    ["jwts", "/jwts", "key"],
    ["snis", "/snis", "name"],
    ["routes", "/routes", "name"],
    ["services", "/services", "name"],
    ["consumers", "/consumers", "username"],
    ["certificates", "/certificates", "id"],
] as const;

export type InventoryCollection = (typeof COLLECTIONS)[number][0];

export interface KongInventoryInputs {
    readonly connection: KongConnection;
    readonly ownerTags: readonly string[];
    /** Every declared entity as `<collection>/<name>` (plugins by instance_name, certificates by id). */
    readonly declared: readonly string[];
    readonly prune: boolean;
}

export interface KongInventoryOutputs extends KongInventoryInputs {
    /** Owned entities in Kong that the program does not declare, as `<collection>/<name>`, sorted. */
    readonly orphans: readonly string[];
    /** What the last create/update deleted (prune on). */
    readonly pruned: readonly string[];
}

function entityName(e: KongEntity, field: string): string {
    const v = e[field];
    return typeof v === "string" && v.length > 0 ? v : e.id;
}

/** Every owned entity in Kong as `<collection>/<name>` → the path that deletes it. */
export async function ownedEntities(client: KongAdminClient, ownerTags: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [collection, path, field] of COLLECTIONS) {
        for (const e of await client.list(path, { tags: ownerTags, size: 1000 })) {
            out.set(`${collection}/${entityName(e, field)}`, `${path}/${encodeURIComponent(e.id)}`);
        }
    }
    return out;
}

export function orphansOf(owned: ReadonlyMap<string, string>, declared: readonly string[]): string[] {
    const want = new Set(declared);
    return [...owned.keys()].filter((k) => !want.has(k)).sort();
}

/**
 * Lists, compares and (when `prune`) deletes orphans. `alsoDeclared`: what the previous run declared — entities the
 * program just stopped declaring are deleted by Pulumi itself after this update, so they are neither reported nor
 * pruned here.
 */
async function survey(inputs: KongInventoryInputs, prune: boolean, alsoDeclared: readonly string[] = []): Promise<KongInventoryOutputs> {
    return withKong(inputs.connection, async (client) => {
        const owned = await ownedEntities(client, inputs.ownerTags);
        const orphans = orphansOf(owned, [...inputs.declared, ...alsoDeclared]);
        if (!prune) {
            return { ...inputs, orphans, pruned: [] };
        }
        // Deleted in COLLECTIONS order (owned's insertion order), children first.
        const pruned: string[] = [];
        for (const [name, path] of owned) {
            if (orphans.includes(name)) {
                await client.delete(path);
                pruned.push(name);
            }
        }
        return { ...inputs, orphans: [], pruned: pruned.sort() };
    });
}

const ID = "kong-inventory";

/** The provider of `kong:Inventory`. */
export const kongInventoryProvider: pulumi.dynamic.ResourceProvider<KongInventoryInputs, KongInventoryOutputs> = {
    async diff(_id: string, olds: KongInventoryOutputs, news: KongInventoryInputs): Promise<pulumi.dynamic.DiffResult> {
        const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
        // With prune on, known orphans (from the last refresh) are work for `up`.
        const changes = !same(olds.declared, news.declared) || olds.prune !== news.prune || (news.prune && olds.orphans.length > 0) || JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
        return { changes };
    },
    async create(inputs: KongInventoryInputs): Promise<pulumi.dynamic.CreateResult<KongInventoryOutputs>> {
        return { id: ID, outs: await survey(inputs, inputs.prune) };
    },
    async update(_id: string, olds: KongInventoryOutputs, news: KongInventoryInputs): Promise<pulumi.dynamic.UpdateResult<KongInventoryOutputs>> {
        return { outs: await survey(news, news.prune, olds.declared) };
    },
    async read(id: string, props?: KongInventoryOutputs): Promise<pulumi.dynamic.ReadResult<KongInventoryOutputs>> {
        if (props === undefined) {
            throw new Error("cannot read the Kong inventory without its previous state");
        }
        // Refresh only reports: pruning is a change, and refresh changes nothing in Kong.
        const now = await survey(props, false);
        return { id, props: { ...now, pruned: props.pruned } };
    },
    async delete(): Promise<void> {
        // Nothing in Kong belongs to the inventory itself.
    },
};
