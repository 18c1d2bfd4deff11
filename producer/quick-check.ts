import * as avro from "avsc";
import { randomUUID } from "crypto";

/**
 * A cheaper proof that an event is valid, for the common case, in two halves:
 *
 * 1. **The shape** (this module, before encoding): no record anywhere in the payload has an undeclared field, and
 *    every value in a record's place is an object.
 * 2. **The types** (the encoder the producer runs anyway): avsc 5.7's `_write` of every type refuses by throwing
 *    exactly what its `_check` refuses — a wrong primitive, a symbol outside an enum, a union value no branch takes,
 *    a logical value whose `_toValue` gives undefined, a missing field without a default (lib/types.js:
 *    `NullType` … `FixedType`, `MapType`, `ArrayType`, `UnwrappedUnionType`, `LogicalType`, and the generated
 *    `RecordType._createWriter`). What the writer does not check is what half 1 checks: undeclared fields (the
 *    `noUndeclaredFields` flag, `_checkFields`) and whether a record's value is an object at all (the generated
 *    writer reads `v.field` of whatever it is given, so a number where a record of defaulted fields belongs
 *    would be written as the defaults).
 *
 * Together they are avsc's `isValid(record, { noUndeclaredFields: true })`, the verdict of the full check
 * (validate.ts), without a second walk of every value: the full `isValid` of the payload alone cost more than the
 * producer's whole encode of the event (scripts/bench-producer.ts). The envelope the producer fills has exactly
 * the schema's envelope fields (checked once, in {@link QuickCheck.for}); its values are type-checked by the encoder.
 *
 * It only ever says "don't know" or "no shape problem": on "don't know", or when the encoder throws, the producer
 * runs the full field-level validation, which names every problem. tests/events/quick-check.test.ts compares the
 * two halves together with the full check on every topic's sample and on hundreds of broken variants of them.
 */

/** The envelope fields the producer fills: a schema whose envelope has any other field gets no quick check. */
const FILLED = ["eventId", "eventType", "occurredAt", "source", "correlationId", "causationId", "traceId"] as const;
const STRICT = { noUndeclaredFields: true } as const;

/** false: a shape problem (or one this check cannot rule out). */
type ShapeCheck = (value: unknown) => boolean;

/** Marks a type this module cannot prove the encoder equivalent for: no quick check for the topic. */
const UNSUPPORTED = "unsupported";

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object";
}

function recordCheck(type: avro.types.RecordType, skip: ReadonlySet<string>): ShapeCheck | typeof UNSUPPORTED {
    const declared = new Set(type.fields.map((f) => f.name));
    const nested: [string, ShapeCheck][] = [];
    for (const field of type.fields) {
        if (skip.has(field.name)) {
            continue;
        }
        const check = shapeCheck(field.type);
        if (check === UNSUPPORTED) {
            return UNSUPPORTED;
        }
        if (check !== undefined) {
            nested.push([field.name, check]);
        }
    }
    return (value) => {
        if (!isObject(value)) {
            return false;
        }
        // for…in rather than Object.keys (no array per record). It also visits inherited enumerable keys, which can
        // only make it stricter than avsc's own-keys `_checkFields`: "don't know" is always safe.
        for (const key in value) {
            if (!declared.has(key) || skip.has(key)) {
                return false;
            }
        }
        for (const [name, check] of nested) {
            // An absent field is the encoder's to judge (its default, or a throw).
            const v = value[name];
            if (v !== undefined && !check(v)) {
                return false;
            }
        }
        return true;
    };
}

/**
 * The shape check of a type; undefined when nothing inside it can have a shape problem (no record in it), and
 * UNSUPPORTED where the branch the encoder takes cannot be told here (a union of several non-null branches around
 * a record, a map or a list; a logical type over one; wrapped unions).
 */
function shapeCheck(type: avro.Type): ShapeCheck | undefined | typeof UNSUPPORTED {
    if (avro.Type.isType(type, "record")) {
        return recordCheck(type as avro.types.RecordType, new Set());
    }
    if (avro.Type.isType(type, "array")) {
        const items = shapeCheck((type as avro.types.ArrayType).itemsType);
        return items === undefined || items === UNSUPPORTED ? items : (value) => !Array.isArray(value) || value.every(items);
    }
    if (avro.Type.isType(type, "map")) {
        const values = shapeCheck((type as avro.types.MapType).valuesType as avro.Type);
        if (values === undefined || values === UNSUPPORTED) {
            return values;
        }
        return (value) => {
            if (isObject(value)) {
                for (const key in value) {
                    if (!values(value[key])) {
                        return false;
                    }
                }
            }
            return true;
        };
    }
    const base = avro.Type.isType(type, "logical") ? (type as avro.types.LogicalType).underlyingType : undefined;
    if (base !== undefined) {
        return shapeCheck(base) === undefined ? undefined : UNSUPPORTED;
    }
    if (avro.Type.isType(type, "union")) {
        const branches = (type as avro.types.UnwrappedUnionType).types.map(shapeCheck);
        if (branches.every((b) => b === undefined)) {
            return undefined;
        }
        const others = (type as avro.types.UnwrappedUnionType).types.filter((t) => t.typeName !== "null");
        // [null, T] unwrapped: the encoder writes every non-null value with T (or throws).
        if (!avro.Type.isType(type, "union:unwrapped") || others.length !== 1) {
            return UNSUPPORTED;
        }
        const only = shapeCheck(others[0]);
        return only === undefined || only === UNSUPPORTED ? only : (value) => value === null || only(value);
    }
    return undefined;
}

export class QuickCheck {
    private constructor(private readonly payloadShape: ShapeCheck) {}

    /**
     * The quick check for a topic's record type, or undefined when it cannot be proven equivalent to the full one:
     * no record envelope, an envelope field the producer does not fill, fixed values (`source`, each of the
     * catalog's `eventTypes`) the envelope's schema refuses, or a payload type whose shape {@link shapeCheck}
     * cannot follow.
     */
    static for(type: avro.Type, eventTypes: readonly string[], source: string): QuickCheck | undefined {
        const envelopeField = avro.Type.isType(type, "record") ? (type as avro.types.RecordType).field("envelope") : undefined;
        if (envelopeField === undefined || !avro.Type.isType(envelopeField.type, "record")) {
            return undefined;
        }
        const envelope = envelopeField.type as avro.types.RecordType;
        if (envelope.fields.some((f) => !(FILLED as readonly string[]).includes(f.name))) {
            return undefined;
        }
        for (const eventType of eventTypes) {
            const sample = { eventId: randomUUID(), eventType, occurredAt: Date.now(), source, correlationId: null, causationId: null, traceId: null };
            if (!envelope.isValid(sample, STRICT)) {
                return undefined;
            }
        }
        // The envelope is the producer's (its shape is the sample's); the payload must not bring one.
        const payloadShape = recordCheck(type as avro.types.RecordType, new Set(["envelope"]));
        return payloadShape === UNSUPPORTED ? undefined : new QuickCheck(payloadShape);
    }

    /**
     * true when the payload's fields (the record without its envelope yet) have no shape problem: then the event
     * is valid exactly when the encoder accepts it. false means "run the full validation".
     */
    shaped(payloadFields: object): boolean {
        return this.payloadShape(payloadFields);
    }
}
