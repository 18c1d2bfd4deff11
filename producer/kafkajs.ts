import type { ConnectionOptions } from "tls";
import { CompressionTypes, Kafka, KafkaConfig, logCreator, LogEntry, logLevel, Producer, SASLOptions } from "kafkajs";
import type { SaslMechanism } from "../model/events";
import { EventTransport, PartitionAck, TopicBatch } from "./transport";

/** The kafkajs implementation of {@link EventTransport}. See producer/README.md for why kafkajs. */

export type TransportLogLevel = "error" | "warn" | "info" | "debug";
export type TransportLogger = (level: TransportLogLevel, message: string, fields: Record<string, unknown>) => void;

export interface KafkaJsTransportOptions {
    /** host:port list; for the platform's clusters, the `events.bootstrapServers` stack output. */
    readonly brokers: readonly string[];
    readonly clientId: string;
    /** true, or TLS options (CA, client certificate); false/absent = plaintext. */
    readonly ssl?: boolean | ConnectionOptions;
    readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
    /**
     * Retries of one request before its events fail (bounded: a caller learns about an outage instead of waiting
     * forever). With the defaults a request keeps retrying for about two minutes, long enough for a broker restart.
     */
    readonly retries?: number;
    readonly initialRetryTimeMs?: number;
    readonly maxRetryTimeMs?: number;
    /** Time the broker may take to acknowledge a produce request. */
    readonly ackTimeoutMs?: number;
    readonly connectionTimeoutMs?: number;
    readonly requestTimeoutMs?: number;
    readonly compression?: "none" | "gzip";
    /** Where kafkajs's own log lines go; default: warnings and errors to stderr as JSON. */
    readonly logger?: TransportLogger;
}

export const DEFAULT_RETRIES = 10;

/** kafkajs spells the SCRAM mechanisms with a dash (scram-sha-256); the model uses the Pulumi provider's spelling. */
export function kafkaJsSasl(sasl: NonNullable<KafkaJsTransportOptions["sasl"]>): SASLOptions {
    switch (sasl.mechanism) {
        case "plain":
            return { mechanism: "plain", username: sasl.username, password: sasl.password };
        case "scram-sha256":
            return { mechanism: "scram-sha-256", username: sasl.username, password: sasl.password };
        case "scram-sha512":
            return { mechanism: "scram-sha-512", username: sasl.username, password: sasl.password };
    }
}

const defaultLogger: TransportLogger = (level, message, fields) => {
    if (level === "error" || level === "warn") {
        process.stderr.write(`${JSON.stringify({ level, logger: "kafkajs", message, ...fields })}\n`);
    }
};

function toLogCreator(log: TransportLogger): logCreator {
    const names: Record<number, TransportLogLevel> = {
        [logLevel.ERROR]: "error",
        [logLevel.WARN]: "warn",
        [logLevel.INFO]: "info",
        [logLevel.DEBUG]: "debug",
    };
    return () =>
        ({ level, log: entry }: LogEntry) => {
            const { message, ...fields } = entry;
            // A bounded retry budget is deliberate (see `retries`); kafkajs warns about it on every producer.
            if (typeof message === "string" && message.startsWith("Limiting retries for the idempotent producer")) {
                return;
            }
            log(names[level] ?? "info", String(message), fields);
        };
}

export class KafkaJsTransport implements EventTransport {
    private readonly producer: Producer;
    private readonly ackTimeoutMs: number;
    private readonly compression: CompressionTypes;

    constructor(options: KafkaJsTransportOptions) {
        const retry = {
            retries: options.retries ?? DEFAULT_RETRIES,
            initialRetryTime: options.initialRetryTimeMs ?? 300,
            maxRetryTime: options.maxRetryTimeMs ?? 30_000,
        };
        const config: KafkaConfig = {
            brokers: [...options.brokers],
            clientId: options.clientId,
            ssl: options.ssl ?? false,
            sasl: options.sasl ? kafkaJsSasl(options.sasl) : undefined,
            connectionTimeout: options.connectionTimeoutMs ?? 3_000,
            requestTimeout: options.requestTimeoutMs ?? 30_000,
            retry,
            logLevel: logLevel.INFO,
            logCreator: toLogCreator(options.logger ?? defaultLogger),
        };
        this.producer = new Kafka(config).producer({
            // Exactly-once per partition within a producer session: the broker drops a retried batch it already has.
            idempotent: true,
            // kafkajs keeps idempotent sequence numbers correct only with one request in flight per connection.
            maxInFlightRequests: 1,
            // Topics come from the topic catalog through Pulumi; a typo must fail, not create a topic.
            allowAutoTopicCreation: false,
            retry,
        });
        this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
        this.compression = options.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
    }

    async connect(): Promise<void> {
        await this.producer.connect();
    }

    async send(batches: readonly TopicBatch[]): Promise<PartitionAck[]> {
        const result = await this.producer.sendBatch({
            acks: -1,
            timeout: this.ackTimeoutMs,
            compression: this.compression,
            topicMessages: batches.map((b) => ({
                topic: b.topic,
                messages: b.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers, partition: m.partition })),
            })),
        });
        return result.map((r) => ({ topic: r.topicName, partition: r.partition, baseOffset: String(r.baseOffset ?? r.offset ?? "-1") }));
    }

    async disconnect(): Promise<void> {
        await this.producer.disconnect();
    }
}
