import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { loadTopicCatalog } from "../../model/events";
import { EventDecoder } from "../../producer/decode";
import { TopicKey } from "../../producer/events";
import { murmur2, partitionForKey } from "../../producer/partition";
import { DeliveryError, EventProducer, EventValidationError, HEADERS, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, ProducerClosedError, QueueFullError, SchemaIdSource } from "../../producer/producer";
import { parseSchema, SchemaSet, standaloneSchema } from "../../producer/schemas";
import { parseTraceparent, traceparentProblem } from "../../producer/trace";
import { EventTransport, PartitionAck, TopicBatch, TopicMetadata, TransportSendError } from "../../producer/transport";
import { keyOf, SAMPLES } from "./samples";

const catalog = loadTopicCatalog();
const schemas = SchemaSet.load();
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/** Records what would have been sent; each request resolves when the test lets it. */
class FakeTransport implements EventTransport {
    readonly requests: TopicBatch[][] = [];
    connected = false;
    disconnected = false;
    inflight = 0;
    maxInflight = 0;
    gate: Promise<void> = Promise.resolve();
    fail: Error | undefined;
    forced: boolean | undefined;
    /** Partition counts the "cluster" reports; default: the catalog's. */
    partitions: Record<string, number> = {};
    private offsets = new Map<string, number>();

    async connect(topics: readonly string[]): Promise<ReadonlyMap<string, TopicMetadata>> {
        this.connected = true;
        return new Map(topics.map((t) => [t, { partitions: this.partitions[t] ?? catalog.topics.find((c) => t.endsWith(c.name))!.partitions }]));
    }

    async send(batches: readonly TopicBatch[]): Promise<PartitionAck[]> {
        this.inflight++;
        this.maxInflight = Math.max(this.maxInflight, this.inflight);
        this.requests.push([...batches]);
        try {
            await this.gate;
            if (this.fail) {
                throw this.fail;
            }
            const acks: PartitionAck[] = [];
            for (const b of batches) {
                for (const partition of new Set(b.messages.map((m) => m.partition))) {
                    const k = `${b.topic}/${partition}`;
                    const base = this.offsets.get(k) ?? 0;
                    const n = b.messages.filter((m) => m.partition === partition).length;
                    this.offsets.set(k, base + n);
                    acks.push({ topic: b.topic, partition, baseOffset: String(base) });
                }
            }
            return acks;
        } finally {
            this.inflight--;
        }
    }

    async disconnect(force: boolean): Promise<void> {
        this.disconnected = true;
        this.forced = force;
    }

    get messages(): number {
        return this.requests.flat().reduce((n, b) => n + b.messages.length, 0);
    }
}

async function open(extra: Partial<ConstructorParameters<typeof EventProducer>[0]> = {}, transport = new FakeTransport()): Promise<{ producer: EventProducer; transport: FakeTransport }> {
    const producer = new EventProducer({ transport, source: "portal-services", topics: catalog, schemas, ...extra });
    await producer.connect();
    return { producer, transport };
}

async function rejection(p: Promise<unknown>): Promise<EventValidationError> {
    try {
        await p;
    } catch (e) {
        expect(e).toBeInstanceOf(EventValidationError);
        return e as EventValidationError;
    }
    throw new Error("the event was accepted");
}

