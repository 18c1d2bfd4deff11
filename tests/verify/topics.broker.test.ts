import * as os from "node:os";
import * as path from "node:path";
import { Admin, ConfigResourceTypes } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { EventsModel } from "../../model/events";
import { topicsCheck } from "../../verify/checks";
import { eventsOutputs } from "../../components/events";
import { runCheck } from "../../verify/runner";
import { Broker, recreateTopics, useBroker } from "../events/broker";
import { DEV_EVENTS, parseEvents } from "../events/configs";
import { context } from "./support";

/**
 * The kafka-topics check through kafkajs against a real Apache Kafka 4.x broker, started with scripts/kafka/kafka.sh
 * like tests/events does (tests/events/broker.ts). This file runs its own broker on another port and state directory
 * (each vitest file is its own process, so the env change stays here): the events tests restart theirs mid-test and
 * recreate the catalog topics, which would race with this file. With KAFKA_BOOTSTRAP set, that broker is used instead;
 * topic names carry a prefix of their own either way.
 */
if (process.env.KAFKA_BOOTSTRAP === undefined) {
    process.env.KAFKA_PORT ??= "19192";
    process.env.KAFKA_STATE_DIR ??= path.join(os.tmpdir(), "254carbon-kafka-verify");
}

let broker: Broker | undefined;
let skipReason: string | undefined;
let admin: Admin;
let model: EventsModel;

/** Polls a condition on the broker's state (bounded), so the check judges a settled cluster. */
async function until(condition: () => Promise<boolean>, attempts = 100): Promise<void> {
    for (let i = 0; i < attempts; i++) {
        if (await condition()) return;
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("the broker did not reach the expected state");
}

useBroker({
    label: "verify kafka",
    clientId: "verify-tests",
    skipped: (reason) => (skipReason = reason),
    ready: async (session) => {
        ({ broker, admin } = session);
        model = parseEvents({ ...DEV_EVENTS, bootstrapServers: [broker.bootstrap], topicPrefix: `verify-${process.pid}.` });
        await recreateTopics(admin, model);
    },
    teardown: async (a) => {
        await a.deleteTopics({ topics: model.topics.map((t) => t.name), timeout: 30_000 });
    },
});

describe("kafka-topics check against a real broker", () => {
    it("passes when the catalog topics exist as the stack declares them", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const r = await runCheck(topicsCheck, context({ events: eventsOutputs(model) }, { kafkaTls: false }));
        expect(r.status, `${r.detail}\n${r.items.join("\n")}`).toBe("PASS");
        expect(r.items).toContain(`verify-${process.pid}.data-ingestion: 12 partitions × 1`);
    });

    it("fails on a changed config, a wrong partition count and a missing topic", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const prefix = `verify-${process.pid}.`;
        await admin.alterConfigs({
            validateOnly: false,
            resources: [{ type: ConfigResourceTypes.TOPIC, name: `${prefix}audit-api-calls`, configEntries: [{ name: "retention.ms", value: "3600000" }] }],
        });
        await admin.createPartitions({ topicPartitions: [{ topic: `${prefix}data-lineage`, count: 4 }] });
        await admin.deleteTopics({ topics: [`${prefix}config-changes`], timeout: 30_000 });
        // The controller acknowledged; wait until the broker's metadata shows all three changes before judging.
        await until(async () => {
            const topics = await admin.listTopics();
            const [lineage] = (await admin.fetchTopicMetadata({ topics: [`${prefix}data-lineage`] })).topics;
            const configs = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: `${prefix}audit-api-calls`, configNames: ["retention.ms"] }], includeSynonyms: false });
            return !topics.includes(`${prefix}config-changes`) && lineage.partitions.length === 4 && configs.resources[0].configEntries[0]?.configValue === "3600000";
        });
        const r = await runCheck(topicsCheck, context({ events: eventsOutputs(model) }, { kafkaTls: false }));
        expect(r.status).toBe("FAIL");
        // alterConfigs (non-incremental) replaces the topic's config set: the other keys are reported too.
        expect(r.items.find((i) => i.startsWith(`${prefix}audit-api-calls:`))).toContain("retention.ms=3600000, expected 2592000000");
        expect(r.items).toContain(`${prefix}data-lineage: 4 partitions, expected 3 (Kafka cannot shrink a topic: recreate it or raise the catalog's count)`);
        expect(r.items).toContain(`${prefix}config-changes: missing on the brokers`);
    });

    it("reports ERROR, not PASS, when no broker answers", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const r = await runCheck(topicsCheck, context({ events: { ...eventsOutputs(model), bootstrapServers: ["127.0.0.1:1"] } }, { kafkaTls: false }));
        expect(r.status).toBe("ERROR");
        expect(r.detail).toContain("cannot connect to Kafka at 127.0.0.1:1");
    });
});
