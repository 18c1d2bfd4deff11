/**
 * Producer benchmark (prints numbers; not a test). Side by side in one run:
 *   1. per event, in memory: the library's validate + encode (prepare, µs/event) vs avsc alone vs JSON.stringify;
 *   2. on a real broker, the same record size, acks=all, idempotence and compression (the topic family's):
 *      - the library (validate + encode + send): one request in flight (its default), and 2 (maxInFlightRequests: 2);
 *      - its raw client, @platformatic/kafka, with the same record bytes, in the same batches, with the same number
 *        of requests outstanding, two ways:
 *          "raw + encode": what an application must do to write the same bytes without the library, inside the
 *            clock: build the same record (payload + envelope with a fresh eventId and trace id) and Avro-encode it
 *            the way the library does (Object.assign, avsc encode into a reused buffer, one copy out: the cheapest
 *            way known, so the difference is the library's own work), the key, the murmur2 partition, the
 *            traceparent and fingerprint headers; no validation beyond what avsc's encoder checks;
 *          "raw, pre-encoded": the library's own prepared messages, encoded before the clock starts (the client's
 *            ceiling: no per-event work at all);
 *      - Apache Kafka's own org.apache.kafka.tools.ProducerPerformance (kafka-tools of the broker's release,
 *        from Maven Central through `kafka.sh fetch-tools`), with random payloads of that record size;
 *      events/s, MB/s and the ratios.
 *
 *   npx tsx scripts/bench-producer.ts [--events 50000] [--batch 1000] [--rounds 5] [--no-broker] [--no-java]
 *
 * The broker is KAFKA_BOOTSTRAP when set, else scripts/kafka/kafka.sh's (started if needed, stopped again if this
 * script started it). The benchmark writes to its own topic, bench.data-ingestion, and deletes it afterwards.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { ProduceAcks, Producer } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { loadTopicCatalog, producerCompression } from "../model/events";
import { DataIngestion } from "../producer/events";
import { PlatformaticTransport } from "../producer/platformatic";
import { randomUUID } from "crypto";
import { partitionForKey } from "../producer/partition";
import { EventProducer, HEADERS, PreparedEvent } from "../producer/producer";
import { formatTraceparent, newTraceContext, TRACEPARENT_HEADER } from "../producer/trace";
import { SchemaSet } from "../producer/schemas";
import { EventTransport, PartitionAck, TopicBatch, TopicMetadata } from "../producer/transport";

function arg(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = arg("events", 50_000);
const BATCH = arg("batch", 1000);
/** Rounds on the broker, sides alternating; the best of each side counts (the machine is shared: load moves numbers). */
const ROUNDS = arg("rounds", 5);
const NO_BROKER = process.argv.includes("--no-broker");
const NO_JAVA = process.argv.includes("--no-java");
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

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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
    async connect(topics: readonly string[]): Promise<ReadonlyMap<string, TopicMetadata>> {
        return new Map(topics.map((t) => [t, { partitions: spec.partitions }]));
    }
    async send(batches: readonly TopicBatch[]): Promise<PartitionAck[]> {
        return batches.map((b) => ({ topic: b.topic, partition: 0, baseOffset: "0" }));
    }
    async disconnect(): Promise<void> {}
}

