import { DEFAULT_KAFKA_EXPORTER_METRICS } from "../../model/observability";
import { anyOf, sel, sumBy } from "../../components/observability/promql";
import { Check, VerifyContext } from "../context";
import { prometheusBase, query } from "../prometheus";
import { Outcome, fail, pass, skip } from "../result";
import { expectedTopics } from "./topics";

/**
 * The Kafka exporter the stack names is really there: Prometheus has `up == 1` targets with its `job`, and its
 * series (kafka_exporter's README "Metrics": kafka_topic_partition_current_offset, the under-replicated gauge,
 * consumer-group lag) exist for every platform topic. The program does not run the brokers or their exporter (their
 * operator does), so this is where a wrong `observability.kafkaExporter.job` or a missing exporter shows up, instead
 * of as an Event-Driven dashboard and Kafka alerts that never show data.
 */

function jobOf(ctx: VerifyContext): string | undefined {
    if (ctx.endpoints.kafkaExporterJob !== undefined) {
        return ctx.endpoints.kafkaExporterJob;
    }
    try {
        return ctx.section("observability")?.kafkaExporterJob;
    } catch {
        return undefined;
    }
}

function platformTopics(ctx: VerifyContext): string[] {
    const events = ctx.section("events");
    if (events !== undefined) {
        return expectedTopics(ctx, events).topics.map((t) => t.name);
    }
    return ctx.topicCatalog().topics.map((t) => t.name);
}

export const kafkaExporterCheck: Check = {
    id: "kafka-exporter",
    title: "Kafka exporter's metrics in Prometheus",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const job = jobOf(ctx);
        if (job === undefined) {
            return skip("the stack names no Kafka exporter (observability.kafkaExporter.job; --kafka-exporter-job / KAFKA_EXPORTER_JOB)");
        }
        const base = prometheusBase(ctx);
        const m = DEFAULT_KAFKA_EXPORTER_METRICS;
        const ofJob = ["job", "=", job] as const;
        const up = await query(ctx, base, sel("up", [ofJob]));
        if (up.length === 0) {
            return fail(
                `Prometheus has no target with job="${job}": nothing scrapes a Kafka exporter under that name`,
                `find the exporter's real job label (count by (job) (${m.topicOffset})) and set observability.kafkaExporter.job, or deploy the brokers' exporter (Strimzi: Kafka.spec.kafkaExporter) with a PodMonitor`,
            );
        }
        const down = up.filter((s) => Number(s.value[1]) !== 1).map((s) => s.metric.instance ?? "?");
        if (down.length > 0) {
            return fail(`${down.length} of ${up.length} target(s) of job="${job}" are down: ${down.join(", ")}`, "look at the exporter's pod and its connection to the brokers");
        }
        const topics = platformTopics(ctx);
        const topicMatch = ["topic", "=~", anyOf(topics)] as const;
        const [offsets, underReplicated, lag] = await Promise.all([
            query(ctx, base, sumBy(["topic"], sel(m.topicOffset, [ofJob, topicMatch]))),
            query(ctx, base, `count(${sel(m.underReplicatedPartitions, [ofJob, topicMatch])})`),
            query(ctx, base, `count(${sumBy(["consumergroup"], sel(m.consumerGroupLag, [ofJob, topicMatch]))})`),
        ]);
        const seen = new Set(offsets.map((s) => s.metric.topic));
        const missing = topics.filter((t) => !seen.has(t));
        if (missing.length > 0 || underReplicated.length === 0) {
            return fail(
                `job="${job}" is up but does not report ${missing.length > 0 ? `${m.topicOffset} for ${missing.length} of ${topics.length} platform topics` : m.underReplicatedPartitions}`,
                "check that the exporter watches the platform's cluster (its --kafka.server) and that its topic filter includes these topics",
                missing.map((t) => `no ${m.topicOffset}{topic="${t}"}`),
            );
        }
        const groups = lag.length > 0 ? Number(lag[0].value[1]) : 0;
        return pass(`job="${job}": ${up.length} target(s) up, offsets for all ${topics.length} platform topics, under-replicated gauge present, ${groups} consumer group(s) with lag series`);
    },
};
