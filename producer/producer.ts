import * as avro from "avsc";
import { randomUUID } from "crypto";
import { loadTopicCatalog, TopicCatalog, TopicFamily } from "../model/events";
import { EventTypeOf, FamilyTopics, TopicKey, TopicPayloads, TYPED_TOPICS } from "./events";
import { partitionForKey } from "./partition";
import { SchemaSet } from "./schemas";
import { newTraceContext, parseTraceparent, TRACEPARENT_HEADER, TRACESTATE_HEADER, traceparentProblem, formatTraceparent } from "./trace";
import { EventTransport, OutgoingMessage, PartitionAck, TopicBatch } from "./transport";
import { FieldProblem, validateValue } from "./validate";

/**
 * The event producer the platform's services import: validate → encode (Avro) → route (topic, key, partition from
 * the topic catalog) → send through an {@link EventTransport} (kafkajs by default) with acks=all, idempotently, one
 * request in flight, batching whatever accumulated while the previous request was in flight.
 */

/** Header names the library writes (besides traceparent/tracestate). */
export const HEADERS = {
    eventType: "event-type",
    eventId: "event-id",
    source: "event-source",
    correlationId: "correlation-id",
    schema: "avro-schema",
    fingerprint: "avro-schema-fingerprint",
    contentType: "content-type",
} as const;

/** Content types: Confluent wire format (magic byte 0 + 4-byte schema id + Avro) or plain Avro binary. */
export const CONTENT_TYPES = { confluent: "application/vnd.confluent.avro", avro: "avro/binary" } as const;

