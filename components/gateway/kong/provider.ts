/**
 * A Pulumi dynamic provider for Kong Admin API entities: Service, Route, Plugin (global, service, route or consumer
 * scope), Consumer and JwtCredential. One provider object serves every kind; the kind and the Admin API path come in
 * as inputs.
 *
 * Semantics (Admin API reference https://docs.konghq.com/gateway/api/admin-oss/latest; Kong/kong@3.9.3 source):
 * - create: `PUT /{collection}/{key}` — Kong's insert-or-replace by endpoint key (kong/api/endpoints.lua
 *   `put_entity_endpoint`), so a retried create is harmless. Before it, a GET checks ownership: an entity that
 *   exists but lacks this stack's ownership tags is never taken over silently ("already exists — import or
 *   rename"). A 409 (unique constraint violation, e.g. a second rate-limiting plugin on the same route: plugins
 *   are unique on name+route+service+consumer, kong/db/schema/entities/plugins.lua `cache_key`) is reported the
 *   same way and not retried.
 * - read: `GET`; a 404 means the entity is gone, so read returns no id and Pulumi drops it from state. Otherwise the
 *   live entity is projected onto the fields the user set, so server-filled defaults never enter the state.
 * - diff: compares only the fields the user set (the projection above), never Kong's defaults; a change of kind,
 *   key or parent replaces (delete first for plugins and JWT credentials, whose uniqueness would make a
 *   create-before-delete fail with 409).
 * - update: `PUT` again (not PATCH): Kong's PATCH deep-merges record fields such as `config` (kong/db/schema/init.lua
 *   `Schema:merge_values`), so a setting the user removed would survive; PUT resets it to Kong's default.
 * - delete: `DELETE`; 204 for a missing top-level entity and 404 for a missing parent both count as deleted.
 *
 * Pulumi serializes this module's provider object with its closure: it imports only `./client` (Node built-ins) and
 * captures no large objects. Keep it that way.
 */
import type * as pulumi from "@pulumi/pulumi";
import { KongAdminClient, KongConnection, KongEntity } from "./client";
import { withTunnel } from "./tunnel";

/**
 * Runs `op` with a client for the connection: directly when it has an admin URL, else through a port-forward opened
 * for this operation only (closed when it ends).
 */
export async function withKong<T>(conn: KongConnection, op: (client: KongAdminClient) => Promise<T>): Promise<T> {
    if (conn.adminUrl !== undefined || conn.tunnel === undefined) {
        return op(new KongAdminClient(conn));
    }
    return withTunnel(conn.tunnel, (adminUrl) => op(new KongAdminClient({ ...conn, adminUrl })));
}

export type KongKind = "service" | "route" | "plugin" | "consumer" | "jwt" | "certificate" | "sni";

/** Where an entity hangs: routes under a service, scoped plugins under a service/route/consumer, JWTs under a consumer. */
export interface KongParent {
    readonly collection: "services" | "routes" | "consumers";
    readonly key: string;
}

/** Inputs every Kong resource sends to this provider (after Pulumi resolved them). */
export interface KongEntityInputs {
    readonly connection: KongConnection;
    readonly kind: KongKind;
    /** Endpoint key: a service/route name, a plugin's instance_name, a consumer's username, a JWT credential's key. */
    readonly key: string;
    readonly parent?: KongParent;
    /** The Kong fields the user sets, in Kong's own names (snake_case), excluding the key and any secret. */
    readonly body: Record<string, unknown>;
    /** JWT credential secret (HS*), a Pulumi secret. When absent Kong generates one and it is kept from then on. */
    readonly secret?: string;
    /** Tags that mark an entity as owned by this stack (`managed-by:pulumi`, `stack:<stack>`); also inside body.tags. */
    readonly ownerTags: readonly string[];
}

export interface KongEntityOutputs extends KongEntityInputs {
    /** Kong's UUID for the entity. */
    readonly kongId: string;
}

