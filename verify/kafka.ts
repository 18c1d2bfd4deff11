/**
 * The little the topic check needs from a Kafka admin client, behind an interface so the check can be tested with a
 * fake and run for real through kafkajs (the client the producer library already uses).
 *
 * kafkajs admin calls used: listTopics (Metadata), fetchTopicMetadata (Metadata for named topics: partitionId,
 * leader, replicas, isr), describeConfigs with resourceType TOPIC (DescribeConfigs: configName/configValue per entry).
 */
import type { ConnectionOptions } from "node:tls";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import type { SaslMechanism } from "../model/events";
import { kafkaJsSasl } from "../producer/kafkajs";

export interface PartitionDescription {
    readonly partition: number;
    /** Broker id of the leader; -1 when the partition has none (offline). */
    readonly leader: number;
    readonly replicas: readonly number[];
    readonly isr: readonly number[];
}

export interface TopicDescription {
    readonly name: string;
    readonly partitions: readonly PartitionDescription[];
}

export interface TopicAdmin {
    /** Names of every topic on the cluster. */
    listTopics(): Promise<string[]>;
    /** Partitions of the named (existing) topics. */
    describeTopics(names: readonly string[]): Promise<TopicDescription[]>;
    /** Effective configs (name → value) of the named (existing) topics. */
    describeTopicConfigs(names: readonly string[]): Promise<Record<string, Record<string, string>>>;
    close(): Promise<void>;
}

export interface KafkaConnectionSpec {
    readonly brokers: readonly string[];
    readonly tls: boolean | ConnectionOptions;
    readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
    readonly timeoutMs: number;
}

/** A kafkajs admin behind {@link TopicAdmin}; connection failures reject (the check reports them as "could not run"). */
export async function connectKafkaJsAdmin(spec: KafkaConnectionSpec): Promise<TopicAdmin> {
    const kafka = new Kafka({
        clientId: "254carbon-verify",
        brokers: [...spec.brokers],
        ssl: spec.tls,
        ...(spec.sasl !== undefined ? { sasl: kafkaJsSasl(spec.sasl) } : {}),
        connectionTimeout: Math.min(spec.timeoutMs, 10_000),
        requestTimeout: spec.timeoutMs,
        // Fail fast: an unreachable cluster is reported, not waited for.
        retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
        logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    return {
        listTopics: () => admin.listTopics(),
        async describeTopics(names) {
            if (names.length === 0) return [];
            const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
            return topics.map((t) => ({
                name: t.name,
                partitions: t.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr })),
            }));
        },
        async describeTopicConfigs(names) {
            if (names.length === 0) return {};
            const res = await admin.describeConfigs({ resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })), includeSynonyms: false });
            const out: Record<string, Record<string, string>> = {};
            for (const r of res.resources) {
                if (r.errorCode !== 0) {
                    throw new Error(`DescribeConfigs for topic ${r.resourceName} failed: error ${r.errorCode} ${r.errorMessage ?? ""}`.trim());
                }
                out[r.resourceName] = Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]));
            }
            return out;
        },
        close: () => admin.disconnect(),
    };
}
