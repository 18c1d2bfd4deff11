import * as avro from "avsc";
import { randomUUID } from "crypto";
import { LOGICAL_TYPES } from "./logical";
import { standaloneSchema } from "./schemas";

/**
 * A cheaper proof that an event is valid, for the common case: the caller's payload against the topic's schema
 * without its envelope, and of the envelope only the values that vary per event. The rest of the envelope (the
 * catalog's event types, the emitting service, the nulls of absent options, a freshly generated UUID) is proven
 * valid once, when the producer is built. avsc's `isValid` of the whole DataIngestion record measured about 3× that
 * of its payload alone (580 against 195 ns/event, side by side in one process): the envelope's UUID, timestamp and
 * unions are most of it. End to end, `prepare` went from 6.5 to 4.5 µs/event (scripts/bench-producer.ts, at load 5).
 *
 * It only ever says "valid" or "don't know": on "don't know" the producer runs the full field-level validation
 * (validate.ts), which names every problem. So a false "valid" is the only way it could go wrong, and
 * tests/events/quick-check.test.ts compares its verdict with the full check on valid and broken events.
 */

/** The envelope fields the producer fills: a schema whose envelope has any other field gets no quick check. */
const FILLED = ["eventId", "eventType", "occurredAt", "source", "correlationId", "causationId", "traceId"] as const;
const STRICT = { noUndeclaredFields: true } as const;

type FieldTypes = Readonly<Record<(typeof FILLED)[number], avro.Type>>;

/** The envelope values that vary per event. `eventId` is undefined when the producer generated it with randomUUID. */
export interface VaryingEnvelope {
    readonly eventId?: string;
    readonly occurredAt: unknown;
    readonly correlationId: string | null;
    readonly causationId: string | null;
    readonly traceId: string | null;
}

export class QuickCheck {
    private constructor(
        /** The topic's record schema without its `envelope` field. */
        private readonly payloadType: avro.Type,
        private readonly envelope: FieldTypes,
    ) {}

    /**
     * The quick check for a topic's record type, or undefined when it cannot be proven equivalent to the full one:
     * no record envelope, an envelope field the producer does not fill, or fixed values (`source`, each of the
     * catalog's `eventTypes`) the envelope's schema refuses.
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
        const schema = standaloneSchema(type) as avro.schema.RecordType;
        // A registry of its own: the payload record keeps the topic's name without clashing with the full type.
        const payloadType = avro.Type.forSchema({ ...schema, fields: schema.fields.filter((f) => f.name !== "envelope") }, { logicalTypes: LOGICAL_TYPES, registry: {} });
        const fields = Object.fromEntries(FILLED.map((name) => [name, envelope.field(name)?.type])) as FieldTypes;
        return new QuickCheck(payloadType, fields);
    }

    /**
     * true only when the record (the payload's own fields, without the envelope yet) and the envelope's varying
     * values are certainly valid; false means "run the full validation".
     */
    valid(payloadFields: object, envelope: VaryingEnvelope): boolean {
        const e = this.envelope;
        return (
            this.payloadType.isValid(payloadFields, STRICT) &&
            e.occurredAt.isValid(envelope.occurredAt) &&
            (envelope.eventId === undefined || e.eventId.isValid(envelope.eventId)) &&
            (envelope.correlationId === null || e.correlationId.isValid(envelope.correlationId)) &&
            (envelope.causationId === null || e.causationId.isValid(envelope.causationId)) &&
            (envelope.traceId === null || e.traceId.isValid(envelope.traceId))
        );
    }
}
