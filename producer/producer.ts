import * as avro from "avsc";
import { randomUUID } from "crypto";
import { CompressionCodec, loadTopicCatalog, producerCompression, topicMaxMessageBytes, TopicCatalog, TopicFamily } from "../model/events";
import { EventTypeOf, FamilyTopics, TopicKey, TopicPayloads, TYPED_TOPICS } from "./events";
import { groupBy } from "./group";
import { partitionForKey } from "./partition";
import { QuickCheck } from "./quick-check";
import { SchemaSet } from "./schemas";
import { formatTraceparent, newTraceContext, parseTraceparent, TraceContext, TRACEPARENT_HEADER, TRACESTATE_HEADER, traceparentProblem } from "./trace";
import { EventTransport, OutgoingMessage, PartitionAck, SendOutcome, TopicBatch, TransportSendError } from "./transport";
import { FieldProblem, validateValue } from "./validate";

/**
 * The event producer the platform's services import: validate → encode (Avro) → route (topic, key, partition from
 * the topic catalog, partition count from the topic's metadata) → send through an {@link EventTransport}
 * (@platformatic/kafka) with acks=all, idempotently, one request in flight, batching whatever accumulated while the
 * previous request was in flight, inside a queue bounded in events and bytes.
 */

/**
 * Headers the library writes besides `traceparent`/`tracestate`: only what a consumer cannot read from the value.
 * Event type, id, source, correlation id and schema name are fields of the Avro envelope (or follow from the schema
 * id), so they are not repeated as headers: each header costs throughput on every message.
 */
export const HEADERS = {
    /** Present only without a schema registry id: SHA-256 of the writer schema's canonical form. */
    fingerprint: "avro-schema-fingerprint",
} as const;

/**
 * Where the ids of the current schemas come from (the schema registry: producer/registry.ts). Resolved once at
 * connect(); a schema with an id is sent in the Confluent wire format (byte 0, 4-byte big-endian id, Avro).
 */
export interface SchemaIdSource {
    /** Avro full name → id of that exact schema (registered under its subject, or looked up). */
    idsFor(schemas: readonly { readonly name: string; readonly type: avro.Type; readonly topic: string }[]): Promise<ReadonlyMap<string, number>>;
}

export interface EventProducerOptions {
    readonly transport: EventTransport;
    /** The emitting service (its catalog name); goes into `envelope.source`. */
    readonly source: string;
    readonly topics?: TopicCatalog;
    readonly schemas?: SchemaSet;
    /** The stack's `topicPrefix` (see service-integration:events); "" by default. */
    readonly topicPrefix?: string;
    /**
     * The catalog topics this producer sends to: the service's `produces` in catalog/services.json, which is exactly
     * what its Kafka ACLs allow (model/kafka-access.ts). connect() reads only their metadata; any other topic is
     * refused before anything is sent. Default: every catalog topic (a cluster without ACLs).
     */
    readonly produces?: readonly TopicKey[];
    /**
     * The schema registry. Without one, events are plain Avro with the writer schema's SHA-256 fingerprint in the
     * `avro-schema-fingerprint` header (decoders then need the schema files).
     */
    readonly schemaIds?: SchemaIdSource;
    /** Upper bounds of one produce request (defaults 1000 messages, 900 000 bytes of keys and values). */
    readonly maxBatchMessages?: number;
    readonly maxBatchBytes?: number;
    /**
     * Produce requests handed to the transport before the first is acknowledged (default 1). With 2, the client
     * serializes and compresses the next request while one is on the wire (@platformatic/kafka 2.12.1 still writes
     * one request at a time per connection with idempotence: `options.maxInflights = 1` in its Producer
     * constructor). Safe for delivery: every request has its own sequence numbers, so none can be taken for another's
     * duplicate. Order: only with 1 is per-partition order send order even when a request is retried (see README).
     */
    readonly maxInFlightRequests?: number;
    /**
     * Bounds of everything accepted and not yet acknowledged (queued or in flight): beyond either, `send` rejects
     * with {@link QueueFullError} at once instead of growing the heap while the broker is unreachable.
     * Defaults: 10 000 events, 16 MiB.
     */
    readonly maxQueuedEvents?: number;
    readonly maxQueuedBytes?: number;
    /** Test seams. */
    readonly clock?: () => number;
    readonly newEventId?: () => string;
}