describe("validation before send: the error names the path, nothing is written", () => {
    it("a missing required field", async () => {
        const { producer, transport } = await open();
        const { runId: _r, ...payload } = SAMPLES["data-ingestion"].payload;
        void _r;
        const e = await rejection(producer.send("data-ingestion", "data.ingestion.completed", payload as never));
        expect(e.problems).toContainEqual({ path: "runId", message: "is required (a string)" });
        expect(e.message).toContain("invalid data-ingestion event, nothing was sent: runId is required");
        expect(transport.requests).toHaveLength(0);
    });

    it("a wrong type, a bad enum symbol and a nested field", async () => {
        const { producer, transport } = await open();
        const e = await rejection(
            producer.audit.send("audit-api-calls", "audit.api.call", {
                ...SAMPLES["audit-api-calls"].payload,
                statusCode: "202" as unknown as number,
                actor: { kind: "ROBOT" as "USER", id: 42 as unknown as string },
            }),
        );
        const paths = e.problems.map((p) => p.path);
        expect(paths).toEqual(expect.arrayContaining(["statusCode", "actor.kind", "actor.id"]));
        expect(e.problems.find((p) => p.path === "actor.kind")!.message).toBe('must be one of USER, SERVICE, SYSTEM, got "ROBOT"');
        expect(e.problems.find((p) => p.path === "statusCode")!.message).toContain('got "202"');
        expect(transport.requests).toHaveLength(0);
    });

    it("a bad list item, a bad map value and an unknown field", async () => {
        const { producer } = await open();
        const e = await rejection(
            producer.data.send("data-lineage", "data.lineage.recorded", {
                ...SAMPLES["data-lineage"].payload,
                inputDatasetIds: ["prices-eu", 7 as unknown as string],
                jobNmae: "typo",
            } as never),
        );
        expect(e.problems.map((p) => p.path)).toEqual(expect.arrayContaining(["inputDatasetIds[1]", "jobNmae"]));
        const e2 = await rejection(producer.data.send("data-quality", "data.quality.failed", { ...SAMPLES["data-quality"].payload, details: { column: 3 as unknown as string } }));
        expect(e2.problems).toContainEqual({ path: "details.column", message: "must be a string, got 3" });
    });

    it("an event type the catalog does not list for the topic", async () => {
        const { producer } = await open();
        const e = await rejection(producer.send("data-ingestion", "data.quality.failed" as never, SAMPLES["data-ingestion"].payload));
        expect(e.problems[0].path).toBe("envelope.eventType");
        expect(e.problems[0].message).toContain("must be one of data.ingestion.started, data.ingestion.completed, data.ingestion.failed");
    });

    it("envelope fields from options: a non-UUID eventId, an invalid time, a bad traceparent", async () => {
        const { producer } = await open();
        const { eventType, payload } = SAMPLES["system-health"];
        const e = await rejection(producer.system.send("system-health", eventType, payload, { eventId: "not-a-uuid", occurredAt: new Date("nope"), traceparent: "00-abc-01" }));
        expect(e.problems.map((p) => p.path)).toEqual(expect.arrayContaining(["traceparent", "envelope.eventId", "envelope.occurredAt"]));
    });

    it("an empty partition key", async () => {
        const { producer } = await open();
        const e = await rejection(producer.data.send("data-ingestion", "data.ingestion.started", { ...SAMPLES["data-ingestion"].payload, datasetId: "" }));
        expect(e.problems).toContainEqual({ path: "datasetId", message: "is the topic's partition key and must not be empty" });
    });

    it("a topic outside the catalog", async () => {
        const { producer } = await open();
        const e = await rejection(producer.send("audit-logins" as TopicKey, "audit.user.action" as never, {} as never));
        expect(e.problems[0].path).toBe("topic");
    });

    it("a batch with one bad event sends none of them", async () => {
        const { producer, transport } = await open();
        const good = SAMPLES["audit-user-actions"];
        const e = await rejection(
            producer.audit.sendBatch("audit-user-actions", [good, good, { ...good, payload: { ...good.payload, outcome: "MAYBE" as "SUCCESS" } }, good]),
        );
        expect(e.index).toBe(2);
        expect(e.message).toContain("at index 2");
        expect(e.problems[0].path).toBe("outcome");
        expect(transport.requests).toHaveLength(0);
    });
});

