/**
 * The one seam between the event library and a Kafka client. Everything else (validation, encoding, routing,
 * partitioning, trace headers, batching, shutdown) lives in the library, so replacing kafkajs means writing one
 * class that implements this interface (e.g. on @confluentinc/kafka-javascript or @platformatic/kafka).
 */

export interface OutgoingMessage {
    readonly key: Buffer;
    readonly value: Buffer;
    readonly headers: Readonly<Record<string, string>>;
    /** Chosen by the library (murmur2 of the key, Java-compatible); transports must not re-partition. */
    readonly partition: number;
}

export interface TopicBatch {
    /** Name in Kafka (stack prefix applied). */
    readonly topic: string;
    readonly messages: readonly OutgoingMessage[];
}

/** What the broker acknowledged for one topic-partition of a request. */
export interface PartitionAck {
    readonly topic: string;
    readonly partition: number;
    /** Offset of the first message of this request on that partition (a decimal string: offsets are int64). */
    readonly baseOffset: string;
}

export interface EventTransport {
    connect(): Promise<void>;
    /**
     * Sends every batch in one request round and resolves once the broker acknowledged all of them with acks=all
     * (idempotently: a retried request is not written twice), or rejects after bounded retries. It is called with at
     * most one send in flight, so per-partition order is the order of the messages.
     */
    send(batches: readonly TopicBatch[]): Promise<PartitionAck[]>;
    /** Closes connections. The library flushes before calling it. */
    disconnect(): Promise<void>;
}
