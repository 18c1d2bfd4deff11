import { Admin } from "kafkajs";
import { describe, expect, it } from "vitest";
import { EventsModel, KAFKA_TOPIC_CONFIGS, MANAGED_TOPIC_CONFIGS } from "../../model/events";
import { EventDecoder, headerString } from "../../producer/decode";
import { TopicKey } from "../../producer/events";
import { PlatformaticTransport } from "../../producer/platformatic";
import { partitionForKey } from "../../producer/partition";
import { Delivery, EventProducer, EventValidationError, HEADERS } from "../../producer/producer";
import { SchemaSet } from "../../producer/schemas";
import { Broker, consume, MAX_IN_FLIGHT, recreateTopics, runScriptAsync, useBroker } from "./broker";
import { DEV_EVENTS, parseEvents } from "./configs";
import { keyOf, SAMPLES } from "./samples";

/**
 * Against a real Apache Kafka 4.x broker (scripts/kafka/kafka.sh): topics from the catalog through the admin API,
 * events through the library and back through a consumer, an invalid event that never arrives, and a broker restart in
 * the middle of a stream after which every event is there exactly once.
 */

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const schemas = SchemaSet.load();

let broker: Broker | undefined;
let skipReason: string | undefined;
let admin: Admin;
let model: EventsModel;

function newProducer(): EventProducer {
    return new EventProducer({
        source: "integration-tests",
        schemas,
        transport: new PlatformaticTransport({ brokers: [broker!.bootstrap], clientId: "integration-tests" }),
        maxInFlightRequests: MAX_IN_FLIGHT,
    });
}

