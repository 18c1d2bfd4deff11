/**
 * The one seam between the event library and a Kafka client. Everything else (validation, encoding, routing,
 * partitioning, trace headers, batching, bounds, shutdown) lives in the library; `producer/platformatic.ts` is the
 * implementation (see producer/README.md for why that client).
 */

import type { CompressionCodec } from "../model/events";

export { COMPRESSION_CODECS, type CompressionCodec } from "../model/events";

export interface OutgoingMessage {
    /** When set, the Kafka name of its batch's topic: the transport can then hand the message to the client as it is. */
    readonly topic?: string;
    readonly key: Buffer;
    readonly value: Buffer;
    readonly headers: Readonly<Record<string, string>>;
    /** Chosen by the library (murmur2 of the key over the topic's partition count from metadata); transports must not re-partition. */
    readonly partition: number;
}

export interface TopicBatch {
    /** Name in Kafka (stack prefix applied). */
    readonly topic: string;
    readonly compression: CompressionCodec;
    readonly messages: readonly OutgoingMessage[];
}

/** What the broker acknowledged for one topic-partition of a request. */
export interface PartitionAck {
    readonly topic: string;
    readonly partition: number;
    /** Offset of the first message of this request on that partition (a decimal string: offsets are int64). */
    readonly baseOffset: string;
}

/** What the cluster's metadata says about a topic. */
export interface TopicMetadata {
    readonly partitions: number;
}

/**
 * Why a send failed. `failed`: every attempt got an error answer from the broker, so nothing was written.
 * `unknown`: at least one attempt got no answer (timeout, lost connection): the broker may have written the events;
 * a re-send with the same `eventId` is safe because consumers deduplicate on `envelope.eventId`.
 */
export type SendOutcome = "failed" | "unknown";

export class TransportSendError extends Error {
    constructor(
        message: string,
        readonly outcome: SendOutcome,
        /** Kafka error names the broker answered with (e.g. TOPIC_AUTHORIZATION_FAILED). */
        readonly brokerErrors: readonly string[],
        /** Partitions of this send that were acknowledged before the failure (their events were written). */
        readonly acknowledged: readonly PartitionAck[] = [],
        readonly cause?: unknown,
    ) {
        super(message);
        this.name = "TransportSendError";
    }
}

export interface EventTransport {
    /** Connects and returns the metadata of `topics` (Kafka names); a topic the cluster does not have is an error. */
    connect(topics: readonly string[]): Promise<ReadonlyMap<string, TopicMetadata>>;
    /**
     * Sends every batch and resolves once the broker acknowledged all of them with acks=all (idempotently: a retried
     * request is not written twice), or rejects with a {@link TransportSendError} after bounded retries. After a
     * rejection the next send must not reuse the producer id's sequence state (a fresh producer id), so a later
     * send can never be mistaken by the broker for a duplicate of an unacknowledged one. Called with at most one
     * send in flight, so per-partition order is the order of the messages.
     */
    send(batches: readonly TopicBatch[]): Promise<PartitionAck[]>;
    /** Closes connections. `force`: abandon requests in flight and pending retries now. */
    disconnect(force: boolean): Promise<void>;
}
