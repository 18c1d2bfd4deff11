import type { ConnectionOptions } from "tls";
import { type MessageToProduce, ProduceAcks, Producer, type SASLOptions } from "@platformatic/kafka";
import type { SaslMechanism } from "../model/events";
import { groupBy } from "./group";
import { EventTransport, PartitionAck, SendOutcome, TopicBatch, TopicMetadata, TransportSendError } from "./transport";

/**
 * The @platformatic/kafka implementation of {@link EventTransport} (why this client: producer/README.md).
 *
 * The property the library relies on: after a produce that failed, @platformatic/kafka 2.12.1 drops its idempotent
 * producer state (`#producerInfo = undefined; #sequences.clear()` in dist/clients/producer/producer.js, the error
 * branch of `#performSend`), so the next send runs InitProducerId and starts a fresh producer id at sequence 0. The
 * broker can therefore never take a later event for a duplicate of an unacknowledged one — the phantom delivery
 * kafkajs 2.2.4 produced. tests/events/faults.integration.test.ts proves it on a real broker.
 */

export interface PlatformaticTransportOptions {
    /** host:port list; for the platform's clusters, the `events.bootstrapServers` stack output. */
    readonly brokers: readonly string[];
    readonly clientId: string;
    /** true, or TLS options (the broker's CA as `ca`, a client certificate); false/absent = plaintext. */
    readonly ssl?: boolean | ConnectionOptions;
    readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
    /**
     * Retries of one request before its events fail (bounded: a caller learns about an outage instead of waiting
     * forever). With the defaults a request keeps retrying for about a minute, long enough for a broker restart.
     */
    readonly retries?: number;
    readonly initialRetryTimeMs?: number;
    readonly maxRetryTimeMs?: number;
    /** Time the broker may take to replicate a produce request (acks=all), sent in the request. */
    readonly ackTimeoutMs?: number;
    readonly connectionTimeoutMs?: number;
    /** Time without an answer after which a request counts as lost (then retried). */
    readonly requestTimeoutMs?: number;
    /** connect() gives up after this long without topic metadata (default 30 s). */
    readonly connectDeadlineMs?: number;
}

export const DEFAULT_RETRIES = 10;

const SASL_NAMES: Record<SaslMechanism, SASLOptions["mechanism"]> = {
    plain: "PLAIN",
    "scram-sha256": "SCRAM-SHA-256",
    "scram-sha512": "SCRAM-SHA-512",
};

interface ErrorLike {
    readonly code?: unknown;
    readonly apiId?: unknown;
    readonly errors?: unknown;
    readonly cause?: unknown;
    readonly message?: unknown;
}

/** Every error of a (nested) MultipleErrors chain, leaves only. */
function leafErrors(error: unknown, out: ErrorLike[] = [], depth = 0): ErrorLike[] {
    if (error === null || typeof error !== "object" || depth > 8) {
        return out;
    }
    const e = error as ErrorLike;
    if (Array.isArray(e.errors) && e.errors.length > 0) {
        e.errors.forEach((inner) => leafErrors(inner, out, depth + 1));
    } else if (e.cause !== undefined && e.apiId === undefined) {
        leafErrors(e.cause, out, depth + 1);
        out.push(e);
    } else {
        out.push(e);
    }
    return out;
}

/** `failed` only when every attempt got an answer from the broker; any timeout or lost connection makes it `unknown`. */
export function classifySendError(error: unknown): { outcome: SendOutcome; brokerErrors: string[] } {
    const leaves = leafErrors(error);
    const brokerErrors = [...new Set(leaves.map((l) => l.apiId).filter((id): id is string => typeof id === "string"))];
    const unanswered = leaves.some((l) => l.apiId === undefined && l.code !== "PLT_KFK_USER");
    return { outcome: unanswered || brokerErrors.length === 0 ? "unknown" : "failed", brokerErrors };
}

function describe(error: unknown): string {
    const leaves = leafErrors(error);
    const messages = [...new Set(leaves.map((l) => (typeof l.apiId === "string" ? l.apiId : String(l.message ?? l.code ?? "error"))))];
    return messages.join("; ");
}

type ClientMessage = MessageToProduce<Buffer, Buffer, string, string>;

/**
 * The client's messages for one request. The library's messages already carry their batch's topic, so a request of
 * one batch is handed over as it is, with no copy of the array or of any message (the client reads only key, value,
 * headers, topic, partition, timestamp and metadata of each, and `messageSchema` in its dist/protocol/records.js,
 * 2.12.1, allows additional properties).
 */
function clientMessages(group: readonly TopicBatch[]): ClientMessage[] {
    if (group.length === 1 && group[0].messages.every((m) => m.topic === group[0].topic)) {
        // Not written to by the client (its producer.js builds records of its own).
        return group[0].messages as ClientMessage[];
    }
    const messages: ClientMessage[] = [];
    for (const b of group) {
        for (const m of b.messages) {
            messages.push(m.topic === b.topic ? (m as ClientMessage) : { topic: b.topic, partition: m.partition, key: m.key, value: m.value, headers: m.headers });
        }
    }
    return messages;
}