/** Records per topic (sum over partitions of high - low watermark). */
async function recordCount(topic: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
        try {
            const offsets = await admin.fetchTopicOffsets(topic);
            return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
        } catch (e) {
            // Right after topics are re-created or the broker restarted, cached leadership can be stale for a moment.
            if (attempt >= 10 || !(e as { retriable?: boolean }).retriable) {
                throw e;
            }
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}

useBroker({
    label: "events integration",
    clientId: "integration-tests-admin",
    skipped: (reason) => (skipReason = reason),
    ready: async (session) => {
        ({ broker, admin } = session);
        model = parseEvents({ ...DEV_EVENTS, bootstrapServers: [broker.bootstrap] });
        await recreateTopics(admin, model);
    },
});

describe("real Kafka broker", () => {
    it("has the catalog's topics, created as the program declares them", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const meta = await admin.fetchTopicMetadata({ topics: model.topics.map((t) => t.name) });
        const partitions = Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]));
        expect(partitions).toEqual(Object.fromEntries(model.topics.map((t) => [t.name, t.partitions])));
        const configs = await admin.describeConfigs({
            includeSynonyms: false,
            resources: [{ type: 2 /* TOPIC */, name: "audit-data-access" }],
        });
        const entries = Object.fromEntries(configs.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
        const declared = model.topics.find((t) => t.key === "audit-data-access")!.config;
        for (const [k, v] of Object.entries(declared)) {
            expect(entries[k], k).toBe(v);
        }
        // The model's allow-list is exactly the broker's topic configs, minus the throttling lists and the no-op.
        const brokerKeys = Object.keys(entries).sort();
        const modelKeys = [...KAFKA_TOPIC_CONFIGS, ...Object.keys(MANAGED_TOPIC_CONFIGS)].sort();
        expect(modelKeys.filter((k) => !brokerKeys.includes(k))).toEqual([]);
        expect(brokerKeys.filter((k) => !modelKeys.includes(k)).sort()).toEqual(
            ["follower.replication.throttled.replicas", "leader.replication.throttled.replicas", "message.downconversion.enable"].filter((k) => brokerKeys.includes(k)),
        );
    });

    it("rejects an invalid event before sending: nothing reaches the topic", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const producer = newProducer();
        await producer.connect();
        try {
            const good = SAMPLES["audit-admin-operations"];
            const bad = { ...good, payload: { ...good.payload, actor: { kind: "USER" as const, id: undefined as unknown as string } } };
            await expect(producer.audit.send("audit-admin-operations", bad.eventType, bad.payload)).rejects.toThrow(/actor\.id is required/);
            const batch = producer.audit.sendBatch("audit-admin-operations", [good, good, bad, good]);
            await expect(batch).rejects.toBeInstanceOf(EventValidationError);
            await producer.flush();
        } finally {
            await producer.close();
        }
        expect(await recordCount("audit-admin-operations")).toBe(0);
    }, 120_000);

    it("produces every event type of every topic, consumes and decodes them back with headers and partition keys", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const producer = newProducer();
        await producer.connect();
        const sent = new Map<string, { topic: TopicKey; eventType: string; payload: object; delivery: Delivery }>();
        try {
            for (const t of model.topics) {
                const sample = SAMPLES[t.key as TopicKey];
                for (const eventType of t.eventTypes) {
                    const delivery = await producer.send(t.key as TopicKey, eventType as never, sample.payload as never, {
                        traceparent: TRACEPARENT,
                        correlationId: `corr-${t.key}`,
                    });
                    sent.set(delivery.eventId, { topic: t.key as TopicKey, eventType, payload: sample.payload, delivery });
                }
            }
        } finally {
            await producer.close();
        }
        expect(sent.size).toBe(model.topics.reduce((n, t) => n + t.eventTypes.length, 0));

        const decoder = new EventDecoder(schemas);
        const messages = await consume(broker!.bootstrap, model.topics.map((t) => t.name), (m) => m.length >= sent.size);
        expect(messages).toHaveLength(sent.size);
        const seen = new Set<string>();
        for (const { topic, partition, message } of messages) {
            const decoded = decoder.decode({ value: message.value, key: message.key, headers: message.headers });
            const env = decoded.event.envelope as { eventId: string; eventType: string; source: string; traceId: string; correlationId: string };
            const original = sent.get(env.eventId);
            expect(original, `unexpected event ${env.eventId} on ${topic}`).toBeDefined();
            seen.add(env.eventId);
            const spec = model.topics.find((t) => t.key === original!.topic)!;
            expect(topic).toBe(spec.name);
            expect(decoded.schema).toBe(spec.schema);
            expect(decoded.event).toMatchObject(original!.payload);
            expect(env).toMatchObject({ eventType: original!.eventType, source: "integration-tests", traceId: "0af7651916cd43dd8448eb211c80319c", correlationId: `corr-${spec.key}` });
            expect(headerString(message.headers?.traceparent)).toBe(TRACEPARENT);
            // Headers carry only what the value does not: the trace context and the writer schema's fingerprint.
            expect(Object.keys(message.headers).sort()).toEqual([HEADERS.fingerprint, "traceparent"]);
            const key = keyOf(original!.payload, spec.partitionKey);
            expect(message.key?.toString()).toBe(key);
            expect(partition).toBe(partitionForKey(Buffer.from(key), spec.partitions));
            expect({ partition, offset: message.offset }).toEqual({ partition: original!.delivery.partition, offset: original!.delivery.offset });
        }
        expect(seen.size).toBe(sent.size);
    }, 180_000);

    it("survives a broker restart in the middle of a stream: every event arrives exactly once", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        if (!broker!.restartable) return ctx.skip("KAFKA_BOOTSTRAP points at a broker these tests do not own");
        const topic = "audit-api-calls";
        const before = await recordCount(topic);
        const producer = newProducer();
        await producer.connect();
        const total = 300;
        const ids: string[] = [];
        const deliveredAt: number[] = [];
        let stoppedAt = 0;
        let backAt = 0;
        const sample = SAMPLES["audit-api-calls"];
        const sendOne = async (i: number): Promise<void> => {
            const d = await producer.audit.send(topic, "audit.api.call", { ...sample.payload, actor: { kind: "SERVICE", id: `svc-${i % 24}` }, requestId: `restart-${i}` });
            ids.push(d.eventId);
            deliveredAt.push(Date.now());
        };
        try {
            // First third before the restart, four at a time.
            for (let i = 0; i < total / 3; i += 4) {
                await Promise.all([0, 1, 2, 3].map((j) => sendOne(i + j)));
            }
            // The rest streams on while the broker stops and starts again.
            const stream = (async () => {
                for (let i = total / 3; i < total; i += 4) {
                    await Promise.all([0, 1, 2, 3].filter((j) => i + j < total).map((j) => sendOne(i + j)));
                    await new Promise((r) => setTimeout(r, 5));
                }
            })();
            await new Promise((r) => setTimeout(r, 50));
            await runScriptAsync(["stop"]);
            stoppedAt = Date.now();
            await new Promise((r) => setTimeout(r, 2_000));
            await runScriptAsync(["start"]);
            backAt = Date.now();
            await stream;
        } finally {
            await producer.close();
        }
        expect(ids).toHaveLength(total);
        expect(deliveredAt.filter((t) => t < stoppedAt).length, "some events before the stop").toBeGreaterThan(0);
        expect(deliveredAt.filter((t) => t >= backAt).length, "some events only after the broker was back").toBeGreaterThan(0);

        // Exactly once: the topic grew by exactly `total` records, and consuming finds each id once.
        expect((await recordCount(topic)) - before).toBe(total);
        const decoder = new EventDecoder(schemas);
        const wanted = new Set(ids);
        const messages = await consume(broker!.bootstrap, [topic], (m) => m.length >= before + total, 120_000);
        const counts = new Map<string, number>();
        for (const { message } of messages) {
            const env = decoder.decode({ value: message.value, headers: message.headers }).event.envelope as { eventId: string };
            if (wanted.has(env.eventId)) {
                counts.set(env.eventId, (counts.get(env.eventId) ?? 0) + 1);
            }
        }
        expect(counts.size).toBe(total);
        expect([...counts.values()].every((n) => n === 1)).toBe(true);
    }, 300_000);
});
