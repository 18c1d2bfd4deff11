import { describe, expect, it } from "vitest";
import { loadTopicCatalog } from "../../model/events";
import { topicsCheck } from "../../verify/checks";
import type { KafkaConnectionSpec, TopicAdmin, TopicDescription } from "../../verify/kafka";
import { runCheck } from "../../verify/runner";
import { context } from "./support";

interface FakeTopic {
    partitions: number;
    replicas: number;
    config: Record<string, string>;
    leaderless?: number[];
}

/** An in-memory cluster behind the TopicAdmin interface (what kafkajs' Metadata and DescribeConfigs return, reduced). */
function fakeAdmin(topics: Record<string, FakeTopic>, log: { connected?: KafkaConnectionSpec; closed?: boolean } = {}): (spec: KafkaConnectionSpec) => Promise<TopicAdmin> {
    return async (spec) => {
        log.connected = spec;
        return {
            listTopics: async () => ["__consumer_offsets", ...Object.keys(topics)],
            describeTopics: async (names): Promise<TopicDescription[]> =>
                names.map((name) => {
                    const t = topics[name];
                    const replicas = Array.from({ length: t.replicas }, (_, i) => i + 1);
                    return {
                        name,
                        partitions: Array.from({ length: t.partitions }, (_, p) => ({ partition: p, leader: t.leaderless?.includes(p) ? -1 : 1, replicas, isr: replicas })),
                    };
                }),
            describeTopicConfigs: async (names) => Object.fromEntries(names.map((n) => [n, { "segment.bytes": "1073741824", ...topics[n].config }])),
            close: async () => {
                log.closed = true;
            },
        };
    };
}

const catalog = loadTopicCatalog();

/** The `events` output as the component would export it, resolved for a stack (prod-like: RF 3, min ISR 2). */
function eventsOutputs(bootstrap: string[] = ["kafka-0.data-platform.svc:9093"]): Record<string, unknown> {
    return {
        bootstrapServers: bootstrap,
        tlsEnabled: true,
        replicationFactor: 3,
        minInsyncReplicas: 2,
        topics: Object.fromEntries(
            catalog.topics.map((t) => [
                t.name,
                {
                    name: t.name,
                    partitions: t.partitions,
                    replicationFactor: 3,
                    config: { ...catalog.families[t.family].config, "cleanup.policy": "delete", "min.insync.replicas": "2", "retention.ms": String(catalog.families[t.family].retentionMs) },
                },
            ]),
        ),
    };
}

function clusterMatching(outputs: Record<string, unknown>): Record<string, FakeTopic> {
    const topics = outputs.topics as Record<string, { name: string; partitions: number; replicationFactor: number; config: Record<string, string> }>;
    return Object.fromEntries(Object.values(topics).map((t) => [t.name, { partitions: t.partitions, replicas: t.replicationFactor, config: { ...t.config } }]));
}

describe("kafka-topics check (fake admin)", () => {
    it("passes when every catalog topic exists with its partitions, replication and config; connects as the outputs say", async () => {
        const outputs = eventsOutputs();
        const log: { connected?: KafkaConnectionSpec; closed?: boolean } = {};
        const r = await runCheck(topicsCheck, context({ events: outputs }, {}, fakeAdmin(clusterMatching(outputs), log)));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain(`all ${catalog.topics.length} catalog topics exist`);
        expect(r.items).toContain("data-ingestion: 12 partitions × 3");
        expect(log.connected).toMatchObject({ brokers: ["kafka-0.data-platform.svc:9093"], tls: true });
        expect(log.closed).toBe(true);
    });

    it("fails on a missing topic, a wrong partition count, a wrong config value and an offline partition", async () => {
        const outputs = eventsOutputs();
        const cluster = clusterMatching(outputs);
        delete cluster["audit-admin-operations"];
        cluster["data-quality"].partitions = 3;
        cluster["audit-user-actions"].config["retention.ms"] = "604800000";
        cluster["system-health"].leaderless = [2];
        const r = await runCheck(topicsCheck, context({ events: outputs }, {}, fakeAdmin(cluster)));
        expect(r.status).toBe("FAIL");
        expect(r.items).toEqual(
            expect.arrayContaining([
                "audit-admin-operations: missing on the brokers",
                "data-quality: 3 partitions, expected 6",
                "audit-user-actions: retention.ms=604800000, expected 31536000000",
                "system-health: partition(s) 2 have no leader",
            ]),
        );
    });

    it("fails on a replication factor below the stack's", async () => {
        const outputs = eventsOutputs();
        const cluster = clusterMatching(outputs);
        cluster["config-changes"].replicas = 1;
        const r = await runCheck(topicsCheck, context({ events: outputs }, {}, fakeAdmin(cluster)));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toContain("config-changes: replication factor 1, expected 3");
    });

    it("falls back to the topic catalog when the outputs carry only names", async () => {
        const outputs = { bootstrapServers: ["127.0.0.1:19092"], tlsEnabled: false, topicNames: Object.fromEntries(catalog.topics.map((t) => [t.name, `dev.${t.name}`])) };
        const cluster: Record<string, FakeTopic> = Object.fromEntries(
            catalog.topics.map((t): [string, FakeTopic] => [`dev.${t.name}`, { partitions: t.partitions, replicas: 1, config: { ...catalog.families[t.family].config, "cleanup.policy": "delete" } }]),
        );
        const ok = await runCheck(topicsCheck, context({ events: outputs }, {}, fakeAdmin(cluster)));
        expect(ok.status).toBe("PASS");
        expect(ok.items[0]).toContain("retention not compared");
        cluster["dev.audit-api-calls"].config["unclean.leader.election.enable"] = "true";
        const bad = await runCheck(topicsCheck, context({ events: outputs }, {}, fakeAdmin(cluster)));
        expect(bad.status).toBe("FAIL");
        expect(bad.items[0]).toBe("dev.audit-api-calls: unclean.leader.election.enable=true, expected false");
    });

    it("reports ERROR when the brokers cannot be reached, and when SASL is needed without a password", async () => {
        const unreachable = async (): Promise<TopicAdmin> => {
            throw new Error("Connection error: connect ECONNREFUSED 127.0.0.1:9093");
        };
        const r = await runCheck(topicsCheck, context({ events: eventsOutputs() }, {}, unreachable));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("cannot connect to Kafka at kafka-0.data-platform.svc:9093 (TLS on)");
        const sasl = await runCheck(topicsCheck, context({ events: { ...eventsOutputs(), sasl: { mechanism: "scram-sha512", username: "platform" } } }, {}, fakeAdmin({})));
        expect(sasl.status).toBe("ERROR");
        expect(sasl.detail).toContain("KAFKA_SASL_PASSWORD is not set");
    });

    it("is not applicable without an events output", async () => {
        expect((await runCheck(topicsCheck, context({}))).status).toBe("SKIP");
    });
});