/** Per-event context: trace and correlation, and envelope fields the caller wants to fix. */
export interface SendOptions {
    /** W3C traceparent of the caller's span; copied into the message headers. A new unsampled trace when absent. */
    readonly traceparent?: string;
    readonly tracestate?: string;
    readonly correlationId?: string;
    readonly causationId?: string;
    /** Set to make a re-send of the same business event carry the same id (consumers deduplicate on it). */
    readonly eventId?: string;
    readonly occurredAt?: Date | number;
}

export interface Delivery {
    readonly topic: string;
    readonly partition: number;
    /** Offset of the event (decimal string). */
    readonly offset: string;
    readonly eventId: string;
}

/**
 * A validated, encoded event: the message the transport hands to the client as it is (one object per event, alive
 * until the broker answers), and what the library needs to settle it.
 */
export interface PreparedEvent extends OutgoingMessage {
    /** Name in Kafka. */
    readonly topic: string;
    readonly topicKey: TopicKey;
    readonly eventId: string;
    readonly compression: CompressionCodec;
    /** Upper bound of the record's size in a record batch (what the broker compares with max.message.bytes). */
    readonly recordBytes: number;
}

/** Thrown before anything is sent: the event does not match its topic's schema or catalog entry. */
export class EventValidationError extends Error {
    constructor(
        readonly topic: string,
        readonly problems: readonly FieldProblem[],
        readonly index?: number,
    ) {
        super(
            `invalid ${topic} event${index === undefined ? "" : ` at index ${index}`}, nothing was sent: ` +
                problems.map((p) => `${p.path} ${p.message}`).join("; "),
        );
        this.name = "EventValidationError";
    }
}

export class ProducerClosedError extends Error {
    constructor() {
        super("the event producer is closed (close() was called); create a new one");
        this.name = "ProducerClosedError";
    }
}

/** The bounded queue is full: nothing of this call was accepted. Retry later, or raise the bound in the options. */
export class QueueFullError extends Error {
    constructor(
        readonly limit: "maxQueuedEvents" | "maxQueuedBytes",
        readonly value: number,
        readonly queued: { readonly events: number; readonly bytes: number },
    ) {
        super(
            `the event producer's queue is full (${queued.events} events, ${queued.bytes} bytes accepted and not yet acknowledged; ` +
                `${limit} = ${value}): nothing was sent; the broker is slow or unreachable — retry later or raise ${limit}`,
        );
        this.name = "QueueFullError";
    }
}

/** The event was accepted but not acknowledged. `outcome` says whether it may have been written (see SendOutcome). */
export class DeliveryError extends Error {
    constructor(
        readonly eventId: string,
        readonly topic: string,
        readonly outcome: SendOutcome | "not-sent",
        readonly brokerErrors: readonly string[],
        reason: string,
    ) {
        super(`event ${eventId} to ${topic} was not acknowledged (${outcome}): ${reason}`);
        this.name = "DeliveryError";
    }
}

/** What close() did. */
export interface CloseReport {
    /** true when everything accepted was acknowledged before the deadline. */
    readonly flushed: boolean;
    /** Accepted but never handed to the broker: certainly not written. */
    readonly notSent: readonly { readonly eventId: string; readonly topic: string }[];
    /** In flight at the deadline: may or may not have been written. */
    readonly unknown: readonly { readonly eventId: string; readonly topic: string }[];
}

/** Kafka's default `max.message.bytes` (1 MiB + the 12-byte log overhead; TopicConfig/ServerLogConfigs, Kafka 4.2). */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;
/** DefaultRecordBatch.RECORD_BATCH_OVERHEAD (61) and DefaultRecord.MAX_RECORD_OVERHEAD (21), Kafka 4.2 clients. */
const RECORD_BATCH_OVERHEAD = 61;
const MAX_RECORD_OVERHEAD = 21;
/** A header's varint lengths at most 5 bytes each. */
const HEADER_OVERHEAD = 10;
/** "00-" + 32 hex + "-" + 16 hex + "-" + 2 hex (W3C Trace Context, version 00). */
const TRACEPARENT_LENGTH = 55;

interface Route {
    readonly key: TopicKey;
    readonly family: TopicFamily;
    readonly topic: string;
    readonly schemaName: string;
    readonly type: avro.Type;
    readonly fingerprint: string;
    /** `sha256:<fingerprint>`, the fingerprint header's value. */
    readonly fingerprintHeader: string;
    /** Record bytes of the traceparent and fingerprint headers (a traceparent is always 55 ASCII characters). */
    readonly fixedHeaderBytes: number;
    readonly eventTypes: ReadonlySet<string>;
    readonly partitionKey: readonly string[];
    readonly compression: CompressionCodec;
    readonly maxMessageBytes: number;
    /** The cheaper proof of validity for the common case (./quick-check.ts); undefined: always the full check. */
    readonly quickCheck: QuickCheck | undefined;
}

