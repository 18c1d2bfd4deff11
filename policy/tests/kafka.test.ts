import { describe, expect, it } from "vitest";
import { prodKafkaTopicDurability, TOPIC_TYPE } from "../rules/kafka";
import { ResourceInput, RunOptions, runResourcePolicy } from "./support/policy";

const PROD = { config: { environment: "prod" } };

function topic(props: Record<string, unknown>, protect = true): ResourceInput {
    return { type: TOPIC_TYPE, name: "events-data-ingestion", protect, props: { name: "data-ingestion", partitions: 6, replicationFactor: 3, config: { "min.insync.replicas": "2", "retention.ms": "604800000" }, ...props } };
}
async function violations(input: ResourceInput, run: RunOptions = PROD): Promise<string[]> {
    return (await runResourcePolicy(prodKafkaTopicDurability, input, run)).violations;
}

describe("prod-kafka-topic-durability", () => {
    it("passes a replicated, protected production topic (config values as strings, as @pulumi/kafka takes them, or numbers)", async () => {
        expect(await violations(topic({}))).toEqual([]);
        expect(await violations(topic({ replicationFactor: 5, config: { "min.insync.replicas": 3 } }))).toEqual([]);
    });

    it("rejects replicationFactor below 3", async () => {
        expect(await violations(topic({ replicationFactor: 1 }))).toEqual([
            "Kafka topic data-ingestion: replicationFactor is 1; production requires at least 3 (events.replicationFactor in Pulumi.<stack>.yaml).",
        ]);
    });

    it("rejects min.insync.replicas below 2 or unset (broker default 1)", async () => {
        expect(await violations(topic({ config: { "min.insync.replicas": "1" } }))).toEqual([expect.stringContaining("config min.insync.replicas is 1; production requires at least 2")]);
        expect(await violations(topic({ config: {} }))).toEqual([expect.stringContaining("config min.insync.replicas is not set (broker default 1)")]);
        expect(await violations(topic({ config: undefined }))).toHaveLength(1);
        expect(await violations(topic({ config: { "min.insync.replicas": "two" } }))).toHaveLength(1);
    });

    it("rejects a production topic without protect (resource option, visible to validateResource as opts.protect)", async () => {
        expect(await violations(topic({}, false))).toEqual([expect.stringContaining("Kafka topic data-ingestion: not protected; production topics carry protect: true")]);
    });

    it("reports every problem of a dev-shaped topic in production", async () => {
        expect(await violations(topic({ replicationFactor: 1, config: { "min.insync.replicas": "1" } }, false))).toHaveLength(3);
    });

    it("is not applicable outside production, and takes its thresholds from config", async () => {
        const dev = await runResourcePolicy(prodKafkaTopicDurability, topic({ replicationFactor: 1 }, false), { config: { environment: "dev" } });
        expect(dev).toMatchObject({ violations: [], notApplicable: expect.stringContaining("not a production stack") });
        const byName = await runResourcePolicy(prodKafkaTopicDurability, { ...topic({ replicationFactor: 1 }), stack: "dev" });
        expect(byName.notApplicable).toContain('stack "dev" does not match');
        expect(await violations(topic({}), { config: { environment: "prod", minReplicationFactor: 5, minInsyncReplicas: 3 } })).toHaveLength(2);
    });

    it("ignores other resource types", async () => {
        expect(await violations({ type: "kubernetes:core/v1:ConfigMap", props: { replicationFactor: 1 } })).toEqual([]);
    });
});