describe("encoding and routing", () => {
    it("encodes every topic's sample as plain Avro with a fingerprint header, decodable back", async () => {
        const { producer } = await open();
        const decoder = new EventDecoder(schemas);
        for (const t of catalog.topics) {
            const sample = SAMPLES[t.name as TopicKey];
            const prepared = producer.prepare(t.name as TopicKey, sample.eventType as never, sample.payload as never, { correlationId: "corr-1" });
            const m = prepared;
            expect(m.headers[HEADERS.fingerprint]).toBe(`sha256:${schemas.currentVersion(t.schema).fingerprint}`);
            // Only what the value does not carry: the envelope has type, id, source and correlation id.
            expect(Object.keys(m.headers).sort()).toEqual([HEADERS.fingerprint, "traceparent"]);
            expect(m.key.toString()).toBe(keyOf(sample.payload, t.partitionKey));
            expect(m.partition).toBe(partitionForKey(m.key, t.partitions));
            const decoded = decoder.decode({ value: m.value, key: m.key, headers: m.headers });
            expect(decoded.schema).toBe(t.schema);
            expect(decoded.event).toMatchObject({ ...sample.payload, envelope: { eventType: sample.eventType, source: "portal-services", correlationId: "corr-1", eventId: prepared.eventId } });
        }
    });

    it("uses the Confluent wire format when the schema id is known", async () => {
        const ids: SchemaIdSource = { idsFor: async () => new Map([["com.carbon254.events.audit.UserAction", 4242]]) };
        const { producer } = await open({ schemaIds: ids });
        const { eventType, payload } = SAMPLES["audit-user-actions"];
        const m = producer.prepare("audit-user-actions", eventType, payload);
        expect(m.value[0]).toBe(0);
        expect(m.value.readInt32BE(1)).toBe(4242);
        expect(Object.keys(m.headers)).toEqual(["traceparent"]);
        const body = m.value.subarray(5);
        expect(schemas.type("com.carbon254.events.audit.UserAction").fromBuffer(body).actor.id).toBe("user-42");
        const decoded = new EventDecoder(schemas, { "com.carbon254.events.audit.UserAction": 4242 }).decode({ value: m.value, headers: m.headers });
        expect(decoded.event.action).toBe("dashboard.create");
    });

    it("propagates the caller's traceparent and tracestate unchanged; the envelope carries the trace id", async () => {
        const { producer } = await open();
        const { eventType, payload } = SAMPLES["deployment-events"];
        const m = producer.prepare("deployment-events", eventType, payload, { traceparent: TRACEPARENT, tracestate: "vendor=x" });
        expect(m.headers.traceparent).toBe(TRACEPARENT);
        expect(m.headers.tracestate).toBe("vendor=x");
        const env = new EventDecoder(schemas).decode({ value: m.value, headers: m.headers }).event.envelope as { traceId: string };
        expect(env.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    });

    it("starts a new unsampled trace when the caller has none", async () => {
        const { producer } = await open();
        const { eventType, payload } = SAMPLES["config-changes"];
        const a = producer.prepare("config-changes", eventType, payload).headers.traceparent;
        const b = producer.prepare("config-changes", eventType, payload).headers.traceparent;
        expect(traceparentProblem(a)).toBeUndefined();
        expect(parseTraceparent(a)!.flags).toBe("00");
        expect(parseTraceparent(a)!.traceId).not.toBe(parseTraceparent(b)!.traceId);
    });

    it("partitions exactly like the Java client's (and kafkajs's) default partitioner", () => {
        const kafkajsPartitioner = Partitioners.DefaultPartitioner();
        for (let i = 0; i < 500; i++) {
            const key = `dataset-${i}-${"x".repeat(i % 7)}`;
            const partitionMetadata = Array.from({ length: 12 }, (_, p) => ({ partitionId: p, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
            expect(partitionForKey(Buffer.from(key), 12)).toBe(kafkajsPartitioner({ topic: "t", partitionMetadata, message: { key, value: null } }));
        }
        // A published value of Kafka's murmur2: Utils.murmur2("21".getBytes()) == -973932308.
        expect(murmur2(Buffer.from("21"))).toBe(-973932308);
    });

    it("partitions by the topic's partition count from the cluster's metadata, not the catalog's", async () => {
        const transport = new FakeTransport();
        transport.partitions = { "data-ingestion": 5 };
        const { producer } = await open({}, transport);
        expect(producer.topicState("data-ingestion")!.partitions).toBe(5);
        const { eventType, payload } = SAMPLES["data-ingestion"];
        for (let i = 0; i < 50; i++) {
            const m = producer.prepare("data-ingestion", eventType, { ...payload, datasetId: `d-${i}` });
            expect(m.partition).toBe(partitionForKey(m.key, 5));
        }
    });

    it("compresses with the topic family's compression.type from the catalog", async () => {
        const { producer } = await open();
        expect(producer.prepare("data-ingestion", SAMPLES["data-ingestion"].eventType, SAMPLES["data-ingestion"].payload).compression).toBe("lz4");
        expect(producer.prepare("audit-api-calls", SAMPLES["audit-api-calls"].eventType, SAMPLES["audit-api-calls"].payload).compression).toBe("zstd");
    });

    it("rejects an event over the topic's max.message.bytes before sending, naming the limit", async () => {
        const { producer, transport } = await open();
        const { eventType, payload } = SAMPLES["data-quality"];
        const huge = { ...payload, details: { blob: "x".repeat(KAFKA_DEFAULT_MAX_MESSAGE_BYTES) } };
        const e = await rejection(producer.data.send("data-quality", eventType, huge));
        expect(e.message).toMatch(/over the topic's max\.message\.bytes of 1048588/);
        expect(transport.requests).toHaveLength(0);
        // A topic that sets its own limit: that limit applies.
        const small = { ...catalog, topics: catalog.topics.map((t) => (t.name === "data-quality" ? { ...t, config: { "max.message.bytes": "2000" } } : t)) };
        const { producer: p2 } = await open({ topics: small });
        const e2 = await rejection(p2.data.send("data-quality", eventType, { ...payload, details: { blob: "x".repeat(2000) } }));
        expect(e2.message).toContain("max.message.bytes of 2000");
        await expect(p2.data.send("data-quality", eventType, payload)).resolves.toBeDefined();
    });

    it("routes with the stack's topic prefix", async () => {
        const { producer } = await open({ topicPrefix: "dev." });
        expect(producer.topicName("audit-data-access")).toBe("dev.audit-data-access");
    });

    it("decodes events written with an older schema version into the current schema", () => {
        const name = "com.carbon254.events.data.DataIngestion";
        const current = standaloneSchema(schemas.type(name)) as { fields: { name: string }[] };
        const older = { ...current, fields: current.fields.filter((f) => f.name !== "byteCount") };
        const oldType = parseSchema(older as never);
        const set = SchemaSet.fromSchemas(
            [
                { file: "EventEnvelope.avsc", schema: standaloneSchema(schemas.type("com.carbon254.events.EventEnvelope")) },
                { file: "DataIngestion.avsc", schema: (() => {
                    const s = JSON.parse(JSON.stringify(current));
                    s.fields[0].type = "com.carbon254.events.EventEnvelope";
                    return s;
                })() },
            ],
            [
                { name, version: 1, schema: older as never },
                { name, version: 2, schema: current as never },
            ],
        );
        const envelope = { eventId: "6f1c1e1a-3b9e-4e0b-9a55-0d6f1a2b3c4d", eventType: "data.ingestion.started", occurredAt: 1, source: "old-service" };
        const value = oldType.toBuffer({ envelope, datasetId: "d", runId: "r", sourceSystem: "s", status: "STARTED", recordCount: 5, error: null });
        const fp = oldType.fingerprint("sha256").toString("hex");
        const decoded = new EventDecoder(set).decode({ value, headers: { [HEADERS.fingerprint]: `sha256:${fp}` } });
        expect(decoded.writerVersion).toBe(1);
        expect(decoded.event).toMatchObject({ datasetId: "d", recordCount: 5, byteCount: 0 });
    });
});

describe("delivery: one request in flight, batching, acks, shutdown", () => {
    it("coalesces concurrent sends into few requests with one in flight, and reports each event's offset", async () => {
        const { producer, transport } = await open();
        let release!: () => void;
        transport.gate = new Promise((r) => (release = r));
        const { eventType, payload } = SAMPLES["data-ingestion"];
        const sends = Array.from({ length: 50 }, (_, i) => producer.data.send("data-ingestion", eventType, { ...payload, runId: `run-${i}` }));
        await new Promise((r) => setImmediate(r));
        expect(transport.requests).toHaveLength(1);
        release();
        const deliveries = await Promise.all(sends);
        expect(transport.maxInflight).toBe(1);
        expect(transport.requests).toHaveLength(2);
        expect(transport.messages).toBe(50);
        // Same key → same partition; offsets increase in send order.
        expect(new Set(deliveries.map((d) => d.partition)).size).toBe(1);
        expect(deliveries.map((d) => Number(d.offset))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it("maxInFlightRequests: 2 hands a second request to the transport while one is in flight; offsets stay in send order", async () => {
        const { producer, transport } = await open({ maxInFlightRequests: 2, maxBatchMessages: 10 });
        let release!: () => void;
        transport.gate = new Promise((r) => (release = r));
        const { eventType, payload } = SAMPLES["data-ingestion"];
        const sends = Array.from({ length: 3 }, (_, c) =>
            producer.data.sendBatch("data-ingestion", Array.from({ length: 10 }, (_, i) => ({ eventType, payload: { ...payload, runId: `run-${c}-${i}` } }))),
        );
        await new Promise((r) => setImmediate(r));
        expect(transport.requests).toHaveLength(2); // the third batch waits for a free slot
        expect(producer.pending().events).toBe(30);
        release();
        const deliveries = (await Promise.all(sends)).flat();
        expect(transport.maxInflight).toBe(2);
        expect(transport.requests).toHaveLength(3);
        expect(deliveries.map((d) => Number(d.offset))).toEqual(Array.from({ length: 30 }, (_, i) => i));
        expect(producer.pending()).toEqual({ events: 0, bytes: 0 });
    });

    it("a call split across requests, beside another topic's events: every delivery is at its event's position, with its partition and offset", async () => {
        const { producer, transport } = await open({ maxInFlightRequests: 2, maxBatchMessages: 4 });
        let release!: () => void;
        transport.gate = new Promise((r) => (release = r));
        const ingestion = SAMPLES["data-ingestion"];
        const quality = SAMPLES["data-quality"];
        const ids = Array.from({ length: 11 }, (_, i) => `6f1c1e1a-3b9e-4e0b-9a55-0d6f1a2b3c${String(i).padStart(2, "0")}`);
        const first = producer.data.send("data-quality", quality.eventType, quality.payload, { eventId: "6f1c1e1a-3b9e-4e0b-9a55-0d6f1a2b3cff" });
        const batch = producer.data.sendBatch(
            "data-ingestion",
            ids.map((eventId, i) => ({ eventType: ingestion.eventType, payload: { ...ingestion.payload, datasetId: `dataset-${i % 5}` }, options: { eventId } })),
        );
        const last = producer.data.send("data-quality", quality.eventType, quality.payload);
        release();
        const deliveries = await batch;
        // The first send goes out alone; then requests of at most 4 split the batch's run three ways, the last one beside
        // the other topic's event.
        expect(transport.requests.map((r) => r.map((b) => b.messages.length))).toEqual([[1], [4], [4], [3, 1]]);
        expect(deliveries.map((d) => d.eventId)).toEqual(ids);
        const topic = producer.topicName("data-ingestion");
        const partitions = producer.topicState("data-ingestion")!.partitions;
        const seen = new Map<number, number>();
        deliveries.forEach((d, i) => {
            expect(d.topic).toBe(topic);
            expect(d.partition).toBe(partitionForKey(Buffer.from(`dataset-${i % 5}`), partitions));
            // Offsets count per partition, in send order.
            const expected = seen.get(d.partition) ?? 0;
            expect(Number(d.offset)).toBe(expected);
            seen.set(d.partition, expected + 1);
        });
        expect((await first).offset).toBe("0");
        expect((await last).offset).toBe("1");
    });

    it("a failed request with some partitions acknowledged: their events resolve at their offsets, the others reject", async () => {
        const { producer, transport } = await open();
        const { eventType, payload } = SAMPLES["data-ingestion"];
        const partitions = producer.topicState("data-ingestion")!.partitions;
        const keys = ["a", "b", "c", "d", "e", "f", "g", "h"].filter((k, i, all) => all.findIndex((o) => partitionForKey(Buffer.from(o), partitions) === partitionForKey(Buffer.from(k), partitions)) === i);
        const written = partitionForKey(Buffer.from(keys[0]), partitions);
        const topic = producer.topicName("data-ingestion");
        transport.fail = new TransportSendError("produce failed: NOT_LEADER_OR_FOLLOWER", "failed", ["NOT_LEADER_OR_FOLLOWER"], [{ topic, partition: written, baseOffset: "41" }]);
        let release!: () => void;
        transport.gate = new Promise((r) => (release = r));
        const blocker = producer.data.send("data-ingestion", eventType, { ...payload, datasetId: keys[0] }).catch((e: Error) => e);
        const sends = [keys[0], keys[1], keys[0], keys[2]].map((datasetId) => producer.data.send("data-ingestion", eventType, { ...payload, datasetId }).then((d) => d.offset, (e: DeliveryError) => e.outcome));
        release();
        await blocker;
        // The second request carries the four sends: two on the acknowledged partition (offsets 41, 42), two failed.
        expect(await Promise.all(sends)).toEqual(["41", "failed", "42", "failed"]);
    });

    it("close() with two requests in flight reports both as unknown", async () => {
        const transport = new FakeTransport();
        transport.gate = new Promise(() => undefined);
        const { producer } = await open({ maxInFlightRequests: 2, maxBatchMessages: 2 }, transport);
        const { eventType, payload } = SAMPLES["data-ingestion"];
        const sends = Array.from({ length: 3 }, () => producer.data.sendBatch("data-ingestion", [{ eventType, payload }, { eventType, payload }]).catch((e: Error) => e));
        await new Promise((r) => setImmediate(r));
        const report = await producer.close(100);
        expect(report.unknown).toHaveLength(4);
        expect(report.notSent).toHaveLength(2);
        expect(await sends[2]).toMatchObject({ outcome: "not-sent" });
    });

    it("refuses maxInFlightRequests below 1, naming the value", () => {
        expect(() => new EventProducer({ transport: new FakeTransport(), source: "portal-services", topics: catalog, schemas, maxInFlightRequests: 0 })).toThrow(
            /maxInFlightRequests must be a positive integer, got 0/,
        );
    });

    it("splits requests at the byte bound", async () => {
        const { producer, transport } = await open({ maxBatchBytes: 1000 });
        const { eventType, payload } = SAMPLES["data-quality"];
        await producer.data.sendBatch("data-quality", Array.from({ length: 40 }, () => ({ eventType, payload })));
        expect(transport.requests.length).toBeGreaterThan(2);
        for (const r of transport.requests) {
            expect(r.flatMap((b) => b.messages).length).toBeGreaterThan(0);
            const bytes = r.flatMap((b) => b.messages).reduce((n, m) => n + m.value.length + m.key.length, 0);
            expect(bytes).toBeLessThanOrEqual(1000);
        }
    });

    it("fails every event of a request the transport could not deliver", async () => {
        const { producer, transport } = await open();
        transport.fail = new TransportSendError("produce failed: NOT_ENOUGH_REPLICAS", "failed", ["NOT_ENOUGH_REPLICAS"]);
        const { eventType, payload } = SAMPLES["system-health"];
        const sent = producer.system.send("system-health", eventType, payload);
        await expect(sent).rejects.toBeInstanceOf(DeliveryError);
        await expect(sent).rejects.toMatchObject({ outcome: "failed", brokerErrors: ["NOT_ENOUGH_REPLICAS"] });
        transport.fail = new Error("socket hang up");
        await expect(producer.system.send("system-health", eventType, payload)).rejects.toMatchObject({ outcome: "unknown" });
    });

    it("bounds the queue in events and in bytes: beyond either, send rejects at once and nothing of the call is queued", async () => {
        const transport = new FakeTransport();
        transport.gate = new Promise(() => undefined); // the broker never answers
        const { producer } = await open({ maxQueuedEvents: 10, maxQueuedBytes: 1_000_000 }, transport);
        const { eventType, payload } = SAMPLES["data-ingestion"];
        const accepted = Array.from({ length: 10 }, () => producer.data.send("data-ingestion", eventType, payload));
        accepted.forEach((p) => p.catch(() => undefined));
        await expect(producer.data.send("data-ingestion", eventType, payload)).rejects.toBeInstanceOf(QueueFullError);
        await expect(producer.data.send("data-ingestion", eventType, payload)).rejects.toThrow(/maxQueuedEvents = 10/);
        expect(producer.pending().events).toBe(10);
        const t2 = new FakeTransport();
        t2.gate = new Promise(() => undefined);
        const { producer: p2 } = await open({ maxQueuedEvents: 1000, maxQueuedBytes: 2_000 }, t2);
        const first = p2.data.send("data-ingestion", eventType, payload);
        first.catch(() => undefined);
        const bytes = p2.pending().bytes;
        expect(bytes).toBeGreaterThan(0);
        const errors: unknown[] = [];
        for (let i = 0; i < Math.ceil(2_000 / bytes) + 1; i++) {
            p2.data.send("data-ingestion", eventType, payload).catch((e: unknown) => errors.push(e));
        }
        await new Promise((r) => setTimeout(r, 20));
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.every((e) => e instanceof QueueFullError && /maxQueuedBytes = 2000/.test(e.message))).toBe(true);
        expect(p2.pending().bytes).toBeLessThanOrEqual(2_000);
    });

    it("close(timeoutMs) returns by its deadline against a stalled transport and reports what it did not deliver", async () => {
        const transport = new FakeTransport();
        transport.gate = new Promise(() => undefined);
        const { producer } = await open({ maxBatchMessages: 2 }, transport);
        const { eventType, payload } = SAMPLES["data-ingestion"];
        const sends = Array.from({ length: 5 }, () => producer.data.send("data-ingestion", eventType, payload).catch((e: Error) => e));
        await new Promise((r) => setImmediate(r));
        const t0 = Date.now();
        const report = await producer.close(200);
        expect(Date.now() - t0).toBeLessThan(1_000);
        expect(report.flushed).toBe(false);
        expect(report.unknown).toHaveLength(1); // the first send went out alone; the other four queued behind it
        expect(report.notSent).toHaveLength(4);
        expect(transport.forced).toBe(true);
        const notSent = (await Promise.all(sends.slice(1))) as DeliveryError[];
        expect(notSent.every((e) => e instanceof DeliveryError && e.outcome === "not-sent")).toBe(true);
    });

    it("close() flushes what was accepted, then disconnects, and refuses new events", async () => {
        const { producer, transport } = await open();
        let release!: () => void;
        transport.gate = new Promise((r) => (release = r));
        const { eventType, payload } = SAMPLES["security-events"];
        const pending = [producer.system.send("security-events", eventType, payload), producer.system.send("security-events", eventType, payload)];
        const closing = producer.close();
        await new Promise((r) => setImmediate(r));
        expect(transport.disconnected).toBe(false);
        release();
        await expect(closing).resolves.toEqual({ flushed: true, notSent: [], unknown: [] });
        await expect(Promise.all(pending)).resolves.toHaveLength(2);
        expect(transport.disconnected).toBe(true);
        expect(transport.forced).toBe(false);
        await expect(producer.system.send("security-events", eventType, payload)).rejects.toBeInstanceOf(ProducerClosedError);
    });

    it("refuses to send before connect()", async () => {
        const producer = new EventProducer({ transport: new FakeTransport(), source: "x", topics: catalog, schemas });
        const { eventType, payload } = SAMPLES["config-changes"];
        await expect(producer.system.send("config-changes", eventType, payload)).rejects.toThrow("call connect() first");
    });

    it("refuses a catalog topic whose schema is missing", () => {
        const broken = { ...catalog, topics: catalog.topics.map((t, i) => (i === 0 ? { ...t, schema: "com.carbon254.events.data.Missing" } : t)) };
        expect(() => new EventProducer({ transport: new FakeTransport(), source: "x", topics: broken, schemas })).toThrow("schema com.carbon254.events.data.Missing is not under schemas/");
    });

    it("family producers only accept their family's topics (compile-time)", async () => {
        const { producer } = await open();
        const { eventType, payload } = SAMPLES["audit-user-actions"];
        // @ts-expect-error audit topics are not data topics
        await expect(producer.data.send("audit-user-actions", eventType, payload)).resolves.toBeDefined();
    });
});
