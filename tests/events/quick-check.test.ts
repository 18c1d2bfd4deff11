import * as avro from "avsc";
import { randomUUID } from "crypto";
import { describe, expect, it } from "vitest";
import { loadTopicCatalog } from "../../model/events";
import { TopicKey } from "../../producer/events";
import { parseSchema, SchemaSet, standaloneSchema } from "../../producer/schemas";
import { QuickCheck } from "../../producer/quick-check";
import { validateValue } from "../../producer/validate";
import { SAMPLES } from "./samples";

/**
 * The producer's quick proof of validity (producer/quick-check.ts: the payload's shape, then the encoder as the type
 * check) may only ever accept an event the full field-level validation accepts. Here its verdict is compared with
 * the full check on every catalog topic's sample and on hundreds of broken variants of them: wrong types, missing
 * and undeclared fields at every depth, bad envelope options.
 */

const catalog = loadTopicCatalog();
const schemas = SchemaSet.load();
const SOURCE = "portal-services";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

function quickFor(key: TopicKey): QuickCheck {
    const t = catalog.topics.find((x) => x.name === key)!;
    const check = QuickCheck.for(schemas.currentVersion(t.schema).type, t.eventTypes, SOURCE);
    if (check === undefined) {
        throw new Error(`no quick check for ${key}`);
    }
    return check;
}

/** The envelope values that vary per event (the rest is fixed per producer). */
interface VaryingEnvelope {
    readonly eventId?: string;
    readonly occurredAt: unknown;
    readonly correlationId: string | null;
    readonly causationId: string | null;
    readonly traceId: string | null;
}

function typeOf(key: TopicKey): avro.Type {
    return schemas.currentVersion(catalog.topics.find((x) => x.name === key)!.schema).type;
}

function recordOf(eventType: string, payload: object, varying: VaryingEnvelope): object {
    return { ...payload, envelope: { eventId: varying.eventId ?? randomUUID(), eventType, occurredAt: varying.occurredAt, source: SOURCE, correlationId: varying.correlationId, causationId: varying.causationId, traceId: varying.traceId } };
}

function fullProblems(key: TopicKey, eventType: string, payload: object, varying: VaryingEnvelope): number {
    return validateValue(typeOf(key), recordOf(eventType, payload, varying)).length;
}

/** What the producer concludes without the full check: no shape problem, and avsc's encoder (the same `_write` as its encode) accepts the record. */
function quickAccepts(key: TopicKey, eventType: string, payload: object, varying: VaryingEnvelope): boolean {
    if (!quickFor(key).shaped({ ...payload })) {
        return false;
    }
    try {
        typeOf(key).toBuffer(recordOf(eventType, payload, varying));
        return true;
    } catch {
        return false;
    }
}

/** Every variant of `value` with one thing broken: each path replaced by a value of another type, removed, or given an undeclared key. */
function brokenVariants(value: unknown): unknown[] {
    const out: unknown[] = [];
    const replacements: unknown[] = [42, 1.5, "text", null, true, {}, [], ["x"], { nested: 1 }];
    const walk = (node: unknown, rebuild: (v: unknown) => unknown): void => {
        if (node === null || typeof node !== "object") {
            return;
        }
        if (Array.isArray(node)) {
            node.forEach((item, i) => {
                for (const r of replacements) {
                    out.push(rebuild(node.map((x, j) => (j === i ? r : x))));
                }
                walk(item, (v) => rebuild(node.map((x, j) => (j === i ? v : x))));
            });
            return;
        }
        const obj = node as Record<string, unknown>;
        out.push(rebuild({ ...obj, undeclaredField: "x" }));
        for (const k of Object.keys(obj)) {
            const { [k]: _removed, ...without } = obj;
            out.push(rebuild(without));
            for (const r of replacements) {
                out.push(rebuild({ ...obj, [k]: r }));
            }
            walk(obj[k], (v) => rebuild({ ...obj, [k]: v }));
        }
    };
    walk(value, (v) => v);
    return out;
}

