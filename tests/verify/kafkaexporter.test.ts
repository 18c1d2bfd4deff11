import { afterEach, describe, expect, it } from "vitest";
import { kafkaExporterCheck } from "../../verify/checks";
import { runCheck } from "../../verify/runner";
import { loadTopicCatalog } from "../../model/events";
import { FakeServer, context, promVector, startServer } from "./support";

const servers: FakeServer[] = [];
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

const TOPICS = loadTopicCatalog().topics.map((t) => t.name);

/** A Prometheus answering /api/v1/query by what the expression reads. */
async function prometheus(state: { up: number[]; topics: readonly string[]; underReplicated?: boolean; job?: string }): Promise<FakeServer> {
    const job = state.job ?? "kafka-exporter";
    const s = await startServer((req) => {
        const url = new URL(req.url, "http://x");
        if (url.pathname !== "/api/v1/query") return undefined;
        const q = url.searchParams.get("query") ?? "";
        const forJob = q.includes(`job="${job}"`);
        if (q.startsWith("up{")) return { body: promVector(forJob ? state.up.map((v, i) => ({ metric: { job, instance: `10.0.0.${i + 1}:9308` }, value: v })) : []) };
        if (q.startsWith("sum by (topic)")) return { body: promVector(forJob ? state.topics.map((topic) => ({ metric: { topic }, value: 100 })) : []) };
        if (q.includes("under_replicated")) return { body: promVector(forJob && state.underReplicated !== false ? [{ metric: {}, value: 36 }] : []) };
        if (q.includes("consumergroup_lag")) return { body: promVector(forJob ? [{ metric: {}, value: 2 }] : []) };
        return { status: 400, body: { status: "error", errorType: "bad_data", error: `unexpected query ${q}` } };
    });
    servers.push(s);
    return s;
}

describe("kafka-exporter check", () => {
    it("passes when the named job is up and reports every platform topic", async () => {
        const p = await prometheus({ up: [1], topics: TOPICS });
        const r = await runCheck(kafkaExporterCheck, context({ observability: { dashboards: {}, kafkaExporterJob: "kafka-exporter" } }, { prometheusUrl: p.url }));
        expect(r.status, r.detail).toBe("PASS");
        expect(r.detail).toBe(`job="kafka-exporter": 1 target(s) up, offsets for all ${TOPICS.length} platform topics, under-replicated gauge present, 2 consumer group(s) with lag series`);
    });

    it("FAILS when nothing in Prometheus carries the job (a wrong name, or no exporter at all)", async () => {
        const p = await prometheus({ up: [1], topics: TOPICS, job: "strimzi-kafka-exporter" });
        const r = await runCheck(kafkaExporterCheck, context({ observability: { dashboards: {} } }, { prometheusUrl: p.url, kafkaExporterJob: "kafka-exporter" }));
        expect(r.status).toBe("FAIL");
        expect(r.detail).toContain('Prometheus has no target with job="kafka-exporter"');
    });

    it("FAILS when a target is down, or topics or the under-replicated gauge are missing", async () => {
        const down = await prometheus({ up: [1, 0], topics: TOPICS });
        expect((await runCheck(kafkaExporterCheck, context({}, { prometheusUrl: down.url, kafkaExporterJob: "kafka-exporter" }))).detail).toContain("1 of 2 target(s)");
        const partial = await prometheus({ up: [1], topics: TOPICS.slice(1) });
        const r = await runCheck(kafkaExporterCheck, context({}, { prometheusUrl: partial.url, kafkaExporterJob: "kafka-exporter" }));
        expect(r.status).toBe("FAIL");
        expect(r.items).toEqual([`no kafka_topic_partition_current_offset{topic="${TOPICS[0]}"}`]);
        const noGauge = await prometheus({ up: [1], topics: TOPICS, underReplicated: false });
        expect((await runCheck(kafkaExporterCheck, context({}, { prometheusUrl: noGauge.url, kafkaExporterJob: "kafka-exporter" }))).detail).toContain("kafka_topic_partition_under_replicated_partition");
    });

    it("does not apply when the stack names no exporter", async () => {
        expect((await runCheck(kafkaExporterCheck, context({}))).status).toBe("SKIP");
    });
});
