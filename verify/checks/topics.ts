import { Check, VerifyContext } from "../context";
import { KafkaConnectionSpec, TopicAdmin } from "../kafka";
import { EventsOutputs } from "../outputs";
import { CannotRun, Outcome, fail, pass, skip } from "../result";

/**
 * Seed test 5, from the brokers instead of a Job's log: every topic of the topic catalog exists with its partition
 * count, replication factor and the topic configs the stack sets.
 *
 * What is expected comes from the `events.topics` output when the stack exports it (name, partitions,
 * replicationFactor, config per catalog key: exactly what was declared); otherwise from the topic catalog
 * (catalog/topics.json: partitions, cleanup.policy, family/topic configs) with the names from `events.topicNames`
 * and replication / min.insync.replicas from the outputs when present — retention is then not compared, since a
 * stack may override it.
 */

export interface ExpectedTopic {
    readonly key: string;
    readonly name: string;
    readonly partitions: number;
    readonly replicationFactor?: number;
    readonly config: Readonly<Record<string, string>>;
}

export function expectedTopics(ctx: VerifyContext, events: EventsOutputs): { topics: ExpectedTopic[]; notes: string[]; problems: string[] } {
    const catalog = ctx.topicCatalog();
    const notes: string[] = [];
    const problems: string[] = [];
    if (events.topics !== undefined && Object.keys(events.topics).length > 0) {
        const topics = Object.entries(events.topics).map(([key, t]) => ({ key, name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, config: t.config ?? {} }));
        for (const t of catalog.topics) {
            if (events.topics[t.name] === undefined) {
                problems.push(`${t.name}: in the topic catalog but not deployed by this stack (events.topics has no such key)`);
            }
        }
        return { topics, notes, problems };
    }
    notes.push("the outputs carry no events.topics: expectations come from the topic catalog (retention not compared)");
    const topics = catalog.topics.map((t): ExpectedTopic => {
        const family = catalog.families[t.family];
        const config: Record<string, string> = { ...family.config, ...t.config, "cleanup.policy": t.cleanupPolicy ?? family.cleanupPolicy };
        if (events.minInsyncReplicas !== undefined) config["min.insync.replicas"] = String(events.minInsyncReplicas);
        return {
            key: t.name,
            name: events.topicNames?.[t.name] ?? `${events.topicPrefix ?? ""}${t.name}`,
            partitions: t.partitions,
            replicationFactor: events.replicationFactor,
            config,
        };
    });
    return { topics, notes, problems };
}

/** Compares what the brokers report with what was expected; returns problems and notes. */
export async function compareTopics(admin: TopicAdmin, expected: readonly ExpectedTopic[]): Promise<{ problems: string[]; notes: string[]; ok: string[] }> {
    const problems: string[] = [];
    const notes: string[] = [];
    const ok: string[] = [];
    const existing = new Set(await admin.listTopics());
    const present = expected.filter((t) => existing.has(t.name));
    for (const t of expected.filter((t) => !existing.has(t.name))) {
        problems.push(`${t.name}: missing on the brokers`);
    }
    const names = present.map((t) => t.name);
    const [descriptions, configs] = await Promise.all([admin.describeTopics(names), admin.describeTopicConfigs(names)]);
    const byName = new Map(descriptions.map((d) => [d.name, d]));
    for (const t of present) {
        const d = byName.get(t.name);
        const found: string[] = [];
        if (d === undefined) {
            problems.push(`${t.name}: listed, but the brokers returned no metadata for it`);
            continue;
        }
        if (d.partitions.length !== t.partitions) {
            found.push(`${d.partitions.length} partitions, expected ${t.partitions}${d.partitions.length > t.partitions ? " (Kafka cannot shrink a topic: recreate it or raise the catalog's count)" : ""}`);
        }
        const offline = d.partitions.filter((p) => p.leader < 0).map((p) => p.partition);
        if (offline.length > 0) {
            found.push(`partition(s) ${offline.join(", ")} have no leader`);
        }
        if (t.replicationFactor !== undefined) {
            const wrong = d.partitions.filter((p) => p.replicas.length !== t.replicationFactor);
            if (wrong.length > 0) {
                found.push(`replication factor ${[...new Set(wrong.map((p) => p.replicas.length))].join("/")}, expected ${t.replicationFactor}`);
            }
        }
        const minIsr = Number(t.config["min.insync.replicas"] ?? "1");
        const belowMin = d.partitions.filter((p) => p.isr.length < minIsr).map((p) => p.partition);
        if (belowMin.length > 0) {
            found.push(`partition(s) ${belowMin.join(", ")} have fewer in-sync replicas than min.insync.replicas=${minIsr} (acks=all writes fail)`);
        } else {
            const under = d.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => p.partition);
            if (under.length > 0) notes.push(`${t.name}: partition(s) ${under.join(", ")} under-replicated`);
        }
        const actual = configs[t.name] ?? {};
        for (const [key, value] of Object.entries(t.config)) {
            if (actual[key] !== value) {
                found.push(`${key}=${actual[key] ?? "(unset)"}, expected ${value}`);
            }
        }
        if (found.length > 0) {
            problems.push(`${t.name}: ${found.join("; ")}`);
        } else {
            ok.push(`${t.name}: ${d.partitions.length} partitions${t.replicationFactor !== undefined ? ` × ${t.replicationFactor}` : ""}`);
        }
    }
    return { problems, notes, ok };
}