const COLLECTION: Record<KongKind, string> = {
    service: "services",
    route: "routes",
    plugin: "plugins",
    consumer: "consumers",
    jwt: "jwt",
    certificate: "certificates",
    sni: "snis",
};

const KIND_NOUN: Record<KongKind, string> = {
    service: "service",
    route: "route",
    plugin: "plugin",
    consumer: "consumer",
    jwt: "JWT credential",
    certificate: "certificate",
    sni: "SNI",
};

/** The field each kind's endpoint key fills (the schema's `endpoint_key`). */
const KEY_FIELD: Record<KongKind, string> = {
    service: "name",
    route: "name",
    plugin: "instance_name",
    consumer: "username",
    jwt: "key",
    // certificates.lua has no endpoint_key: the primary key `id` is the path key (a UUID we derive).
    certificate: "id",
    sni: "name",
};

/** Kong's endpoint-key alphabet for names (kong/db/schema/typedefs.lua `validate_utf8_name`). */
const NAME_RE = /^[A-Za-z0-9._~-]+$/;
/** SNI names are hosts, with an optional leading wildcard (typedefs.lua `wildcard_host`). */
const SNI_RE = /^(\*\.)?[A-Za-z0-9.-]+$/;

/** Admin API path of one entity, e.g. `/services/a/routes/b`, `/plugins/x`, `/consumers/c/jwt/k`. */
export function entityPath(kind: KongKind, key: string, parent?: KongParent): string {
    const tail = [COLLECTION[kind], key];
    return KongAdminClient.path(...(parent ? [parent.collection, parent.key, ...tail] : tail));
}

