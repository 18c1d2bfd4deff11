import { Admin, Kafka } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subjectInputs, subjectProvider, SubjectInputs, SubjectOutputs } from "../../components/events/registry";
import { EventsModel, loadTopicCatalog, ResolvedTopic, TopicCatalog } from "../../model/events";
import { EventDecoder } from "../../producer/decode";
import { TopicKey } from "../../producer/events";
import { PlatformaticTransport } from "../../producer/platformatic";
import { Delivery, EventProducer } from "../../producer/producer";
import { RegistrySchemaIds, RegistrySchemaLookup } from "../../producer/registry";
import { SchemaSet } from "../../producer/schemas";
import { Broker, consume, ensureBroker, kafkaClient, recreateTopics, stopBroker } from "./broker";
import { DEV_EVENTS, parseEvents } from "./configs";
import { ensureRegistry, Registry, stopRegistry } from "./registry-server";
import { SAMPLES } from "./samples";

/**
 * Against a real Confluent-compatible schema registry (scripts/registry/registry.sh: Apicurio Registry 2.4.2.Final,
 * its ccompat API) and the real broker (scripts/kafka/kafka.sh): the program's subject provider registers every subject
 * derived from schemas/ at its family's level, evolves one compatibly, has an incompatible change refused with the
 * registry's own message (the provider's check, which `pulumi preview` runs, fails with it), and the producer library
 * frames events with the ids the registry holds, which a decoder that knows no id resolves on read.
 *
 * Subjects and topics carry a per-run prefix, so a registry or broker that outlives a run never mixes runs.
 */

const PREFIX = `registry-${Date.now().toString(36)}.`;
const schemas = SchemaSet.load();
const catalog = loadTopicCatalog();

let registry: Registry | undefined;
let broker: Broker | undefined;
let skipReason: string | undefined;
let kafka: Kafka;
let admin: Admin;
let model: EventsModel;
const registered = new Map<string, SubjectOutputs>();
/** The id each subject gave the current schema of schemas/ (what the producer must frame with), by subject. */
const firstIds = new Map<string, number>();
const extraTopics: string[] = [];

function modelWith(topics: TopicCatalog, prefix: string): EventsModel {
    return parseEvents({ ...DEV_EVENTS, bootstrapServers: [broker!.bootstrap], topicPrefix: prefix, schemaRegistryUrl: registry!.url }, topics);
}

async function registryGet(path: string): Promise<{ status: number; body: Record<string, unknown> & { items?: unknown[] } }> {
    const r = await fetch(`${registry!.url}${path}`);
    const parsed = (await r.json()) as unknown;
    return { status: r.status, body: (Array.isArray(parsed) ? { items: parsed } : parsed) as Record<string, unknown> };
}

/** The registered text of the topic's current schema with its top-level fields changed by `edit`. */
function evolved(inputs: SubjectInputs, edit: (fields: { name: string; default?: unknown }[]) => { name: string; default?: unknown }[]): SubjectInputs {
    const schema = JSON.parse(inputs.versions[inputs.versions.length - 1]) as { fields: { name: string; default?: unknown }[] };
    return { ...inputs, versions: [...inputs.versions, JSON.stringify({ ...schema, fields: edit(schema.fields) })] };
}

function topicOf(m: EventsModel, key: string): ResolvedTopic {
    return m.topics.find((t) => t.key === key)!;
}

async function create(inputs: SubjectInputs): Promise<SubjectOutputs> {
    const checked = await subjectProvider.check!(inputs, inputs);
    expect(checked.failures ?? [], `check of new subject ${inputs.subject}`).toEqual([]);
    const r = await subjectProvider.create!(inputs);
    expect(r.id).toBe(inputs.subject);
    registered.set(inputs.subject, r.outs as SubjectOutputs);
    return r.outs as SubjectOutputs;
}

beforeAll(async () => {
    const reg = await ensureRegistry();
    if ("skip" in reg) {
        skipReason = reg.skip;
        console.warn(`[registry tests] SKIPPED: ${skipReason}`);
        return;
    }
    registry = reg.registry;
    const result = await ensureBroker();
    if ("skip" in result) {
        skipReason = result.skip;
        console.warn(`[registry tests] SKIPPED: ${skipReason}`);
        return;
    }
    broker = result.broker;
    kafka = kafkaClient(broker.bootstrap, "registry-tests-admin");
    admin = kafka.admin();
    await admin.connect();
    model = modelWith(catalog, PREFIX);
}, 15 * 60_000);