export const topicsCheck: Check = {
    id: "kafka-topics",
    title: "Kafka topics match the catalog",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const events = ctx.section("events");
        if (events === undefined) {
            return skip("the stack exports no `events` output (the events component is off)");
        }
        const brokers = ctx.endpoints.kafkaBootstrap ?? events.bootstrapServers;
        if (brokers.length === 0) {
            throw new CannotRun("no Kafka bootstrap servers: neither --kafka-bootstrap / KAFKA_BOOTSTRAP nor events.bootstrapServers", "pass --kafka-bootstrap host:port[,host:port]");
        }
        const tls = ctx.endpoints.kafkaTls ?? events.tlsEnabled ?? false;
        let sasl: KafkaConnectionSpec["sasl"];
        if (events.sasl !== undefined) {
            const password = ctx.endpoints.kafkaSaslPassword;
            if (password === undefined) {
                throw new CannotRun(`the brokers need SASL (${events.sasl.mechanism}, user ${events.sasl.username}) but KAFKA_SASL_PASSWORD is not set`, "set KAFKA_SASL_PASSWORD (e.g. from `pulumi config get kafkaSaslPassword`)");
            }
            sasl = { ...events.sasl, password };
        }
        const { topics, notes, problems: expectProblems } = expectedTopics(ctx, events);
        let admin: TopicAdmin;
        try {
            admin = await ctx.kafkaAdmin({ brokers, tls, sasl, timeoutMs: ctx.timeoutMs });
        } catch (e) {
            throw new CannotRun(
                `cannot connect to Kafka at ${brokers.join(",")} (TLS ${tls ? "on" : "off"}${sasl ? `, SASL ${sasl.mechanism}` : ""}): ${(e as Error).message}`,
                "check --kafka-bootstrap / events.bootstrapServers, network access, and --kafka-tls",
            );
        }
        let result: Awaited<ReturnType<typeof compareTopics>>;
        try {
            result = await compareTopics(admin, topics);
        } catch (e) {
            throw new CannotRun(`the brokers at ${brokers.join(",")} answered with an error: ${(e as Error).message}`, "check the verifying principal's ACLs (Describe, DescribeConfigs on the topics)");
        } finally {
            await admin.close().catch(() => undefined);
        }
        const problems = [...expectProblems, ...result.problems];
        if (problems.length > 0) {
            return fail(
                `${problems.length} of ${topics.length} catalog topic(s) are missing or differ on ${brokers.join(",")}`,
                "run `pulumi up` for this stack (it creates and reconfigures topics); a partition count above the catalog's cannot be reduced in place",
                [...problems, ...notes, ...result.notes],
            );
        }
        return pass(`all ${topics.length} catalog topics exist on ${brokers.join(",")} with their partitions and config`, [...notes, ...result.notes, ...result.ok]);
    },
};