const PRODUCER_VARYING: VaryingEnvelope = { occurredAt: 1_700_000_000_000, correlationId: null, causationId: null, traceId: TRACE_ID };

describe("the producer's quick check", () => {
    const keys = Object.keys(SAMPLES) as TopicKey[];

    it("exists for every catalog topic and accepts each topic's valid sample, as the full check does", () => {
        for (const key of keys) {
            const { eventType, payload } = SAMPLES[key];
            expect(fullProblems(key, eventType, payload, PRODUCER_VARYING), key).toBe(0);
            expect(quickAccepts(key, eventType, payload, PRODUCER_VARYING), key).toBe(true);
        }
    });

    it("never calls valid a payload the full check refuses (broken variants of every sample, at every depth)", () => {
        let refused = 0;
        for (const key of keys) {
            const { eventType, payload } = SAMPLES[key];
            for (const variant of brokenVariants(payload)) {
                const problems = fullProblems(key, eventType, variant as object, PRODUCER_VARYING);
                if (problems > 0) {
                    refused++;
                    expect(quickAccepts(key, eventType, variant as object, PRODUCER_VARYING), `${key}: ${JSON.stringify(variant)}`).toBe(false);
                }
            }
        }
        // Not vacuous: most variants are invalid.
        expect(refused).toBeGreaterThan(500);
    });

    it("never calls valid an envelope option the full check refuses", () => {
        const bad: VaryingEnvelope[] = [
            { ...PRODUCER_VARYING, eventId: "not-a-uuid" },
            { ...PRODUCER_VARYING, eventId: "4bf92f35-77b3-4da6-a3ce-929d0e0e473" },
            { ...PRODUCER_VARYING, occurredAt: "yesterday" },
            { ...PRODUCER_VARYING, occurredAt: 1.5 },
            { ...PRODUCER_VARYING, occurredAt: Number.NaN },
            { ...PRODUCER_VARYING, occurredAt: new Date("not a date") },
            { ...PRODUCER_VARYING, occurredAt: undefined },
            { ...PRODUCER_VARYING, correlationId: 42 as unknown as string },
            { ...PRODUCER_VARYING, causationId: {} as unknown as string },
            { ...PRODUCER_VARYING, traceId: 7 as unknown as string },
        ];
        const { eventType, payload } = SAMPLES["data-ingestion"];
        for (const varying of bad) {
            expect(fullProblems("data-ingestion", eventType, payload, varying), JSON.stringify(varying)).toBeGreaterThan(0);
            expect(quickAccepts("data-ingestion", eventType, payload, varying), JSON.stringify(varying)).toBe(false);
        }
        // The same options, valid, pass both.
        const good: VaryingEnvelope = { eventId: randomUUID(), occurredAt: new Date(), correlationId: "c-1", causationId: randomUUID(), traceId: null };
        expect(fullProblems("data-ingestion", eventType, payload, good)).toBe(0);
        expect(quickAccepts("data-ingestion", eventType, payload, good)).toBe(true);
    });

    it("catches what avsc's encoder writes without complaint: undeclared fields at any depth, and a non-object where a record of defaulted fields belongs", () => {
        const schema = standaloneSchema(typeOf("data-ingestion")) as { fields: { name: string }[] };
        const envelope = schema.fields.find((f) => f.name === "envelope")!;
        const limits = { type: "record", name: "Limits", fields: [{ name: "max", type: "long", default: 10 }] };
        const tagged = { type: "record", name: "Tag", fields: [{ name: "k", type: "string" }] };
        const type = parseSchema({
            type: "record",
            name: "Synthetic",
            namespace: "com.example",
            fields: [
                envelope,
                { name: "limits", type: limits },
                { name: "maybe", type: ["null", tagged], default: null },
                { name: "tags", type: { type: "array", items: "Tag" }, default: [] },
                { name: "byName", type: { type: "map", values: "Tag" }, default: {} },
            ],
        } as never);
        const quick = QuickCheck.for(type, ["data.ingestion.completed"], SOURCE)!;
        expect(quick).toBeDefined();
        const withEnvelope = (payload: object): object => recordOf("data.ingestion.completed", payload, PRODUCER_VARYING);
        const good = { limits: { max: 3 }, maybe: { k: "a" }, tags: [{ k: "b" }], byName: { x: { k: "c" } } };
        expect(quick.shaped(good)).toBe(true);
        expect(type.isValid(withEnvelope(good), { noUndeclaredFields: true })).toBe(true);
        const broken = [
            { ...good, extra: 1 },
            { ...good, limits: 42 }, // written as the defaults by the encoder
            { ...good, limits: "text" },
            { ...good, limits: { max: 3, extra: 1 } },
            { ...good, maybe: { k: "a", extra: 1 } },
            { ...good, tags: [{ k: "b" }, { k: "c", extra: 1 }] },
            { ...good, byName: { x: { k: "c", extra: 1 } } },
        ];
        for (const payload of broken) {
            // The encoder alone would let each of these through; the full check and the shape check refuse it.
            expect(() => type.toBuffer(withEnvelope(payload)), JSON.stringify(payload)).not.toThrow();
            expect(type.isValid(withEnvelope(payload), { noUndeclaredFields: true }), JSON.stringify(payload)).toBe(false);
            expect(quick.shaped(payload), JSON.stringify(payload)).toBe(false);
        }
    });

    it("is not offered where the branch the encoder takes cannot be told: a union of several branches around a record", () => {
        const schema = standaloneSchema(typeOf("data-ingestion")) as { fields: { name: string }[] };
        const envelope = schema.fields.find((f) => f.name === "envelope")!;
        const tag = { type: "record", name: "Tag", fields: [{ name: "k", type: "string" }] };
        const withUnion = (union: unknown[]): avro.Type => parseSchema({ type: "record", name: "U", namespace: "com.example", fields: [envelope, { name: "u", type: union }] } as never);
        expect(QuickCheck.for(withUnion(["string", tag]), ["data.ingestion.completed"], SOURCE)).toBeUndefined();
        expect(QuickCheck.for(withUnion([tag, { type: "record", name: "Other", fields: [{ name: "k", type: "int" }] }]), ["data.ingestion.completed"], SOURCE)).toBeUndefined();
        // Unions without a record, map or list inside need no shape check at all.
        expect(QuickCheck.for(withUnion(["null", "string", "long"]), ["data.ingestion.completed"], SOURCE)).toBeDefined();
    });

    it("is not offered when it cannot be proven equivalent: an envelope field the producer does not fill, or a fixed value the schema refuses", () => {
        const t = catalog.topics.find((x) => x.name === "data-ingestion")!;
        const schema = standaloneSchema(schemas.currentVersion(t.schema).type) as { fields: { name: string; type: { fields?: unknown[]; [k: string]: unknown } }[] };
        const withTenant = {
            ...schema,
            fields: schema.fields.map((f) => (f.name === "envelope" ? { ...f, type: { ...f.type, fields: [...(f.type.fields ?? []), { name: "tenant", type: "string" }] } } : f)),
        };
        expect(QuickCheck.for(parseSchema(withTenant as never), t.eventTypes, SOURCE)).toBeUndefined();
        const eventTypeEnum = {
            ...schema,
            fields: schema.fields.map((f) =>
                f.name === "envelope"
                    ? { ...f, type: { ...f.type, fields: (f.type.fields as { name: string }[]).map((e) => (e.name === "eventType" ? { name: "eventType", type: { type: "enum", name: "OnlyStarted", symbols: ["STARTED"] } } : e)) } }
                    : f,
            ),
        };
        expect(QuickCheck.for(parseSchema(eventTypeEnum as never), ["COMPLETED"], SOURCE)).toBeUndefined();
        expect(QuickCheck.for(parseSchema(eventTypeEnum as never), ["STARTED"], SOURCE)).toBeDefined();
        expect(QuickCheck.for(parseSchema({ type: "record", name: "NoEnvelope", fields: [{ name: "a", type: "string" }] }), ["x"], SOURCE)).toBeUndefined();
    });
});