export class PlatformaticTransport implements EventTransport {
    private readonly producer: Producer<Buffer, Buffer, string, string>;
    private readonly brokers: readonly string[];
    private readonly username: string | undefined;
    private readonly connectDeadlineMs: number;

    constructor(options: PlatformaticTransportOptions) {
        this.brokers = options.brokers;
        this.username = options.sasl?.username;
        this.connectDeadlineMs = options.connectDeadlineMs ?? 30_000;
        const initial = options.initialRetryTimeMs ?? 300;
        const max = options.maxRetryTimeMs ?? 10_000;
        const tls = options.ssl === true ? {} : options.ssl === false ? undefined : options.ssl;
        this.producer = new Producer<Buffer, Buffer, string, string>({
            clientId: options.clientId,
            bootstrapBrokers: [...options.brokers],
            ...(tls !== undefined ? { tls } : {}),
            ...(options.sasl !== undefined ? { sasl: { mechanism: SASL_NAMES[options.sasl.mechanism], username: options.sasl.username, password: options.sasl.password } } : {}),
            // Exactly once per partition within a producer id: the broker drops a retried batch it already has.
            idempotent: true,
            acks: ProduceAcks.ALL,
            // Topics come from the topic catalog through Pulumi; a typo must fail, not create a topic.
            autocreateTopics: false,
            retries: options.retries ?? DEFAULT_RETRIES,
            // Exponential back-off, capped.
            retryDelay: (_client: unknown, _op: string, attempt: number) => Math.min(max, initial * 2 ** Math.max(0, attempt - 1)),
            timeout: options.ackTimeoutMs ?? 30_000,
            connectTimeout: options.connectionTimeoutMs ?? 3_000,
            requestTimeout: options.requestTimeoutMs ?? 10_000,
            // Header keys and values are strings; the library encodes key and value itself.
            serializers: { headerKey: (k?: string) => (k === undefined ? undefined : Buffer.from(k)), headerValue: (v?: string) => (v === undefined ? undefined : Buffer.from(v)) },
        });
    }

    async connect(topics: readonly string[]): Promise<ReadonlyMap<string, TopicMetadata>> {
        let metadata;
        // Bounded: with idempotence on, @platformatic/kafka 2.12.1's metadata() never settles when SASL authentication
        // fails (measured against the SCRAM broker of tests/events/access.broker.test.ts), so connect() gives up itself.
        let failedConnections = 0;
        const onFailed = (): void => void failedConnections++;
        this.producer.on("client:broker:failed", onFailed);
        let timer: NodeJS.Timeout | undefined;
        try {
            metadata = await Promise.race([
                this.producer.metadata({ topics: [...topics], autocreateTopics: false }),
                new Promise<never>((_, reject) => {
                    timer = setTimeout(
                        () =>
                            reject(
                                new Error(
                                    `no answer within ${this.connectDeadlineMs} ms (${failedConnections} failed connection attempt(s)): the brokers are unreachable, ` +
                                        `or they refused this client's TLS or SASL credentials${this.username === undefined ? "" : ` (user ${this.username})`}`,
                                ),
                            ),
                        this.connectDeadlineMs,
                    );
                }),
            ]);
        } catch (e) {
            throw new Error(`cannot read the metadata of topics ${topics.join(", ")} from ${this.brokers.join(",")}: ${describe(e)}`, { cause: e });
        } finally {
            clearTimeout(timer);
            this.producer.removeListener("client:broker:failed", onFailed);
        }
        const out = new Map<string, TopicMetadata>();
        const missing: string[] = [];
        for (const t of topics) {
            const m = metadata.topics.get(t);
            if (m === undefined) {
                missing.push(t);
            } else {
                out.set(t, { partitions: m.partitionsCount });
            }
        }
        if (missing.length > 0) {
            throw new Error(`the cluster has no topic ${missing.join(", ")}: create it through the Pulumi program (catalog/topics.json), or check the topicPrefix`);
        }
        return out;
    }

    async send(batches: readonly TopicBatch[]): Promise<PartitionAck[]> {
        // Compression is per request in this client: one request per codec, one after the other.
        const byCodec = groupBy(batches, (b) => b.compression);
        const acks: PartitionAck[] = [];
        for (const [codec, group] of byCodec) {
            const messages = clientMessages(group);
            let result;
            try {
                result = await this.producer.send({ messages, compression: codec as TopicBatch["compression"] });
            } catch (e) {
                const { outcome, brokerErrors } = classifySendError(e);
                throw new TransportSendError(`produce to ${group.map((b) => b.topic).join(", ")} ${outcome === "failed" ? "failed" : "ended without an answer"}: ${describe(e)}`, outcome, brokerErrors, acks, e);
            }
            for (const o of result.offsets ?? []) {
                acks.push({ topic: o.topic, partition: o.partition, baseOffset: String(o.offset) });
            }
        }
        return acks;
    }

    /** The idempotent producer id in use (undefined before the first send and after a failed one). */
    get producerId(): bigint | undefined {
        return this.producer.producerId;
    }

    async disconnect(force: boolean): Promise<void> {
        await this.producer.close(force);
    }
}