export function describeEntity(kind: KongKind, key: string, parent?: KongParent): string {
    return `Kong ${KIND_NOUN[kind]} ${JSON.stringify(key)}${parent ? ` (under ${parent.collection}/${parent.key})` : ""}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Fields Kong's schemas declare as `type = "set"` (typedefs.tags, routes.protocols/methods/hosts, jwt config lists):
 * their order carries no meaning, so a different order is no change.
 */
const SET_FIELDS = ["tags", "protocols", "methods", "hosts", "claims_to_verify", "uri_param_names", "cookie_names", "header_names"];

/** Structural equality of JSON values; object key order never matters, array order only outside Kong's sets. */
export function jsonEqual(a: unknown, b: unknown, field?: string): boolean {
    if (a === b) {
        return true;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        if (a.length !== b.length) {
            return false;
        }
        if (field !== undefined && SET_FIELDS.includes(field) && a.every((x) => typeof x === "string") && b.every((x) => typeof x === "string")) {
            const sb = [...(b as string[])].sort();
            return [...(a as string[])].sort().every((x, i) => x === sb[i]);
        }
        return a.every((x, i) => jsonEqual(x, b[i]));
    }
    if (isPlainObject(a) && isPlainObject(b)) {
        const ka = Object.keys(a).filter((k) => a[k] !== undefined);
        const kb = Object.keys(b).filter((k) => b[k] !== undefined);
        return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k], k));
    }
    return false;
}

/**
 * The live entity seen through the shape of what the user set: only the user's keys, recursing into records such as
 * `config`. Kong's defaults (every other field) are dropped, so they can never cause a diff. An empty JSON object
 * where the user set a list is read as an empty list (lua-cjson encodes an empty Lua table as `{}`).
 */
export function projectOnto(shape: Record<string, unknown>, live: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, want] of Object.entries(shape)) {
        if (want === undefined) {
            continue;
        }
        const got = live[k];
        if (isPlainObject(want) && isPlainObject(got)) {
            out[k] = projectOnto(want, got);
        } else if (Array.isArray(want) && isPlainObject(got) && Object.keys(got).length === 0) {
            out[k] = [];
        } else {
            out[k] = got === undefined ? null : got;
        }
    }
    return out;
}

function connectionChanged(a: KongConnection | undefined, b: KongConnection | undefined): boolean {
    return !jsonEqual(a ?? null, b ?? null);
}

function ownedBy(entity: KongEntity, ownerTags: readonly string[]): boolean {
    const tags = Array.isArray(entity.tags) ? (entity.tags as unknown[]) : [];
    return ownerTags.every((t) => tags.includes(t));
}

/** The body that goes over the wire: the user's fields and (for JWTs) the secret; the endpoint key travels in the URL. */
function wireBody(inputs: KongEntityInputs, secret: string | undefined): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(inputs.body)) {
        if (v !== undefined) {
            body[k] = v;
        }
    }
    if (inputs.kind === "jwt" && secret !== undefined) {
        body.secret = secret;
    }
    return body;
}

function outputsFrom(inputs: KongEntityInputs, entity: KongEntity, secret: string | undefined): KongEntityOutputs {
    const outs: KongEntityOutputs = { ...inputs, kongId: entity.id };
    if (inputs.kind === "jwt") {
        const live = typeof entity.secret === "string" ? entity.secret : secret;
        return { ...outs, secret: live };
    }
    return outs;
}

/** Input checks that need no network (Pulumi runs them during preview). */
export function checkInputs(news: KongEntityInputs): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!(news.kind in COLLECTION)) {
        failures.push({ property: "kind", reason: `must be one of ${Object.keys(COLLECTION).join(", ")}` });
    }
    if (typeof news.key !== "string" || !(news.kind === "sni" ? SNI_RE : NAME_RE).test(news.key)) {
        failures.push({ property: "key", reason: `${JSON.stringify(news.key)} is not a Kong name: use letters, digits, ".", "-", "_" and "~"` });
    }
    if (!isPlainObject(news.body)) {
        failures.push({ property: "body", reason: "must be an object of Kong fields" });
    } else {
        for (const reserved of ["id", KEY_FIELD[news.kind], "secret", "service", "route", "consumer"]) {
            if (news.body[reserved] !== undefined) {
                failures.push({ property: `body.${reserved}`, reason: "is set through the resource's key, parent or secret, not in body" });
            }
        }
    }
    if ((news.kind === "route" && news.parent?.collection !== "services") || (news.kind === "jwt" && news.parent?.collection !== "consumers")) {
        failures.push({ property: "parent", reason: `a ${KIND_NOUN[news.kind]} needs a parent ${news.kind === "route" ? "service" : "consumer"}` });
    }
    if (news.kind === "certificate" && (typeof news.body?.cert !== "string" || !news.body.cert.includes("-----BEGIN CERTIFICATE-----"))) {
        failures.push({ property: "body.cert", reason: "is not a PEM certificate: is the Kubernetes TLS Secret there, with tls.crt and tls.key?" });
    }
    if ((news.kind === "service" || news.kind === "consumer" || news.kind === "certificate" || news.kind === "sni") && news.parent !== undefined) {
        failures.push({ property: "parent", reason: `a ${KIND_NOUN[news.kind]} has no parent` });
    }
    if (!news.connection || (typeof news.connection.adminUrl !== "string" && news.connection.tunnel === undefined)) {
        failures.push({ property: "connection", reason: "needs a tunnel through the Kubernetes API (the default) or a direct adminUrl" });
    }
    return failures;
}

/** Pulumi diff: only user-set fields count; kind/key/parent changes replace. */
export function diffEntity(olds: KongEntityOutputs, news: KongEntityInputs): pulumi.dynamic.DiffResult {
    const replaces: string[] = [];
    if (olds.kind !== news.kind) {
        replaces.push("kind");
    }
    if (olds.key !== news.key) {
        replaces.push("key");
    }
    if (!jsonEqual(olds.parent ?? null, news.parent ?? null)) {
        replaces.push("parent");
    }
    const bodyChanged = !jsonEqual(olds.body, news.body);
    const secretChanged = news.secret !== undefined && news.secret !== olds.secret;
    const changes = replaces.length > 0 || bodyChanged || secretChanged || connectionChanged(olds.connection, news.connection);
    return {
        changes,
        replaces,
        // Plugins are unique per name+scope and JWT keys are unique: the new one can only exist once the old is gone.
        deleteBeforeReplace: replaces.length > 0 && (news.kind === "plugin" || news.kind === "jwt"),
    };
}

async function createEntity(inputs: KongEntityInputs): Promise<pulumi.dynamic.CreateResult<KongEntityOutputs>> {
    const path = entityPath(inputs.kind, inputs.key, inputs.parent);
    const what = describeEntity(inputs.kind, inputs.key, inputs.parent);
    return withKong(inputs.connection, async (client) => {
        const existing = await client.get(path);
        if (existing && !ownedBy(existing, inputs.ownerTags)) {
            throw new Error(
                `${what} already exists — import or rename. It is not tagged ${inputs.ownerTags.join(", ")}, so this stack does not own it. ` +
                    `To adopt it, add those tags to it (PATCH ${path} with {"tags": ${JSON.stringify(inputs.ownerTags)}}) and run again; ` +
                    `otherwise give the resource another name.`,
            );
        }
        // An owned entity that exists already is a create that was interrupted after Kong applied it: PUT converges it.
        const entity = await client.put(path, wireBody(inputs, inputs.secret), what);
        return { id: entity.id, outs: outputsFrom(inputs, entity, inputs.secret) };
    });
}

async function readEntity(id: string, props?: KongEntityOutputs): Promise<pulumi.dynamic.ReadResult<KongEntityOutputs>> {
    if (!props || !props.connection) {
        throw new Error(`cannot read Kong entity ${id} without its previous state (connection, kind and key)`);
    }
    const entity = await withKong(props.connection, (client) => client.get(entityPath(props.kind, props.key, props.parent)));
    if (entity === undefined) {
        // Gone from Kong: no id tells Pulumi to drop it from state (and plan a create on the next up).
        return {};
    }
    const body = projectOnto(props.body, entity);
    const outs: KongEntityOutputs = { ...props, body, kongId: entity.id };
    if (props.kind === "jwt" && typeof entity.secret === "string") {
        return { id: entity.id, props: { ...outs, secret: entity.secret } };
    }
    return { id: entity.id, props: outs };
}

async function updateEntity(_id: string, olds: KongEntityOutputs, news: KongEntityInputs): Promise<pulumi.dynamic.UpdateResult<KongEntityOutputs>> {
    // PUT replaces: without a secret Kong would generate a new one, so a generated JWT secret is carried over.
    const secret = news.secret ?? olds.secret;
    const entity = await withKong(news.connection, (client) =>
        client.put(entityPath(news.kind, news.key, news.parent), wireBody(news, secret), describeEntity(news.kind, news.key, news.parent)),
    );
    return { outs: outputsFrom(news, entity, secret) };
}

async function deleteEntity(_id: string, props: KongEntityOutputs): Promise<void> {
    await withKong(props.connection, (client) => client.delete(entityPath(props.kind, props.key, props.parent)));
}

/** The provider object Pulumi serializes for every Kong resource. */
export const kongProvider: pulumi.dynamic.ResourceProvider<KongEntityInputs, KongEntityOutputs> = {
    async check(_olds: KongEntityInputs, news: KongEntityInputs): Promise<pulumi.dynamic.CheckResult<KongEntityInputs>> {
        const failures = checkInputs(news);
        return failures.length > 0 ? { failures } : { inputs: news };
    },
    async diff(_id: string, olds: KongEntityOutputs, news: KongEntityInputs): Promise<pulumi.dynamic.DiffResult> {
        return diffEntity(olds, news);
    },
    create: createEntity,
    read: readEntity,
    update: updateEntity,
    delete: deleteEntity,
};