export interface EventProducerOptions {
    readonly transport: EventTransport;
    /** The emitting service (its catalog name); goes into `envelope.source`. */
    readonly source: string;
    readonly topics?: TopicCatalog;
    readonly schemas?: SchemaSet;
    /** The stack's `topicPrefix` (see service-integration:events); "" by default. */
    readonly topicPrefix?: string;
    /**
     * Schema Registry ids of the current schemas (Avro full name → id). A schema with an id is sent in the Confluent
     * wire format; one without is sent as plain Avro with its SHA-256 fingerprint in a header.
     */
    readonly schemaIds?: Readonly<Record<string, number>>;
    /** Upper bounds of one produce request (defaults 1000 messages, 900 000 bytes of values). */
    readonly maxBatchMessages?: number;
    readonly maxBatchBytes?: number;
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

export interface PreparedEvent {
    readonly topicKey: TopicKey;
    /** Name in Kafka. */
    readonly topic: string;
    readonly eventId: string;
    readonly message: OutgoingMessage;
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

interface Route {
    readonly key: TopicKey;
    readonly family: TopicFamily;
    readonly topic: string;
    readonly partitions: number;
    readonly schemaName: string;
    readonly type: avro.Type;
    readonly fingerprint: string;
    readonly schemaId?: number;
    readonly eventTypes: ReadonlySet<string>;
    readonly partitionKey: readonly string[];
}

interface Pending {
    readonly prepared: PreparedEvent;
    readonly resolve: (d: Delivery) => void;
    readonly reject: (e: Error) => void;
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

function confluentFrame(schemaId: number, body: Buffer): Buffer {
    const out = Buffer.allocUnsafe(body.length + 5);
    out[0] = 0;
    out.writeInt32BE(schemaId, 1);
    body.copy(out, 5);
    return out;
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
    private readonly maxBatchMessages: number;
    private readonly maxBatchBytes: number;
    private readonly clock: () => number;
    private readonly newEventId: () => string;
    private queue: Pending[] = [];
    private inflight: Promise<void> | undefined;
    private state: "new" | "open" | "closing" | "closed" = "new";
    private idleWaiters: (() => void)[] = [];

    constructor(options: EventProducerOptions) {
        this.transport = options.transport;
        this.source = options.source;
        this.maxBatchMessages = options.maxBatchMessages ?? 1000;
        this.maxBatchBytes = options.maxBatchBytes ?? 900_000;
        this.clock = options.clock ?? Date.now;
        this.newEventId = options.newEventId ?? randomUUID;
        const topics = options.topics ?? loadTopicCatalog();
        const schemas = options.schemas ?? SchemaSet.load();
        const prefix = options.topicPrefix ?? "";
        const problems: string[] = [];
        if (this.source.trim() === "") {
            problems.push("source must name the emitting service");
        }
        const typed = new Set<string>(Object.values(TYPED_TOPICS).flat() as string[]);
        for (const t of topics.topics) {
            if (!typed.has(t.name)) {
                problems.push(`topic ${t.name} of the catalog has no TypeScript payload type in producer/events.ts`);
            }
            if (!schemas.has(t.schema)) {
                problems.push(`topic ${t.name}: schema ${t.schema} is not under schemas/`);
                continue;
            }
            const current = schemas.currentVersion(t.schema);
            const schemaId = options.schemaIds?.[t.schema];
            this.routes.set(t.name, {
                key: t.name as TopicKey,
                family: t.family,
                topic: `${prefix}${t.name}`,
                partitions: t.partitions,
                schemaName: t.schema,
                type: current.type,
                fingerprint: current.fingerprint,
                schemaId,
                eventTypes: new Set(t.eventTypes),
                partitionKey: t.partitionKey.split("."),
            });
        }
        if (problems.length > 0) {
            throw new Error(`cannot build the event producer:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        }
        this.data = new FamilyProducer(this);
        this.system = new FamilyProducer(this);
        this.audit = new FamilyProducer(this);
    }

    async connect(): Promise<void> {
        if (this.state !== "new") {
            throw new Error(`connect() called on a producer that is ${this.state}`);
        }
        await this.transport.connect();
        this.state = "open";
    }

    /** Kafka topic name of a catalog topic (with the stack prefix). */
    topicName(key: TopicKey): string {
        return this.route(key).topic;
    }

    private route(key: string): Route {
        const route = this.routes.get(key);
        if (!route) {
            throw new EventValidationError(key, [{ path: "topic", message: `is not a topic of the topic catalog (${[...this.routes.keys()].join(", ")})` }]);
        }
        return route;
    }

    /**
     * Validates and encodes one event without sending it. Throws {@link EventValidationError} naming every bad
     * field. Public so services can check events early, and for benchmarks.
     */
    prepare<K extends TopicKey>(topic: K, eventType: EventTypeOf<K>, payload: TopicPayloads[K], options: SendOptions = {}, index?: number): PreparedEvent {
        const route = this.route(topic);
        const problems: FieldProblem[] = [];
        if (!route.eventTypes.has(eventType)) {
            problems.push({ path: "envelope.eventType", message: `must be one of ${[...route.eventTypes].join(", ")} for topic ${topic}, got ${JSON.stringify(eventType)}` });
        }
        if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
            throw new EventValidationError(topic, [{ path: "(payload)", message: `must be an object, got ${JSON.stringify(payload)}` }], index);
        }
        if ("envelope" in payload) {
            problems.push({ path: "envelope", message: "is filled by the producer; pass eventId, occurredAt, correlationId and causationId in the send options" });
        }
        const trace = options.traceparent === undefined ? newTraceContext() : parseTraceparent(options.traceparent);
        if (options.traceparent !== undefined && trace === undefined) {
            problems.push({ path: "traceparent", message: `${traceparentProblem(options.traceparent)}, got ${JSON.stringify(options.traceparent)}` });
        }
        const eventId = options.eventId ?? this.newEventId();
        const record = {
            ...payload,
            envelope: {
                eventId,
                eventType,
                occurredAt: options.occurredAt ?? this.clock(),
                source: this.source,
                correlationId: options.correlationId ?? null,
                causationId: options.causationId ?? null,
                traceId: trace?.traceId ?? null,
            },
        };
        problems.push(...validateValue(route.type, record));
        const keyValue = lookup(record, route.partitionKey);
        if (typeof keyValue === "string" && keyValue.length === 0) {
            problems.push({ path: route.partitionKey.join("."), message: "is the topic's partition key and must not be empty" });
        }
        if (problems.length > 0) {
            throw new EventValidationError(topic, problems, index);
        }
        const key = Buffer.from(keyValue as string, "utf8");
        const body = route.type.toBuffer(record);
        const headers: Record<string, string> = {
            [TRACEPARENT_HEADER]: formatTraceparent(trace!),
            [HEADERS.eventType]: eventType,
            [HEADERS.eventId]: eventId,
            [HEADERS.source]: this.source,
            [HEADERS.schema]: route.schemaName,
        };
        if (options.tracestate !== undefined) {
            headers[TRACESTATE_HEADER] = options.tracestate;
        }
        if (options.correlationId !== undefined) {
            headers[HEADERS.correlationId] = options.correlationId;
        }
        let value: Buffer;
        if (route.schemaId !== undefined) {
            value = confluentFrame(route.schemaId, body);
            headers[HEADERS.contentType] = CONTENT_TYPES.confluent;
        } else {
            value = body;
            headers[HEADERS.contentType] = CONTENT_TYPES.avro;
            headers[HEADERS.fingerprint] = `sha256:${route.fingerprint}`;
        }
        return {
            topicKey: route.key,
            topic: route.topic,
            eventId,
            message: { key, value, headers, partition: partitionForKey(key, route.partitions) },
        };
    }

    /** Validates, encodes and sends one event; resolves once Kafka acknowledged it (acks=all). */
    async send<K extends TopicKey>(topic: K, eventType: EventTypeOf<K>, payload: TopicPayloads[K], options?: SendOptions): Promise<Delivery> {
        this.assertOpen();
        const prepared = this.prepare(topic, eventType, payload, options);
        return this.enqueue([prepared])[0];
    }

    /** Validates every event first: if one is invalid none is sent. Then sends them in order. */
    async sendBatch<K extends TopicKey>(
        topic: K,
        events: readonly { eventType: EventTypeOf<K>; payload: TopicPayloads[K]; options?: SendOptions }[],
    ): Promise<Delivery[]> {
        this.assertOpen();
        const prepared = events.map((e, i) => this.prepare(topic, e.eventType, e.payload, e.options, i));
        return Promise.all(this.enqueue(prepared));
    }

    /** Sends already prepared events (see {@link prepare}). */
    async sendPrepared(prepared: readonly PreparedEvent[]): Promise<Delivery[]> {
        this.assertOpen();
        return Promise.all(this.enqueue(prepared));
    }

    /** Resolves when everything accepted so far was acknowledged or failed. */
    async flush(): Promise<void> {
        if (this.queue.length === 0 && this.inflight === undefined) {
            return;
        }
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }

    /** Graceful shutdown: refuse new events, flush what was accepted, then disconnect. Safe to call twice. */
    async close(): Promise<void> {
        if (this.state === "closed" || this.state === "closing") {
            await this.flush();
            return;
        }
        const wasOpen = this.state === "open";
        this.state = "closing";
        await this.flush();
        if (wasOpen) {
            await this.transport.disconnect();
        }
        this.state = "closed";
    }

    private assertOpen(): void {
        if (this.state === "closing" || this.state === "closed") {
            throw new ProducerClosedError();
        }
        if (this.state === "new") {
            throw new Error("the event producer is not connected; call connect() first");
        }
    }

    private enqueue(prepared: readonly PreparedEvent[]): Promise<Delivery>[] {
        const promises = prepared.map(
            (p) =>
                new Promise<Delivery>((resolve, reject) => {
                    this.queue.push({ prepared: p, resolve, reject });
                }),
        );
        this.pump();
        return promises;
    }

    /** One request in flight; whatever queued meanwhile goes out as the next request. */
    private pump(): void {
        if (this.inflight !== undefined) {
            return;
        }
        if (this.queue.length === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            waiters.forEach((w) => w());
            return;
        }
        const batch: Pending[] = [];
        let bytes = 0;
        while (this.queue.length > 0 && batch.length < this.maxBatchMessages) {
            const next = this.queue[0];
            const size = next.prepared.message.value.length + next.prepared.message.key.length;
            if (batch.length > 0 && bytes + size > this.maxBatchBytes) {
                break;
            }
            batch.push(this.queue.shift()!);
            bytes += size;
        }
        this.inflight = this.dispatch(batch).finally(() => {
            this.inflight = undefined;
            this.pump();
        });
    }

    private async dispatch(batch: readonly Pending[]): Promise<void> {
        const byTopic = new Map<string, Pending[]>();
        for (const p of batch) {
            const list = byTopic.get(p.prepared.topic) ?? [];
            list.push(p);
            byTopic.set(p.prepared.topic, list);
        }
        const request: TopicBatch[] = [...byTopic.entries()].map(([topic, items]) => ({ topic, messages: items.map((i) => i.prepared.message) }));
        let acks: PartitionAck[];
        try {
            acks = await this.transport.send(request);
        } catch (e) {
            const error = e instanceof Error ? e : new Error(String(e));
            batch.forEach((p) => p.reject(error));
            return;
        }
        const base = new Map(acks.map((a) => [`${a.topic}\u0000${a.partition}`, BigInt(a.baseOffset)]));
        const seen = new Map<string, bigint>();
        for (const p of batch) {
            const { topic } = p.prepared;
            const { partition } = p.prepared.message;
            const k = `${topic}\u0000${partition}`;
            const first = base.get(k);
            const nth = seen.get(k) ?? 0n;
            seen.set(k, nth + 1n);
            p.resolve({ topic, partition, offset: first === undefined || first < 0n ? "-1" : String(first + nth), eventId: p.prepared.eventId });
        }
    }
}
