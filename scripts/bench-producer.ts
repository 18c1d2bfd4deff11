/**
 * Producer benchmark (prints numbers; not a test). Side by side in one run:
 *   1. per event, in memory: the library's validate + encode (prepare) vs avsc encode alone vs JSON.stringify;
 *   2. on a real broker: the library (validate + encode + send) vs the raw kafkajs producer sending the same
 *      pre-encoded messages, same producer settings (idempotent, acks=all, one request in flight), same batch size.
 *
 *   npx tsx scripts/bench-producer.ts [--events 20000] [--batch 500] [--no-broker]
 *
 * The broker is KAFKA_BOOTSTRAP when set, else scripts/kafka/kafka.sh's (started if needed, stopped again if this
 * script started it). The benchmark writes to its own topic, bench.data-ingestion, and deletes it afterwards.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { Kafka, logLevel, Message } from "kafkajs";
import { loadTopicCatalog } from "../model/events";
import { DataIngestion } from "../producer/events";
import { KafkaJsTransport } from "../producer/kafkajs";
import { EventProducer, PreparedEvent } from "../producer/producer";
import { SchemaSet } from "../producer/schemas";
import { EventTransport, PartitionAck, TopicBatch } from "../producer/transport";

function arg(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = arg("events", 20_000);
const BATCH = arg("batch", 500);
const NO_BROKER = process.argv.includes("--no-broker");
const PREFIX = "bench.";
const TOPIC_KEY = "data-ingestion" as const;
const SCRIPT = path.join(__dirname, "kafka", "kafka.sh");

const catalog = loadTopicCatalog();
const schemas = SchemaSet.load();
const spec = catalog.topics.find((t) => t.name === TOPIC_KEY)!;

function payload(i: number): DataIngestion {
    return { datasetId: `dataset-${i % 97}`, runId: `run-${i}`, sourceSystem: "s3", status: "COMPLETED", recordCount: i * 10, byteCount: i * 1000, error: null };
}

function mb(bytes: number): string {
    return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function rate(n: number, ms: number): number {
    return (n / ms) * 1000;
}

function fmt(eps: number): string {
    return `${Math.round(eps).toLocaleString("en-US")} events/s`;
}

/** Best of `rounds` timings (ms) of `fn`. */
async function best(rounds: number, fn: () => Promise<void> | void): Promise<number> {
    let min = Number.POSITIVE_INFINITY;
    for (let r = 0; r < rounds; r++) {
        const t0 = process.hrtime.bigint();
        await fn();
        min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return min;
}

class NullTransport implements EventTransport {
    async connect(): Promise<void> {}
    async send(batches: readonly TopicBatch[]): Promise<PartitionAck[]> {
        return batches.map((b) => ({ topic: b.topic, partition: 0, baseOffset: "0" }));
    }
    async disconnect(): Promise<void> {}
}

async function inMemory(): Promise<void> {
    const producer = new EventProducer({ transport: new NullTransport(), source: "bench", topics: catalog, schemas, topicPrefix: PREFIX });
    const type = schemas.type(spec.schema);
    const records = Array.from({ length: EVENTS }, (_, i) => ({
        ...payload(i),
        envelope: { eventId: "6f1c1e1a-3b9e-4e0b-9a55-0d6f1a2b3c4d", eventType: "data.ingestion.completed", occurredAt: 1_700_000_000_000 + i, source: "bench", correlationId: null, causationId: null, traceId: null },
    }));
    const heapBefore = process.memoryUsage().heapUsed;
    const tPrepare = await best(3, () => {
        for (let i = 0; i < EVENTS; i++) {
            producer.prepare(TOPIC_KEY, "data.ingestion.completed", payload(i));
        }
    });
    const tAvro = await best(3, () => {
        for (const r of records) {
            type.toBuffer(r);
        }
    });
    const tValidate = await best(3, () => {
        for (const r of records) {
            type.isValid(r);
        }
    });
    const tJson = await best(3, () => {
        for (const r of records) {
            Buffer.from(JSON.stringify(r));
        }
    });
    const avroSize = type.toBuffer(records[0]).length;
    const jsonSize = Buffer.from(JSON.stringify(records[0])).length;
    console.log(`\n== in memory, ${EVENTS.toLocaleString("en-US")} DataIngestion events, best of 3 ==`);
    console.log(`library prepare (validate + encode + key + partition + headers): ${fmt(rate(EVENTS, tPrepare))}`);
    console.log(`avsc isValid alone:                                         ${fmt(rate(EVENTS, tValidate))}`);
    console.log(`avsc toBuffer alone:                                        ${fmt(rate(EVENTS, tAvro))}`);
    console.log(`JSON.stringify + Buffer.from:                               ${fmt(rate(EVENTS, tJson))}`);
    console.log(`avsc encode vs JSON.stringify: ${(tJson / tAvro).toFixed(2)}x as fast; size ${avroSize} B Avro vs ${jsonSize} B JSON per event`);
    console.log(`heap used: ${mb(heapBefore)} before, ${mb(process.memoryUsage().heapUsed)} after; rss ${mb(process.memoryUsage().rss)}`);
}

function brokerAddress(): { bootstrap: string; started: boolean } | undefined {
    if (process.env.KAFKA_BOOTSTRAP) {
        return { bootstrap: process.env.KAFKA_BOOTSTRAP, started: false };
    }
    const start = spawnSync("bash", [SCRIPT, "start"], { encoding: "utf8" });
    if (start.status !== 0) {
        console.log(`\n(broker part skipped: kafka.sh start failed)\n${start.stderr}`);
        return undefined;
    }
    const bootstrap = spawnSync("bash", [SCRIPT, "bootstrap"], { encoding: "utf8" }).stdout.trim();
    return { bootstrap, started: !start.stderr.includes("already running") };
}

async function onBroker(bootstrap: string): Promise<void> {
    const kafka = new Kafka({ brokers: [bootstrap], clientId: "bench", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `${PREFIX}${TOPIC_KEY}`;
    if (!(await admin.listTopics()).includes(topic)) {
        await admin.createTopics({ topics: [{ topic, numPartitions: spec.partitions, replicationFactor: 1 }], waitForLeaders: true });
    }

    const library = new EventProducer({
        source: "bench",
        topics: catalog,
        schemas,
        topicPrefix: PREFIX,
        maxBatchMessages: BATCH,
        maxBatchBytes: Number.MAX_SAFE_INTEGER,
        transport: new KafkaJsTransport({ brokers: [bootstrap], clientId: "bench-library", logger: () => undefined }),
    });
    await library.connect();
    // The raw client: same producer settings as KafkaJsTransport, messages encoded before the clock starts.
    const raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await raw.connect();
    const preEncoded: PreparedEvent[] = Array.from({ length: EVENTS }, (_, i) => library.prepare(TOPIC_KEY, "data.ingestion.completed", payload(i)));
    const rawBatches: Message[][] = [];
    for (let i = 0; i < EVENTS; i += BATCH) {
        rawBatches.push(preEncoded.slice(i, i + BATCH).map((p) => ({ key: p.message.key, value: p.message.value, headers: { ...p.message.headers }, partition: p.message.partition })));
    }

    const libraryBatch = (i: number): Promise<unknown> => {
        const events = [];
        for (let j = i; j < Math.min(i + BATCH, EVENTS); j++) {
            events.push({ eventType: "data.ingestion.completed" as const, payload: payload(j) });
        }
        return library.data.sendBatch(TOPIC_KEY, events);
    };
    const rawBatch = (i: number): Promise<unknown> => raw.sendBatch({ acks: -1, topicMessages: [{ topic, messages: rawBatches[i / BATCH] }] });
    /** Sends every batch keeping `outstanding` batches accepted but not yet acknowledged (1 = strictly one after the other). */
    const drive = async (send: (i: number) => Promise<unknown>, outstanding: number): Promise<void> => {
        const window: Promise<unknown>[] = [];
        for (let i = 0; i < EVENTS; i += BATCH) {
            window.push(send(i));
            if (window.length >= outstanding) {
                await window.shift();
            }
        }
        await Promise.all(window);
    };
    // Warm up both, then alternate so neither gets the quieter moment.
    await drive(libraryBatch, 1);
    await drive(rawBatch, 1);
    console.log(`\n== real broker ${bootstrap}, ${EVENTS.toLocaleString("en-US")} events in batches of ${BATCH}, acks=all, idempotent, one request in flight, best of 3 ==`);
    for (const outstanding of [1, 2]) {
        const libTimes: number[] = [];
        const rawTimes: number[] = [];
        for (let r = 0; r < 3; r++) {
            libTimes.push(await best(1, () => drive(libraryBatch, outstanding)));
            rawTimes.push(await best(1, () => drive(rawBatch, outstanding)));
        }
        const lib = rate(EVENTS, Math.min(...libTimes));
        const rawRate = rate(EVENTS, Math.min(...rawTimes));
        const mode = outstanding === 1 ? "each batch awaited before the next" : `${outstanding} batches outstanding (the next one is validated and encoded while one is in flight)`;
        console.log(`-- ${mode}`);
        console.log(`   library (validate + encode + send): ${fmt(lib)}`);
        console.log(`   raw kafkajs (pre-encoded buffers):  ${fmt(rawRate)}`);
        console.log(`   ratio library / raw: ${(lib / rawRate).toFixed(2)} (target >= 0.80)`);
    }
    console.log(`rss ${mb(process.memoryUsage().rss)}, heap used ${mb(process.memoryUsage().heapUsed)}`);

    await library.close();
    await raw.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
}

async function main(): Promise<void> {
    console.log(`node ${process.version}, ${require("os").cpus().length} CPU(s)`);
    await inMemory();
    if (NO_BROKER) {
        return;
    }
    const broker = brokerAddress();
    if (!broker) {
        return;
    }
    try {
        await onBroker(broker.bootstrap);
    } finally {
        if (broker.started) {
            spawnSync("bash", [SCRIPT, "stop"], { stdio: "inherit" });
        }
    }
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