/** What connect() learned: partition counts from the topic metadata, schema ids from the registry. */
interface Resolved {
    readonly partitions: number;
    readonly schemaId?: number;
}

/**
 * One send/sendBatch call: one promise per call rather than per event (per-event promises and closures were a
 * measurable share of the library's cost per event, scripts/bench-producer.ts). Resolves when every event was
 * acknowledged; rejects with the first failure, like Promise.all over its events.
 */
class Call {
    private remaining: number;
    /** true once the call's promise is settled: later outcomes of its events change nothing. */
    done = false;
    readonly deliveries: Delivery[];

    constructor(
        size: number,
        private readonly resolveAll: (d: Delivery[]) => void,
        private readonly rejectAll: (e: Error) => void,
    ) {
        this.remaining = size;
        this.deliveries = new Array<Delivery>(size);
    }

    resolve(index: number, delivery: Delivery): void {
        this.deliveries[index] = delivery;
        if (--this.remaining === 0 && !this.done) {
            this.done = true;
            this.resolveAll(this.deliveries);
        }
    }

    reject(error: Error): void {
        if (!this.done) {
            this.done = true;
            this.rejectAll(error);
        }
    }
}

/**
 * Consecutive events of one call, in the queue or in a request: the queue keeps one entry per run of a call rather
 * than one object per event, so fewer objects stay alive until the broker answers (each scavenge of the young
 * generation copies every live one: scavenges cost both sides of scripts/bench-producer.ts about 1 µs per event).
 */
interface Run {
    readonly call: Call;
    /** Position of the run's first event in its call. */
    readonly first: number;
    readonly count: number;
}

/** Events accepted and not yet acknowledged: the events in order, and the runs of calls they belong to. */
interface Accepted {
    readonly events: readonly PreparedEvent[];
    readonly runs: readonly Run[];
}

/** One produce request: at most maxBatchMessages / maxBatchBytes of the queue's head. */
interface Request extends Accepted {
    readonly bytes: number;
}

/** Visits every event of `accepted` with its call and its position in that call. */
function eachEvent(accepted: Accepted, visit: (event: PreparedEvent, call: Call, index: number) => void): void {
    let e = 0;
    for (const run of accepted.runs) {
        for (let i = 0; i < run.count; i++) {
            visit(accepted.events[e++], run.call, run.first + i);
        }
    }
}

/** The request's events grouped by topic (in the order of their first event), as the transport takes them. */
function topicBatches(events: readonly PreparedEvent[]): TopicBatch[] {
    const first = events[0];
    if (events.every((p) => p.topic === first.topic)) {
        // The common case: the prepared events are the messages, handed over without a copy.
        return [{ topic: first.topic, compression: first.compression, messages: events }];
    }
    return [...groupBy(events, (p) => p.topic).values()].map((items) => ({ topic: items[0].topic, compression: items[0].compression, messages: items }));
}

function lookup(value: unknown, path: readonly string[]): unknown {
    let current = value;
    for (const part of path) {
        if (current === null || typeof current !== "object") {
            return undefined;
        }
        current = (current as Record<string, unknown>)[part];
    }
    return current;
}

/**
 * Encodes into one reused scratch buffer, then copies the bytes out once: cheaper than avsc's toBuffer (which
 * sizes and allocates per call) plus a second copy for the Confluent frame. With a schema id the value is the
 * Confluent wire format: byte 0, the id as 4 bytes big-endian, then the Avro body.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

function encodeValue(type: avro.Type, record: unknown, schemaId: number | undefined): Buffer {
    const start = schemaId === undefined ? 0 : 5;
    let end = type.encode(record, scratch, start);
    while (end < 0) {
        // Too small: avsc returns the buffer's length minus the end position it needed (Type.prototype.encode, avsc 5.7).
        scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
        end = type.encode(record, scratch, start);
    }
    if (schemaId !== undefined) {
        scratch[0] = 0;
        scratch.writeInt32BE(schemaId, 1);
    }
    // One pooled allocation and a copy (Buffer.from(scratch.subarray(…)) also built a view per event).
    const out = Buffer.allocUnsafe(end);
    scratch.copy(out, 0, 0, end);
    return out;
}

/** `headerBytes`: the headers' share when known (traceparent and fingerprint only: their sizes are fixed per topic). */
function recordBytes(key: Buffer, value: Buffer, headers: Readonly<Record<string, string>>, headerBytes?: number): number {
    let n = RECORD_BATCH_OVERHEAD + MAX_RECORD_OVERHEAD + key.length + value.length;
    if (headerBytes !== undefined) {
        return n + headerBytes;
    }
    for (const k in headers) {
        n += HEADER_OVERHEAD + Buffer.byteLength(k) + Buffer.byteLength(headers[k]);
    }
    return n;
}