afterAll(async () => {
    for (const outs of registered.values()) {
        await subjectProvider.delete!(outs.subject, outs).catch(() => undefined);
    }
    if (admin && model) {
        await admin.deleteTopics({ topics: [...model.topics.map((t) => t.name), ...extraTopics], timeout: 30_000 }).catch(() => undefined);
    }
    await admin?.disconnect();
    if (broker) {
        stopBroker(broker);
    }
    if (registry) {
        stopRegistry(registry);
    }
}, 180_000);

describe("real schema registry (Confluent-compatible API)", () => {
    it("registers every subject of schemas/ through the provider: its id is an output, its level the family's", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        expect(model.topics).toHaveLength(catalog.topics.length);
        for (const topic of model.topics) {
            const inputs = subjectInputs(registry!.url, topic, schemas);
            expect(inputs.subject).toBe(`${PREFIX}${topic.key}-value`);
            const outs = await create(inputs);
            firstIds.set(inputs.subject, outs.schemaId);
            expect(outs.schemaId, inputs.subject).toBeGreaterThan(0);
            expect(outs.version, inputs.subject).toBe(inputs.versions.length);
            expect((await registryGet(`/config/${encodeURIComponent(inputs.subject)}`)).body).toEqual({ compatibilityLevel: catalog.families[topic.family].compatibility });
            expect((await registryGet(`/subjects/${encodeURIComponent(inputs.subject)}/versions`)).body.items).toHaveLength(inputs.versions.length);
            const byId = await registryGet(`/schemas/ids/${outs.schemaId}`);
            expect(JSON.parse(String(byId.body.schema))).toEqual(JSON.parse(inputs.versions[inputs.versions.length - 1]));
            // Unchanged program: no diff, read agrees, and registering again is harmless (same id).
            expect((await subjectProvider.diff!(inputs.subject, outs, inputs)).changes).toBe(false);
            expect((await subjectProvider.read!(inputs.subject, outs)).props).toMatchObject({ schemaId: outs.schemaId, version: outs.version });
            expect((await subjectProvider.create!(inputs)).outs).toMatchObject({ schemaId: outs.schemaId, version: outs.version });
        }
        const subjects = (await registryGet("/subjects")).body.items as string[];
        expect(subjects.filter((s) => s.startsWith(PREFIX)).sort()).toEqual(model.topics.map((t) => `${t.name}-value`).sort());
    });

    it("evolves a subject compatibly: a new optional field passes check and update registers the next version", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const olds = registered.get(`${PREFIX}data-ingestion-value`)!;
        const news = evolved(olds, (fields) => [...fields, { name: "registryTestNote", type: ["null", "string"], default: null } as { name: string }]);
        await expect(subjectProvider.check!(olds, news)).resolves.toEqual({ inputs: news });
        expect((await subjectProvider.diff!(olds.subject, olds, news)).changes).toBe(true);
        const r = await subjectProvider.update!(olds.subject, olds, news);
        expect(r.outs).toMatchObject({ version: olds.version + 1 });
        expect(r.outs!.schemaId).not.toBe(olds.schemaId);
        registered.set(olds.subject, r.outs as SubjectOutputs);
    });

    it("refuses an incompatible change with the registry's own message: check (what preview runs) fails with it, update too", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const olds = registered.get(`${PREFIX}audit-user-actions-value`)!;
        // A required field without a default: v1 data cannot be read by the new reader (FULL_TRANSITIVE refuses).
        const news = evolved(olds, (fields) => [...fields, { name: "registryTestRequired", type: "string" } as { name: string }]);
        const raw = await fetch(`${registry!.url}/compatibility/subjects/${encodeURIComponent(olds.subject)}/versions/latest?verbose=true`, {
            method: "POST",
            headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
            body: JSON.stringify({ schema: news.versions[news.versions.length - 1], schemaType: "AVRO" }),
        });
        const answer = (await raw.json()) as { is_compatible: boolean; reason?: string; messages?: string[] };
        expect(answer.is_compatible).toBe(false);
        const registryMessage = answer.reason ?? answer.messages!.join("; ");
        expect(registryMessage).toMatch(/registryTestRequired/);

        const checked = await subjectProvider.check!(olds, news);
        expect(checked.inputs).toBeUndefined();
        expect(checked.failures).toEqual([{ property: "versions", reason: `${olds.subject} (FULL_TRANSITIVE): ${registryMessage}` }]);
        await expect(subjectProvider.update!(olds.subject, olds, news)).rejects.toThrow(`schema registry: registering version ${news.versions.length} of ${news.versions.length} of ${olds.subject} answered HTTP 409`);
        // Nothing was registered: the subject still ends at the version it had.
        expect((await registryGet(`/subjects/${encodeURIComponent(olds.subject)}/versions/latest`)).body.version).toBe(olds.version);
    });

    it("applies each family's level: a family at BACKWARD accepts removing a required field that FULL_TRANSITIVE refuses", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const prefix = `${PREFIX}levels.`;
        const levels: TopicCatalog = { ...catalog, families: { ...catalog.families, system: { ...catalog.families.system, compatibility: "BACKWARD" } } };
        const m = modelWith(levels, prefix);
        const system = subjectInputs(registry!.url, topicOf(m, "system-health"), schemas);
        const data = subjectInputs(registry!.url, topicOf(m, "data-ingestion"), schemas);
        expect([system.compatibility, data.compatibility]).toEqual(["BACKWARD", "FULL_TRANSITIVE"]);
        for (const inputs of [system, data]) {
            await create(inputs);
            expect((await registryGet(`/config/${encodeURIComponent(inputs.subject)}`)).body).toEqual({ compatibilityLevel: inputs.compatibility });
        }
        const withoutRequired = (fields: { name: string; default?: unknown }[]): { name: string }[] => {
            const i = fields.findIndex((f, n) => n > 0 && f.default === undefined);
            return fields.filter((_, n) => n !== i);
        };
        await expect(subjectProvider.check!(system, evolved(system, withoutRequired))).resolves.toEqual({ inputs: evolved(system, withoutRequired) });
        const refused = await subjectProvider.check!(data, evolved(data, withoutRequired));
        expect(refused.failures).toHaveLength(1);
        expect(refused.failures![0].reason).toMatch(new RegExp(`^${data.subject.replace(/\./g, "\\.")} \\(FULL_TRANSITIVE\\): \\S`));
    });

    it("produces with ids from the registry, then consumes and decodes by id with a decoder that knew none", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        await recreateTopics(admin, model);
        const producer = new EventProducer({
            source: "registry-tests",
            schemas,
            topicPrefix: PREFIX,
            transport: new PlatformaticTransport({ brokers: [broker!.bootstrap], clientId: "registry-tests" }),
            schemaIds: new RegistrySchemaIds({ url: registry!.url }),
        });
        await producer.connect();
        const sent = new Map<string, { key: string; delivery: Delivery }>();
        try {
            for (const t of model.topics) {
                const sample = SAMPLES[t.key as TopicKey];
                const delivery = await producer.send(t.key as TopicKey, sample.eventType as never, sample.payload as never);
                sent.set(delivery.eventId, { key: t.key, delivery });
            }
        } finally {
            await producer.close();
        }
        const messages = await consume(broker!.bootstrap, model.topics.map((t) => t.name), (m) => m.length >= sent.size);
        expect(messages).toHaveLength(sent.size);
        const offline = new EventDecoder(schemas);
        const decoder = new EventDecoder(schemas, {}, new RegistrySchemaLookup({ url: registry!.url }));
        for (const { topic, message } of messages) {
            const spec = model.topics.find((t) => t.name === topic)!;
            const value = message.value!;
            // Confluent's wire format: magic byte 0, then the id the program registered for the current schema.
            expect(value[0]).toBe(0);
            const id = value.readInt32BE(1);
            expect(id, topic).toBe(firstIds.get(`${topic}-value`));
            expect(() => offline.decode({ value, key: message.key, headers: message.headers }), topic).toThrow(/unknown schema id/);
            const decoded = await decoder.decodeResolving({ value, key: message.key, headers: message.headers });
            expect(decoded.schema).toBe(spec.schema);
            expect(decoded.event).toMatchObject(SAMPLES[spec.key as TopicKey].payload);
            const env = decoded.event.envelope as { eventId: string };
            expect(sent.get(env.eventId)?.key).toBe(spec.key);
        }
    }, 120_000);

    it("a producer refuses to start when the registry lacks its topics' subjects, naming each", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const unregistered = modelWith(catalog, `${PREFIX}unregistered.`).topics.filter((t) => ["system-health", "audit-api-calls"].includes(t.key));
        extraTopics.push(...unregistered.map((t) => t.name));
        await recreateTopics(admin, { topics: unregistered });
        const producer = new EventProducer({
            source: "registry-tests",
            schemas,
            topicPrefix: `${PREFIX}unregistered.`,
            produces: ["system-health", "audit-api-calls"],
            transport: new PlatformaticTransport({ brokers: [broker!.bootstrap], clientId: "registry-tests" }),
            schemaIds: new RegistrySchemaIds({ url: registry!.url }),
        });
        const error = await producer.connect().then(
            () => undefined,
            (e: unknown) => e as Error,
        );
        expect(error?.message).toMatch(/does not hold the current schema of 2 subject\(s\)/);
        expect(error?.message).toContain(`${PREFIX}unregistered.system-health-value (com.carbon254.events.system.SystemHealth)`);
        expect(error?.message).toContain(`${PREFIX}unregistered.audit-api-calls-value (com.carbon254.events.audit.ApiCall)`);
    });
});