async function inMemory(): Promise<void> {
    const producer = new EventProducer({ transport: new NullTransport(), source: "bench", topics: catalog, schemas, topicPrefix: PREFIX });
    await producer.connect();
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
    console.log(`library prepare (validate + encode + key + partition + headers): ${fmt(rate(EVENTS, tPrepare))} = ${((tPrepare * 1000) / EVENTS).toFixed(2)} µs/event`);
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

interface Result {
    readonly name: string;
    readonly eventsPerSecond: number;
    readonly bytesPerEvent: number;
}

function mbPerSecond(r: Result): string {
    return `${((r.eventsPerSecond * r.bytesPerEvent) / 1024 / 1024).toFixed(2)} MB/s`;
}

/** Sends every batch keeping `outstanding` batches accepted but not yet acknowledged (1 = strictly one after the other). */
async function drive(send: (i: number) => Promise<unknown>, outstanding: number): Promise<void> {
    const window: Promise<unknown>[] = [];
    for (let i = 0; i < EVENTS; i += BATCH) {
        window.push(send(i));
        if (window.length >= outstanding) {
            await window.shift();
        }
    }
    await Promise.all(window);
}

/**
 * Apache Kafka's ProducerPerformance, same record size, acks=all, idempotence and codec; best of two runs of 5× the
 * events (its rate is a whole-run average, JVM warm-up included).
 * Its summary line (ProducerPerformance.Stats.printTotal, kafka-tools 4.2.0): "N records sent, X records/sec (Y MB/sec), …".
 */
function javaProducerPerformance(bootstrap: string, topic: string, recordSize: number, codec: string): Result | string {
    const tools = spawnSync("bash", [SCRIPT, "fetch-tools"], { encoding: "utf8" });
    if (tools.status !== 0) {
        return `kafka.sh fetch-tools failed: ${tools.stderr.trim()}`;
    }
    let best = 0;
    for (let run = 0; run < 2; run++) {
        const r = spawnSync(
            "java",
            [
                "-Xmx512m",
                "-cp",
                tools.stdout.trim(),
                "org.apache.kafka.tools.ProducerPerformance",
                "--topic", topic,
                // Five times the events: the JVM's warm-up (class loading, JIT) would otherwise dominate a short run.
                "--num-records", String(5 * EVENTS),
                "--record-size", String(recordSize),
                "--throughput", "-1",
                "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=all", "enable.idempotence=true", `compression.type=${codec === "none" ? "none" : codec}`,
            ],
            { encoding: "utf8", timeout: 300_000 },
        );
        const lines = `${r.stdout}`.trim().split("\n");
        const m = /(\d+) records sent, ([\d.]+) records\/sec/.exec(lines[lines.length - 1] ?? "");
        if (r.status !== 0 || !m) {
            return `ProducerPerformance exited ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`;
        }
        best = Math.max(best, Number(m[2]));
    }
    return { name: "Java ProducerPerformance", eventsPerSecond: best, bytesPerEvent: recordSize };
}

async function onBroker(bootstrap: string): Promise<void> {
    const kafka = new Kafka({ brokers: [bootstrap], clientId: "bench", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    // Every catalog topic under the bench prefix (the library reads all of their metadata at connect).
    const codec = producerCompression(catalog, spec);
    const topics = catalog.topics.map((t) => `${PREFIX}${t.name}`);
    const javaTopic = `${PREFIX}java`;
    const existing = await admin.listTopics();
    await admin.createTopics({
        topics: [...catalog.topics.map((t) => ({ topic: `${PREFIX}${t.name}`, numPartitions: t.partitions })), { topic: javaTopic, numPartitions: spec.partitions }]
            .filter((t) => !existing.includes(t.topic))
            .map((t) => ({ ...t, replicationFactor: 1 })),
        waitForLeaders: true,
    });
    const topic = `${PREFIX}${TOPIC_KEY}`;

    const libraryWith = (maxInFlightRequests: number): EventProducer =>
        new EventProducer({
            source: "bench",
            topics: catalog,
            schemas,
            topicPrefix: PREFIX,
            maxBatchMessages: BATCH,
            maxBatchBytes: Number.MAX_SAFE_INTEGER,
            maxQueuedEvents: 4 * BATCH,
            maxInFlightRequests,
            transport: new PlatformaticTransport({ brokers: [bootstrap], clientId: `bench-library-${maxInFlightRequests}` }),
        });
    const library = libraryWith(1);
    const library2 = libraryWith(2);
    await library.connect();
    await library2.connect();
    // The raw client: the settings PlatformaticTransport uses, messages encoded before the clock starts.
    const raw = new Producer<Buffer, Buffer, string, string>({
        clientId: "bench-raw",
        bootstrapBrokers: [bootstrap],
        idempotent: true,
        acks: ProduceAcks.ALL,
        autocreateTopics: false,
        serializers: { headerKey: (k?: string) => (k === undefined ? undefined : Buffer.from(k)), headerValue: (v?: string) => (v === undefined ? undefined : Buffer.from(v)) },
    });
    const preEncoded: PreparedEvent[] = Array.from({ length: EVENTS }, (_, i) => library.prepare(TOPIC_KEY, "data.ingestion.completed", payload(i)));
    const rawBatches: { topic: string; key: Buffer; value: Buffer; headers: Record<string, string>; partition: number }[][] = [];
    for (let i = 0; i < EVENTS; i += BATCH) {
        rawBatches.push(preEncoded.slice(i, i + BATCH).map((p) => ({ topic, key: p.key, value: p.value, headers: { ...p.headers }, partition: p.partition })));
    }
    const recordSize = Math.round(preEncoded.reduce((n, p) => n + p.key.length + p.value.length, 0) / EVENTS);

    const libraryBatchOf =
        (producer: EventProducer) =>
        (i: number): Promise<unknown> => {
            const events = [];
            for (let j = i; j < Math.min(i + BATCH, EVENTS); j++) {
                events.push({ eventType: "data.ingestion.completed" as const, payload: payload(j) });
            }
            return producer.data.sendBatch(TOPIC_KEY, events);
        };
    const libraryBatch = libraryBatchOf(library);
    const library2Batch = libraryBatchOf(library2);
    const rawBatch = (i: number): Promise<unknown> => raw.send({ messages: rawBatches[i / BATCH], compression: codec });
    // The application's own work for the same bytes (see the header comment), then the raw client.
    const type = schemas.type(spec.schema);
    const fingerprint = `sha256:${schemas.currentVersion(spec.schema).fingerprint}`;
    const partitions = library.topicState(TOPIC_KEY)!.partitions;
    const scratch = Buffer.allocUnsafe(64 * 1024);
    const rawEncodeBatch = (i: number): Promise<unknown> => {
        const messages = [];
        for (let j = i; j < Math.min(i + BATCH, EVENTS); j++) {
            const p = payload(j);
            const trace = newTraceContext();
            const record = Object.assign({}, p, { envelope: { eventId: randomUUID(), eventType: "data.ingestion.completed", occurredAt: Date.now(), source: "bench", correlationId: null, causationId: null, traceId: trace.traceId } });
            const end = type.encode(record, scratch, 0); // 100 B records: the 64 KiB scratch buffer always fits
            const value = Buffer.allocUnsafe(end);
            scratch.copy(value, 0, 0, end);
            const key = Buffer.from(p.datasetId);
            messages.push({ topic, key, value, partition: partitionForKey(key, partitions), headers: { [TRACEPARENT_HEADER]: formatTraceparent(trace), [HEADERS.fingerprint]: fingerprint } });
        }
        return raw.send({ messages, compression: codec });
    };
    // Warm up every side, then alternate (in a rotating order) so none gets the quieter moment.
    for (const side of [libraryBatch, library2Batch, rawEncodeBatch, rawBatch]) {
        await drive(side, 1);
    }
    console.log(`\n== real broker ${bootstrap}: ${EVENTS.toLocaleString("en-US")} events of ${recordSize} B (key + value), acks=all, idempotent, ${codec}; best of ${ROUNDS} ==`);
    const java = NO_JAVA ? "skipped (--no-java)" : javaProducerPerformance(bootstrap, javaTopic, recordSize, codec);
    for (const outstanding of [1, 2]) {
        // Same number of requests outstanding on both sides: with 1 the library's in-flight limit does not matter.
        const sides: { name: string; send: (i: number) => Promise<unknown> }[] = [
            { name: "library, 1 in flight (default)", send: libraryBatch },
            ...(outstanding > 1 ? [{ name: `library, maxInFlightRequests ${outstanding}`, send: library2Batch }] : []),
            { name: "raw + encode (same bytes, no validation)", send: rawEncodeBatch },
            { name: "raw, pre-encoded (client ceiling)", send: rawBatch },
        ];
        const times = sides.map((): number[] => []);
        for (let r = 0; r < ROUNDS; r++) {
            // Each round starts with another side: the first side of a round runs while the broker still writes out
            // the previous round's last side (a fixed order put that cost on the library every round).
            for (let i = 0; i < sides.length; i++) {
                const k = (i + r) % sides.length;
                times[k][r] = await best(1, () => drive(sides[k].send, outstanding));
            }
        }
        const results: Result[] = sides.map((side, k) => ({ name: side.name, eventsPerSecond: rate(EVENTS, Math.min(...times[k])), bytesPerEvent: recordSize }));
        const libs = results.slice(0, outstanding > 1 ? 2 : 1);
        const rawEncode = results[results.length - 2];
        const rawResult = results[results.length - 1];
        const mode = outstanding === 1 ? `batches of ${BATCH}, each awaited before the next` : `batches of ${BATCH}, ${outstanding} outstanding (the next one is validated and encoded while one is in flight)`;
        console.log(`-- ${mode}`);
        for (const r of [...results, ...(typeof java === "string" ? [] : [java])]) {
            console.log(`   ${r.name.padEnd(44)} ${fmt(r.eventsPerSecond).padStart(20)}  ${mbPerSecond(r).padStart(10)}`);
        }
        libs.forEach((lib, k) => {
            const vsJava = typeof java === "string" ? "" : `; / Java ${(lib.eventsPerSecond / java.eventsPerSecond).toFixed(2)} (target >= 0.40)`;
            // Also the median of the rounds' own ratios (each round runs the sides back to back): steadier than best-of.
            const paired = median(times[k].map((ms, r) => times[sides.length - 2][r] / ms));
            console.log(
                `   ratio ${lib.name}: / raw + encode ${(lib.eventsPerSecond / rawEncode.eventsPerSecond).toFixed(2)} best-of, ${paired.toFixed(2)} median of rounds (target >= 0.90); ` +
                    `/ raw pre-encoded ${(lib.eventsPerSecond / rawResult.eventsPerSecond).toFixed(2)}${vsJava}`,
            );
        });
        console.log(typeof java === "string" ? `   Java ProducerPerformance: ${java}` : `   raw pre-encoded / Java ${(rawResult.eventsPerSecond / java.eventsPerSecond).toFixed(2)}`);
    }
    console.log(`rss ${mb(process.memoryUsage().rss)}, heap used ${mb(process.memoryUsage().heapUsed)}, load average ${require("os").loadavg().map((l: number) => l.toFixed(2)).join(" ")}`);

    await library.close(30_000);
    await library2.close(30_000);
    await raw.close();
    await admin.deleteTopics({ topics: [...topics, javaTopic] });
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