function asError(e: unknown): Error {
    return e instanceof Error ? e : new Error(String(e));
}

const NO_OPTIONS: SendOptions = Object.freeze({});

/** What is wrong with the call itself (event type, a caller-set envelope, the traceparent); undefined when nothing. */
function callerProblems(route: Route, eventType: string, payload: object, options: SendOptions, trace: TraceContext | undefined): FieldProblem[] | undefined {
    let problems: FieldProblem[] | undefined;
    if (!route.eventTypes.has(eventType)) {
        (problems ??= []).push({ path: "envelope.eventType", message: `must be one of ${[...route.eventTypes].join(", ")} for topic ${route.key}, got ${JSON.stringify(eventType)}` });
    }
    if ("envelope" in payload) {
        (problems ??= []).push({ path: "envelope", message: "is filled by the producer; pass eventId, occurredAt, correlationId and causationId in the send options" });
    }
    if (options.traceparent !== undefined && trace === undefined) {
        (problems ??= []).push({ path: "traceparent", message: `${traceparentProblem(options.traceparent)}, got ${JSON.stringify(options.traceparent)}` });
    }
    return problems;
}

/** The encoded record, or undefined when avsc's encoder refused a value (the full check then names it). */
function encodeIfValid(type: avro.Type, record: unknown, schemaId: number | undefined): Buffer | undefined {
    try {
        return encodeValue(type, record, schemaId);
    } catch {
        return undefined;
    }
}

/** Encodes a record the full check accepted; should the encoder still refuse it, that is the event's error too. */
function encodeValidated(route: Route, record: unknown, schemaId: number | undefined, index: number | undefined): Buffer {
    try {
        return encodeValue(route.type, record, schemaId);
    } catch (e) {
        throw new EventValidationError(route.key, [{ path: "(event)", message: `could not be encoded as ${route.schemaName}: ${asError(e).message}` }], index);
    }
}

/** The message Kafka gets: key, the encoded value, headers, partition; refused when over max.message.bytes. */
function messageOf(route: Route, resolved: Resolved, value: Buffer, keyValue: string, eventId: string, trace: TraceContext, tracestate: string | undefined, index: number | undefined): PreparedEvent {
    const key = Buffer.from(keyValue, "utf8");
    const headers: Record<string, string> = { [TRACEPARENT_HEADER]: formatTraceparent(trace) };
    if (tracestate !== undefined) {
        headers[TRACESTATE_HEADER] = tracestate;
    }
    if (resolved.schemaId === undefined) {
        headers[HEADERS.fingerprint] = route.fingerprintHeader;
    }
    const size = recordBytes(key, value, headers, tracestate === undefined && resolved.schemaId === undefined ? route.fixedHeaderBytes : undefined);
    if (size > route.maxMessageBytes) {
        throw new EventValidationError(
            route.key,
            [{ path: "(event)", message: `is ${size} bytes as a record batch, over the topic's max.message.bytes of ${route.maxMessageBytes}; nothing was sent — split the event or raise max.message.bytes for ${route.key} in catalog/topics.json` }],
            index,
        );
    }
    return { topic: route.topic, key, value, headers, partition: partitionForKey(key, resolved.partitions), topicKey: route.key, eventId, compression: route.compression, recordBytes: size };
}

/** Typed producer for one event family: only that family's topics, payloads and event types type-check. */
export class FamilyProducer<T> {
    constructor(private readonly producer: EventProducer) {}

    send<K extends keyof T & TopicKey>(topic: K, eventType: EventTypeOf<K>, payload: T[K] & TopicPayloads[K], options?: SendOptions): Promise<Delivery> {
        return this.producer.send(topic, eventType, payload, options);
    }

    sendBatch<K extends keyof T & TopicKey>(
        topic: K,
        events: readonly { eventType: EventTypeOf<K>; payload: T[K] & TopicPayloads[K]; options?: SendOptions }[],
    ): Promise<Delivery[]> {
        return this.producer.sendBatch(topic, events);
    }
}

export class EventProducer {
    readonly data: FamilyProducer<FamilyTopics["data"]>;
    readonly system: FamilyProducer<FamilyTopics["system"]>;
    readonly audit: FamilyProducer<FamilyTopics["audit"]>;

    private readonly transport: EventTransport;
    private readonly source: string;
    private readonly routes = new Map<string, Route>();
    private readonly resolved = new Map<string, Resolved>();
    private readonly schemaIds: SchemaIdSource | undefined;
    private readonly maxBatchMessages: number;
    private readonly maxBatchBytes: number;
    private readonly maxQueuedEvents: number;
    private readonly maxQueuedBytes: number;
    private readonly clock: () => number;
    private readonly newEventId: () => string;
    private readonly maxInFlightRequests: number;
    /** Accepted and not yet handed to the transport, in order. */
    private queue: PreparedEvent[] = [];
    private queueRuns: Run[] = [];
    /** Requests handed to the transport and not yet settled. */
    private readonly inflight = new Set<Request>();
    private inflightEvents = 0;
    private queuedBytes = 0;
    private state: "new" | "open" | "closing" | "closed" = "new";
    private idleWaiters: (() => void)[] = [];

    constructor(options: EventProducerOptions) {
        this.transport = options.transport;
        this.source = options.source;
        this.schemaIds = options.schemaIds;
        this.maxBatchMessages = options.maxBatchMessages ?? 1000;
        this.maxBatchBytes = options.maxBatchBytes ?? 900_000;
        this.maxInFlightRequests = options.maxInFlightRequests ?? 1;
        this.maxQueuedEvents = options.maxQueuedEvents ?? 10_000;
        this.maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
        this.clock = options.clock ?? Date.now;
        this.newEventId = options.newEventId ?? randomUUID;
        const topics = options.topics ?? loadTopicCatalog();
        const schemas = options.schemas ?? SchemaSet.load();
        const prefix = options.topicPrefix ?? "";
        const problems: string[] = [];
        if (this.source.trim() === "") {
            problems.push("source must name the emitting service");
        }
        for (const [name, value] of Object.entries({ maxBatchMessages: this.maxBatchMessages, maxBatchBytes: this.maxBatchBytes, maxQueuedEvents: this.maxQueuedEvents, maxQueuedBytes: this.maxQueuedBytes, maxInFlightRequests: this.maxInFlightRequests })) {
            if (!Number.isInteger(value) || value < 1) {
                problems.push(`${name} must be a positive integer, got ${value}`);
            }
        }
        const typed = new Set<string>(Object.values(TYPED_TOPICS).flat() as string[]);
        const known = new Set(topics.topics.map((t) => t.name));
        (options.produces ?? []).forEach((k, i) => {
            if (!known.has(k)) {
                problems.push(`produces[${i}] ${JSON.stringify(k)} is not a topic of the topic catalog`);
            }
        });
        const wanted = options.produces === undefined ? undefined : new Set<string>(options.produces);
        for (const t of topics.topics.filter((x) => wanted === undefined || wanted.has(x.name))) {
            if (!typed.has(t.name)) {
                problems.push(`topic ${t.name} of the catalog has no TypeScript payload type in producer/events.ts`);
            }
            if (!schemas.has(t.schema)) {
                problems.push(`topic ${t.name}: schema ${t.schema} is not under schemas/`);
                continue;
            }
            const current = schemas.currentVersion(t.schema);
            this.routes.set(t.name, {
                key: t.name as TopicKey,
                family: t.family,
                topic: `${prefix}${t.name}`,
                schemaName: t.schema,
                type: current.type,
                fingerprint: current.fingerprint,
                fingerprintHeader: `sha256:${current.fingerprint}`,
                fixedHeaderBytes:
                    2 * HEADER_OVERHEAD + Buffer.byteLength(TRACEPARENT_HEADER) + TRACEPARENT_LENGTH + Buffer.byteLength(HEADERS.fingerprint) + Buffer.byteLength(`sha256:${current.fingerprint}`),
                eventTypes: new Set(t.eventTypes),
                partitionKey: t.partitionKey.split("."),
                compression: producerCompression(topics, t),
                maxMessageBytes: topicMaxMessageBytes(topics, t) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
                quickCheck: QuickCheck.for(current.type, t.eventTypes, this.source),
            });
        }
        if (problems.length > 0) {
            throw new Error(`cannot build the event producer:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        }
        this.data = new FamilyProducer(this);
        this.system = new FamilyProducer(this);
        this.audit = new FamilyProducer(this);
    }

    /** Connects, reads every topic's partition count from the cluster's metadata and resolves schema ids. */
    async connect(): Promise<void> {
        if (this.state !== "new") {
            throw new Error(`connect() called on a producer that is ${this.state}`);
        }
        const routes = [...this.routes.values()];
        const metadata = await this.transport.connect(routes.map((r) => r.topic));
        const ids = this.schemaIds ? await this.schemaIds.idsFor(routes.map((r) => ({ name: r.schemaName, type: r.type, topic: r.topic }))) : new Map<string, number>();
        for (const r of routes) {
            const m = metadata.get(r.topic);
            if (m === undefined) {
                throw new Error(`the transport returned no metadata for topic ${r.topic}`);
            }
            this.resolved.set(r.key, { partitions: m.partitions, schemaId: ids.get(r.schemaName) });
        }
        this.state = "open";
    }

    /** Kafka topic name of a catalog topic (with the stack prefix). */
    topicName(key: TopicKey): string {
        return this.route(key).topic;
    }

    /** Partition count and schema id connect() found for a catalog topic. */
    topicState(key: TopicKey): Resolved | undefined {
        return this.resolved.get(key);
    }

    private route(key: string): Route {
        const route = this.routes.get(key);
        if (!route) {
            throw new EventValidationError(key, [{ path: "topic", message: `is not a topic this producer sends to (${[...this.routes.keys()].join(", ")}; see the produces option)` }]);
        }
        return route;
    }

    /**
     * Validates and encodes one event without sending it (after connect(): the partition comes from the topic's
     * metadata). Throws {@link EventValidationError} naming every bad field, and for an event larger than the
     * topic's `max.message.bytes`. Public so services can check events early, and for benchmarks.
     */
    prepare<K extends TopicKey>(topic: K, eventType: EventTypeOf<K>, payload: TopicPayloads[K], options: SendOptions = NO_OPTIONS, index?: number): PreparedEvent {
        const route = this.route(topic);
        const resolved = this.resolved.get(topic);
        if (resolved === undefined) {
            throw new Error("the event producer is not connected; call connect() first (partitions come from the topic metadata)");
        }
        if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
            throw new EventValidationError(topic, [{ path: "(payload)", message: `must be an object, got ${JSON.stringify(payload)}` }], index);
        }
        const trace = options.traceparent === undefined ? newTraceContext() : parseTraceparent(options.traceparent);
        // Allocated only when something is wrong: most events have no problem.
        let problems = callerProblems(route, eventType, payload, options, trace);
        const envelope = {
            eventId: options.eventId ?? this.newEventId(),
            eventType,
            occurredAt: options.occurredAt ?? this.clock(),
            source: this.source,
            correlationId: options.correlationId ?? null,
            causationId: options.causationId ?? null,
            traceId: trace?.traceId ?? null,
        };
        // The payload's own fields first (what the quick check sees), then the envelope the producer fills.
        // Object.assign instead of a spread: measurably cheaper per event (scripts/bench-producer.ts).
        const record: Record<string, unknown> = {};
        Object.assign(record, payload);
        const shaped = problems === undefined && route.quickCheck !== undefined && route.quickCheck.shaped(record);
        record.envelope = envelope;
        // With no shape problem the encoder is the type check: it throws for every value the full check refuses.
        let value = shaped ? encodeIfValid(route.type, record, resolved.schemaId) : undefined;
        if (value === undefined) {
            // The full check: every bad field named (also when another problem is known already).
            problems = [...(problems ?? []), ...validateValue(route.type, record)];
        }
        const keyValue = lookup(record, route.partitionKey);
        if (typeof keyValue === "string" && keyValue.length === 0) {
            (problems ??= []).push({ path: route.partitionKey.join("."), message: "is the topic's partition key and must not be empty" });
        }
        if (problems !== undefined && problems.length > 0) {
            throw new EventValidationError(topic, problems, index);
        }
        value ??= encodeValidated(route, record, resolved.schemaId, index);
        return messageOf(route, resolved, value, keyValue as string, envelope.eventId, trace!, options.tracestate, index);
    }

    /** Validates, encodes and sends one event; resolves once Kafka acknowledged it (acks=all). */
    async send<K extends TopicKey>(topic: K, eventType: EventTypeOf<K>, payload: TopicPayloads[K], options?: SendOptions): Promise<Delivery> {
        this.assertOpen();
        const prepared = this.prepare(topic, eventType, payload, options);
        return (await this.enqueue([prepared]))[0];
    }

    /** Validates every event first: if one is invalid none is sent. Then sends them in order. */
    async sendBatch<K extends TopicKey>(
        topic: K,
        events: readonly { eventType: EventTypeOf<K>; payload: TopicPayloads[K]; options?: SendOptions }[],
    ): Promise<Delivery[]> {
        this.assertOpen();
        const prepared = new Array<PreparedEvent>(events.length);
        for (let i = 0; i < events.length; i++) {
            const e = events[i];
            prepared[i] = this.prepare(topic, e.eventType, e.payload, e.options, i);
        }
        return this.enqueue(prepared);
    }

    /** Sends already prepared events (see {@link prepare}). */
    async sendPrepared(prepared: readonly PreparedEvent[]): Promise<Delivery[]> {
        this.assertOpen();
        return this.enqueue(prepared);
    }

    /** Events and bytes accepted and not yet acknowledged. */
    pending(): { events: number; bytes: number } {
        return { events: this.queue.length + this.inflightEvents, bytes: this.queuedBytes };
    }

    /** Resolves when everything accepted so far was acknowledged or failed. */
    async flush(): Promise<void> {
        if (this.queue.length === 0 && this.inflight.size === 0) {
            return;
        }
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }

    /**
     * Shutdown with a deadline: refuses new events, flushes what was accepted for at most `timeoutMs`, then
     * disconnects. Returns by the deadline (plus the time a forced disconnect needs to drop its sockets) and reports
     * what was not delivered; those events' promises reject with {@link DeliveryError}. Safe to call twice.
     */
    async close(timeoutMs = 30_000): Promise<CloseReport> {
        const deadline = Date.now() + timeoutMs;
        if (this.state === "closed") {
            return { flushed: true, notSent: [], unknown: [] };
        }
        const wasOpen = this.state === "open";
        this.state = "closing";
        let timer: NodeJS.Timeout | undefined;
        const flushed = await Promise.race([
            this.flush().then(() => true),
            new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now())))),
        ]);
        clearTimeout(timer);
        const ids = (p: PreparedEvent): { eventId: string; topic: string } => ({ eventId: p.eventId, topic: p.topic });
        const notSent = this.queue.map(ids);
        const unknown = [...this.inflight].flatMap((request) => request.events.map(ids));
        if (!flushed) {
            const queued: Accepted = { events: this.queue, runs: this.queueRuns };
            this.queue = [];
            this.queueRuns = [];
            eachEvent(queued, (p, call) => {
                this.queuedBytes -= p.recordBytes;
                if (!call.done) {
                    call.reject(new DeliveryError(p.eventId, p.topic, "not-sent", [], `close(${timeoutMs}) reached its deadline before the event was sent`));
                }
            });
        }
        if (wasOpen) {
            // A forced disconnect fails the request in flight and any pending retry at once (their events: unknown).
            const disconnect = this.transport.disconnect(!flushed).catch(() => undefined);
            await Promise.race([disconnect, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
        }
        this.state = "closed";
        return { flushed, notSent: flushed ? [] : notSent, unknown: flushed ? [] : unknown };
    }

    private assertOpen(): void {
        if (this.state === "closing" || this.state === "closed") {
            throw new ProducerClosedError();
        }
        if (this.state === "new") {
            throw new Error("the event producer is not connected; call connect() first");
        }
    }

    private enqueue(prepared: readonly PreparedEvent[]): Promise<Delivery[]> {
        let bytes = 0;
        for (const p of prepared) {
            bytes += p.recordBytes;
        }
        const events = this.queue.length + this.inflightEvents;
        if (events + prepared.length > this.maxQueuedEvents) {
            throw new QueueFullError("maxQueuedEvents", this.maxQueuedEvents, { events, bytes: this.queuedBytes });
        }
        if (this.queuedBytes + bytes > this.maxQueuedBytes) {
            throw new QueueFullError("maxQueuedBytes", this.maxQueuedBytes, { events, bytes: this.queuedBytes });
        }
        this.queuedBytes += bytes;
        const promise = new Promise<Delivery[]>((resolve, reject) => {
            this.queueRuns.push({ call: new Call(prepared.length, resolve, reject), first: 0, count: prepared.length });
            for (const p of prepared) {
                this.queue.push(p);
            }
        });
        this.pump();
        return promise;
    }

    /** Up to maxInFlightRequests requests in flight; whatever queued meanwhile goes out in the next ones. */
    private pump(): void {
        this.dispatchQueued();
        this.notifyIfIdle();
    }

    private dispatchQueued(): void {
        while (this.inflight.size < this.maxInFlightRequests && this.queue.length > 0) {
            const request = this.takeRequest();
            this.inflight.add(request);
            this.inflightEvents += request.events.length;
            void this.dispatch(request);
        }
    }

    private notifyIfIdle(): void {
        if (this.queue.length === 0 && this.inflight.size === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            waiters.forEach((w) => w());
        }
    }

    /** The queue's head up to the request bounds (at least one event), with the runs it covers (a run may split). */
    private takeRequest(): Request {
        let n = 0;
        let bytes = 0;
        while (n < this.queue.length && n < this.maxBatchMessages) {
            const size = this.queue[n].recordBytes;
            if (n > 0 && bytes + size > this.maxBatchBytes) {
                break;
            }
            bytes += size;
            n++;
        }
        const runs: Run[] = [];
        let left = n;
        while (left > 0) {
            const head = this.queueRuns[0];
            if (head.count <= left) {
                runs.push(head);
                this.queueRuns.shift();
                left -= head.count;
            } else {
                runs.push({ call: head.call, first: head.first, count: left });
                this.queueRuns[0] = { call: head.call, first: head.first + left, count: head.count - left };
                left = 0;
            }
        }
        return { events: this.queue.splice(0, n), runs, bytes };
    }

    private async dispatch(request: Request): Promise<void> {
        let outcome: { readonly acks: PartitionAck[] } | { readonly error: unknown };
        try {
            outcome = { acks: await this.transport.send(topicBatches(request.events)) };
        } catch (e) {
            outcome = { error: e };
        }
        this.queuedBytes -= request.bytes;
        this.inflightEvents -= request.events.length;
        this.inflight.delete(request);
        // The next request goes out before this one's events are settled (a Delivery each): the broker does not wait
        // for the bookkeeping. flush() waiters are told only after, when every promise of this request is settled.
        this.dispatchQueued();
        try {
            if ("error" in outcome) {
                this.settleFailed(request, outcome.error);
            } else {
                this.settle(request, outcome.acks);
            }
        } finally {
            this.notifyIfIdle();
        }
    }

    /**
     * Resolves every event of a partition the broker acknowledged (offsets: the partition's base offset, then one
     * per event in request order) and rejects the others: with `failure` when the request failed, else as
     * `unknown` (an answer without that partition's offset).
     */
    private settle(request: Request, acks: readonly PartitionAck[], failure?: { outcome: SendOutcome; brokerErrors: readonly string[]; reason: string }): void {
        // Next offset per topic and partition: a number while offsets stay below 2^53 (always, in practice), a bigint beyond.
        const next = new Map<string, Map<number, number | bigint>>();
        for (const a of acks) {
            const base = BigInt(a.baseOffset);
            let byPartition = next.get(a.topic);
            if (byPartition === undefined) {
                byPartition = new Map();
                next.set(a.topic, byPartition);
            }
            byPartition.set(a.partition, base + BigInt(request.events.length) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(base) : base);
        }
        eachEvent(request, (p, call, index) => {
            const { topic } = p;
            const { partition } = p;
            const byPartition = next.get(topic);
            const offset = byPartition?.get(partition);
            if (offset === undefined || offset < 0) {
                if (!call.done) {
                    call.reject(
                        failure === undefined
                            ? new DeliveryError(p.eventId, topic, "unknown", [], `the broker's answer has no offset for partition ${partition}`)
                            : new DeliveryError(p.eventId, topic, failure.outcome, failure.brokerErrors, failure.reason),
                    );
                }
                return;
            }
            byPartition!.set(partition, typeof offset === "number" ? offset + 1 : offset + 1n);
            call.resolve(index, { topic, partition, offset: String(offset), eventId: p.eventId });
        });
    }

    /** A failed request: the partitions acknowledged before the failure were written; every other event failed. */
    private settleFailed(request: Request, e: unknown): void {
        const known = e instanceof TransportSendError;
        this.settle(request, known ? e.acknowledged : [], { outcome: known ? e.outcome : "unknown", brokerErrors: known ? e.brokerErrors : [], reason: asError(e).message });
    }
}
