import { readPem } from "./pem";
import * as path from "path";
import { Catalog } from "./catalog";
import { Problems } from "./errors";
import { readJsonFile } from "./files";
import { deriveKafkaAccess, KafkaAccess, KafkaQuotas } from "./kafka-access";
import { Reader } from "./reader";
import { checkTopicSchemas, DEFAULT_SCHEMA_DIR } from "./topic-schemas";

/**
 * The event backbone's model: the topic catalog (`catalog/topics.json`, the single source of truth for topic names,
 * partition counts, schemas, event types and partition keys, read by the Pulumi program, the producer library and
 * the tests) and the per-stack `service-integration:events` config (connection, replication, retention, protection).
 */

export const TOPIC_FAMILIES = ["data", "system", "audit"] as const;
export type TopicFamily = (typeof TOPIC_FAMILIES)[number];

/**
 * Schema compatibility levels of the schema registry (Confluent's names; Apicurio's ccompat API accepts the same:
 * apicurio-registry 3.x, app/src/main/java/io/apicurio/registry/ccompat/rest/v7/impl/ConfigResourceImpl.java).
 */
export const COMPATIBILITY_LEVELS = ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export const CLEANUP_POLICIES = ["delete", "compact", "compact,delete"] as const;
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];

/** SASL mechanisms the Pulumi Kafka provider and the producer library both speak. */
export const SASL_MECHANISMS = ["plain", "scram-sha256", "scram-sha512"] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** Stack config key (namespace `service-integration`) holding the SASL password, always set with `pulumi config set --secret`. */
export const EVENTS_SASL_PASSWORD_KEY = "kafkaSaslPassword";
/** Secret keys of the Kafka provider's client certificate and key (PEM), read when `events.clientCertificate` is true. */
export const EVENTS_CLIENT_CERT_KEY = "kafkaClientCert";
export const EVENTS_CLIENT_KEY_KEY = "kafkaClientKey";

/** Default location of the topic catalog. */
export const DEFAULT_TOPIC_CATALOG = path.join(__dirname, "..", "catalog", "topics.json");

/**
 * Topic-level configs Kafka 4.x accepts (org.apache.kafka.common.config.TopicConfig, Kafka 4.2), minus
 * `message.downconversion.enable` (a no-op since 4.0) and the three the model computes itself (below).
 */
export const KAFKA_TOPIC_CONFIGS: readonly string[] = [
    "segment.bytes",
    "segment.ms",
    "segment.jitter.ms",
    "segment.index.bytes",
    "flush.messages",
    "flush.ms",
    "retention.bytes",
    "remote.storage.enable",
    "local.retention.ms",
    "local.retention.bytes",
    "remote.log.copy.disable",
    "remote.log.delete.on.disable",
    "max.message.bytes",
    "index.interval.bytes",
    "file.delete.delay.ms",
    "delete.retention.ms",
    "min.compaction.lag.ms",
    "max.compaction.lag.ms",
    "min.cleanable.dirty.ratio",
    "unclean.leader.election.enable",
    "compression.type",
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.zstd.level",
    "preallocate",
    "message.timestamp.type",
    "message.timestamp.before.max.ms",
    "message.timestamp.after.max.ms",
];

/** Topic configs the model owns: they come from dedicated fields, never from a raw config map. */
export const MANAGED_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
    "retention.ms": "set `retention` on the family or topic (catalog) or `retention.<family>` in service-integration:events",
    "cleanup.policy": "set `cleanupPolicy` on the family or topic in catalog/topics.json",
    "min.insync.replicas": "set `minInsyncReplicas` in service-integration:events",
};

/** Configs older Kafka versions had and 4.x removed or ignores. */
export const REMOVED_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
    "message.format.version": "removed in Kafka 4.0 (only the v2 record format exists); delete the key",
    "message.timestamp.difference.max.ms": "removed in Kafka 4.0; use message.timestamp.before.max.ms and message.timestamp.after.max.ms",
    "message.downconversion.enable": "a no-op since Kafka 4.0 (down-conversion was removed); delete the key",
};

/**
 * Values of the topic config `compression.type` (TopicConfig.COMPRESSION_TYPE_DOC / BrokerCompressionType, Kafka 4.2).
 * The producer library compresses with the topic's codec, so the broker stores batches as they arrive instead of
 * recompressing them; `producer` and `uncompressed` mean the library sends uncompressed batches.
 */
export const TOPIC_COMPRESSION_TYPES = ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"] as const;
/** Producer-side codecs: the topic's `compression.type`, with `none` for `uncompressed`/`producer`/unset. */
export const COMPRESSION_CODECS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

/** Topic configs as the catalog declares them: the family's, overridden by the topic's own. */
function catalogTopicConfig(catalog: TopicCatalog, topic: TopicSpec): Readonly<Record<string, string>> {
    return { ...catalog.families[topic.family].config, ...topic.config };
}

/** The codec the producer library compresses a topic's batches with (one source: the topic's compression.type). */
export function producerCompression(catalog: TopicCatalog, topic: TopicSpec): CompressionCodec {
    const type = catalogTopicConfig(catalog, topic)["compression.type"];
    return type === undefined || type === "uncompressed" || type === "producer" ? "none" : (type as CompressionCodec);
}

/** The topic's `max.message.bytes` when the catalog sets it (else the broker's default applies). */
export function topicMaxMessageBytes(catalog: TopicCatalog, topic: TopicSpec): number | undefined {
    const v = catalogTopicConfig(catalog, topic)["max.message.bytes"];
    return v === undefined ? undefined : Number(v);
}

/**
 * The compatibility level of a named schema: its family's (by Avro namespace); types outside every family's namespace
 * (the shared envelope, part of every family's records) get the strictest, FULL_TRANSITIVE.
 */
export function compatibilityOf(catalog: TopicCatalog, schemaName: string): CompatibilityLevel {
    const family = Object.values(catalog.families).find((f) => schemaName.startsWith(`${f.namespace}.`));
    if (family !== undefined) {
        return family.compatibility;
    }
    return "FULL_TRANSITIVE";
}

/** Kafka's own limit on topic name length (Topic.MAX_NAME_LENGTH). */
export const MAX_TOPIC_NAME_LENGTH = 249;
const TOPIC_NAME_CHARS = /^[a-zA-Z0-9._-]+$/;
const AVRO_FULL_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export interface FamilySpec {
    readonly name: TopicFamily;
    readonly description: string;
    /** Avro namespace every schema of the family lives in. */
    readonly namespace: string;
    /** Default retention for the family's topics; -1 keeps records forever. */
    readonly retentionMs: number;
    readonly cleanupPolicy: CleanupPolicy;
    /** Schema compatibility of the family's subjects: the registry's level and the local gate's (default FULL_TRANSITIVE). */
    readonly compatibility: CompatibilityLevel;
    /** Kafka users that may read the family's topics without being services of the catalog (audit: its auditor). */
    readonly readers: readonly string[];
    /** Further Kafka topic configs for every topic of the family (allow-listed keys). */
    readonly config: Readonly<Record<string, string>>;
}

export interface TopicSpec {
    /** The topic's name in Kafka (before any stack prefix) and its key everywhere else. */
    readonly name: string;
    readonly family: TopicFamily;
    readonly partitions: number;
    /** Full name of the Avro record every message of the topic carries (a file under schemas/<family>/). */
    readonly schema: string;
    /** Allowed values of `envelope.eventType`. */
    readonly eventTypes: readonly string[];
    /** Dotted path of the field whose value is the message key (decides the partition). */
    readonly partitionKey: string;
    readonly description: string;
    /** Topic-specific retention overriding the family's (ms, -1 = forever). */
    readonly retentionMs?: number;
    readonly cleanupPolicy?: CleanupPolicy;
    readonly config: Readonly<Record<string, string>>;
}

export interface TopicCatalog {
    readonly families: Readonly<Record<TopicFamily, FamilySpec>>;
    readonly topics: readonly TopicSpec[];
}

// ---------------------------------------------------------------------------------------------------------------
// Checks shared by the catalog and the stack config
// ---------------------------------------------------------------------------------------------------------------

/** Why Kafka would refuse this topic name, or undefined when it is legal. */
export function topicNameProblem(name: string): string | undefined {
    if (name === "." || name === "..") {
        return `"${name}" is not allowed as a topic name`;
    }
    if (name.length > MAX_TOPIC_NAME_LENGTH) {
        return `is ${name.length} characters long; Kafka allows at most ${MAX_TOPIC_NAME_LENGTH}`;
    }
    if (!TOPIC_NAME_CHARS.test(name)) {
        return "contains characters Kafka does not allow in topic names (only ASCII letters, digits, '.', '_' and '-')";
    }
    if (name.startsWith("__")) {
        return "starts with '__', which Kafka reserves for internal topics";
    }
    return undefined;
}

/** Kafka maps '.' to '_' in metric names, so two topics that differ only there collide (Topic.unifyCollisionChars). */
export function topicCollisionKey(name: string): string {
    return name.replace(/\./g, "_");
}

/** Records a problem for every illegal name and every pair of names Kafka would collide on. */
export function checkTopicNames(names: readonly { name: string; path: string }[], problems: Problems): void {
    const byKey = new Map<string, { name: string; path: string }>();
    for (const entry of names) {
        const problem = topicNameProblem(entry.name);
        if (problem !== undefined) {
            problems.add(entry.path, entry.name, problem, "rename the topic: 1-249 of a-z, A-Z, 0-9, '.', '_', '-'");
            continue;
        }
        const key = topicCollisionKey(entry.name);
        const first = byKey.get(key);
        if (first === undefined) {
            byKey.set(key, entry);
        } else if (first.name === entry.name) {
            problems.add(entry.path, entry.name, `is declared twice (first at ${first.path})`, "remove the duplicate topic");
        } else {
            problems.add(
                entry.path,
                entry.name,
                `collides with topic "${first.name}" (${first.path}): Kafka treats '.' and '_' alike in metric names and refuses the second one`,
                "rename one of them so they differ by more than '.' versus '_'",
            );
        }
    }
}

/** `7d`, `12h`, `30m`, `45s`, `500ms` → milliseconds; `forever` → -1; anything else → undefined. */
export function parseRetention(text: string): number | undefined {
    if (text === "forever") {
        return -1;
    }
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
    if (!m) {
        return undefined;
    }
    const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
    const ms = Number(m[1]) * factor;
    return ms > 0 ? ms : undefined;
}

function readRetention(r: Reader, key: string, fallback?: number): number {
    const raw = r.raw(key);
    if (raw === undefined) {
        if (fallback === undefined) {
            r.problems.add(r.at(key), raw, "is required", `set ${r.at(key)} to a retention like "7d", "12h" or "forever"`);
            return 1;
        }
        return fallback;
    }
    const ms = typeof raw === "string" ? parseRetention(raw) : undefined;
    if (ms === undefined) {
        r.problems.add(r.at(key), raw, 'must be a retention like "7d", "12h", "30m" or "forever"', `set ${r.at(key)} to e.g. "7d"`);
        return fallback ?? 1;
    }
    // Kafka holds retention.ms in a Java long; above 2^53 a JS number would also lose digits (and print as 1e+21).
    if (!Number.isSafeInteger(ms)) {
        r.problems.add(r.at(key), raw, `is ${ms > 9.223372036854775807e18 ? "more than Kafka's retention.ms can hold (a Java long)" : "too long to be kept exact (more than 2^53 ms)"}`, `set ${r.at(key)} to "forever" to keep records without a limit, or to a retention like "3650d"`);
        return fallback ?? 1;
    }
    return ms;
}

/** Reads a map of Kafka topic configs, checking every key against the allow-list. Values become strings. */
function readTopicConfig(r: Reader, key: string): Record<string, string> {
    const raw = r.raw(key);
    if (raw === undefined) {
        return {};
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        r.problems.add(r.at(key), raw, "must be a mapping of Kafka topic config keys to values", `write ${r.at(key)} like {"max.message.bytes": "2097152"}`);
        return {};
    }
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
        const where = `${r.at(key)}.${name}`;
        if (MANAGED_TOPIC_CONFIGS[name] !== undefined) {
            r.problems.add(where, value, "is computed by the model and cannot be set as a raw topic config", MANAGED_TOPIC_CONFIGS[name]);
            continue;
        }
        if (REMOVED_TOPIC_CONFIGS[name] !== undefined) {
            r.problems.add(where, value, "is not a Kafka 4 topic config", REMOVED_TOPIC_CONFIGS[name]);
            continue;
        }
        if (!KAFKA_TOPIC_CONFIGS.includes(name)) {
            const near = KAFKA_TOPIC_CONFIGS.filter((k) => k.split(".")[0] === name.split(".")[0]);
            r.problems.add(
                where,
                value,
                "is not a Kafka topic config",
                near.length > 0 ? `use one of ${near.join(", ")}` : `use a key from Kafka's topic configs, e.g. ${KAFKA_TOPIC_CONFIGS.slice(0, 4).join(", ")}`,
            );
            continue;
        }
        if (name === "compression.type" && !(TOPIC_COMPRESSION_TYPES as readonly unknown[]).includes(value)) {
            r.problems.add(where, value, `must be one of ${TOPIC_COMPRESSION_TYPES.join(", ")}`, `set ${where} to e.g. "lz4"`);
            continue;
        }
        if (name === "max.message.bytes" && !((typeof value === "string" || typeof value === "number") && /^[1-9][0-9]*$/.test(String(value)))) {
            r.problems.add(where, value, "must be a positive whole number of bytes", `set ${where} to e.g. "2097152"`);
            continue;
        }
        if (typeof value === "string" && value.length > 0) {
            out[name] = value;
        } else if (typeof value === "number" && Number.isFinite(value)) {
            out[name] = String(value);
        } else if (typeof value === "boolean") {
            out[name] = String(value);
        } else {
            r.problems.add(where, value, "must be a string, number or boolean", `set ${where} to a value such as "2097152"`);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The topic catalog
// ---------------------------------------------------------------------------------------------------------------

function parseFamily(r: Reader, name: TopicFamily): FamilySpec {
    const spec: FamilySpec = {
        name,
        description: r.string("description"),
        namespace: r.string("namespace", undefined, { re: AVRO_FULL_NAME, hint: "an Avro namespace like com.carbon254.events.data" }),
        retentionMs: readRetention(r, "retention"),
        cleanupPolicy: r.oneOf("cleanupPolicy", CLEANUP_POLICIES, "delete"),
        compatibility: r.oneOf("compatibility", COMPATIBILITY_LEVELS, "FULL_TRANSITIVE"),
        readers: r.stringList("readers"),
        config: readTopicConfig(r, "config"),
    };
    r.done();
    return spec;
}

function parseTopic(r: Reader): TopicSpec {
    const name = r.string("name");
    const eventTypes = r.stringList("eventTypes");
    const spec: TopicSpec = {
        name,
        family: r.oneOf("family", TOPIC_FAMILIES),
        partitions: (() => {
            const raw = r.raw("partitions");
            if (typeof raw === "number" && Number.isInteger(raw) && raw < 1) {
                r.problems.add(r.at("partitions"), raw, "must be at least 1: a topic without partitions cannot hold a record", "set partitions to 1 or more");
                return 1;
            }
            return r.int("partitions", undefined, 1, 10_000);
        })(),
        schema: r.string("schema", undefined, { re: AVRO_FULL_NAME, hint: "an Avro full name like com.carbon254.events.data.DataIngestion" }),
        eventTypes,
        partitionKey: r.string("partitionKey", undefined, { re: FIELD_PATH, hint: "a dotted field path like datasetId or actor.id" }),
        description: r.string("description"),
        retentionMs: r.optional("retention", () => readRetention(r, "retention")),
        cleanupPolicy: r.optional("cleanupPolicy", () => r.oneOf("cleanupPolicy", CLEANUP_POLICIES)),
        config: readTopicConfig(r, "config"),
    };
    if (eventTypes.length === 0) {
        r.problems.add(r.at("eventTypes"), eventTypes, "must list at least one event type", 'list the event types, e.g. ["data.ingestion.completed"]');
    }
    eventTypes.forEach((t, i) => {
        if (!EVENT_TYPE.test(t)) {
            r.problems.add(`${r.at("eventTypes")}[${i}]`, t, "must be dotted lower-case words like data.ingestion.completed", "rename the event type");
        }
        if (eventTypes.indexOf(t) !== i) {
            r.problems.add(`${r.at("eventTypes")}[${i}]`, t, "is listed twice", "remove the duplicate");
        }
    });
    r.done();
    return spec;
}

/** Reads and cross-checks a topic catalog; `source` names the file in error messages. Throws one ConfigError. */
export function parseTopicCatalog(raw: unknown, source: string): TopicCatalog {
    const problems = new Problems();
    const catalog = readTopicCatalog(raw, problems);
    problems.throwIfAny(`topic catalog ${source}`);
    return catalog;
}

/**
 * Reads and cross-checks a topic catalog, recording every problem on `problems` (the one pass of buildModel).
 * Topics are named by their name (`topics.data-ingestion.partitions`), not by their index.
 */
export function readTopicCatalog(raw: unknown, problems: Problems): TopicCatalog {
    const root = Reader.root("", raw, problems);
    const familiesReader = root.child("families");
    const families = {} as Record<TopicFamily, FamilySpec>;
    for (const family of TOPIC_FAMILIES) {
        if (!familiesReader.has(family)) {
            problems.add(familiesReader.at(family), undefined, `family ${family} is missing`, `declare families.${family} with description, namespace and retention`);
        }
        families[family] = parseFamily(familiesReader.child(family), family);
    }
    familiesReader.done();
    const topicReaders = root.namedList("topics");
    const topics = topicReaders.map(parseTopic);
    root.done();
    if (topics.length === 0) {
        problems.add("topics", undefined, "lists no topic", "declare the platform's topics under topics");
    }
    checkTopicNames(
        topics.map((t, i) => ({ name: t.name, path: `${topicReaders[i].path}.name` })),
        problems,
    );
    const schemas = new Map<string, number>();
    topics.forEach((t, i) => {
        const ns = families[t.family]?.namespace;
        if (ns && t.schema !== "" && !t.schema.startsWith(`${ns}.`)) {
            problems.add(`${topicReaders[i].path}.schema`, t.schema, `is outside its family's Avro namespace ${ns}`, `name it ${ns}.<Record>`);
        }
        const first = schemas.get(t.schema);
        if (first !== undefined) {
            problems.add(`${topicReaders[i].path}.schema`, t.schema, `is already the schema of ${topicReaders[first].path}`, "give every topic its own record schema");
        } else {
            schemas.set(t.schema, i);
        }
        // Data and audit event types carry their family as the first word; system events are named by subsystem.
        if (t.family === "data" || t.family === "audit") {
            t.eventTypes.forEach((e, j) => {
                if (!e.startsWith(`${t.family}.`)) {
                    problems.add(`${topicReaders[i].path}.eventTypes[${j}]`, e, `does not start with "${t.family}." like the rest of its family`, `rename it ${t.family}.<what>.<happened>`);
                }
            });
        }
    });
    return { families, topics };
}

/** Topic entries for the schema cross-check (model/topic-schemas.ts), named as readTopicCatalog names them. */
export function topicSchemaRefs(catalog: TopicCatalog): { name: string; at: string; schema: string; partitionKey: string }[] {
    const seen = new Map<string, number>();
    return catalog.topics.map((t) => {
        const n = (seen.get(t.name) ?? 0) + 1;
        seen.set(t.name, n);
        return { name: t.name, at: t.name === "" ? "topics[?]" : `topics.${t.name}${n > 1 ? `#${n}` : ""}`, schema: t.schema, partitionKey: t.partitionKey };
    });
}

/**
 * Reads `catalog/topics.json` (or another file) from disk, with its schemas cross-checked (`schemas/` beside the
 * catalog's folder): what the producer library and scripts load, so they fail with named problems, not a TypeError.
 */
export function loadTopicCatalog(file: string = DEFAULT_TOPIC_CATALOG, schemaDir: string = file === DEFAULT_TOPIC_CATALOG ? DEFAULT_SCHEMA_DIR : path.join(path.dirname(file), "..", "schemas")): TopicCatalog {
    const source = path.relative(process.cwd(), file) || file;
    const problems = new Problems();
    const raw = readJsonFile(file, source, problems, "point it at the topic catalog JSON file");
    const catalog = readTopicCatalog(raw ?? {}, raw === undefined ? new Problems() : problems);
    checkTopicSchemas(topicSchemaRefs(catalog), schemaDir, problems);
    problems.throwIfAny(`topic catalog ${source}`);
    return catalog;
}

// ---------------------------------------------------------------------------------------------------------------
// The stack config `service-integration:events`
// ---------------------------------------------------------------------------------------------------------------

export interface SaslSettings {
    readonly mechanism: SaslMechanism;
    readonly username: string;
}

export interface KafkaConnection {
    readonly bootstrapServers: readonly string[];
    /** Always explicit: the Pulumi Kafka provider would otherwise default to TLS on. */
    readonly tlsEnabled: boolean;
    /** SASL user; its password is the secret stack config key {@link EVENTS_SASL_PASSWORD_KEY}. */
    readonly sasl?: SaslSettings;
    /** Kafka protocol version the Pulumi provider speaks (`$MAJOR.$MINOR.$PATCH`), pinned per stack. */
    readonly kafkaVersion: string;
    /** PEM CA of the brokers' certificates (the provider's `caCert`); the system bundle when absent. */
    readonly caCertificate?: string;
    /** Mutual TLS: the provider's `clientCert`/`clientKey` from the secrets kafkaClientCert/kafkaClientKey. */
    readonly clientCertificate: boolean;
}

/** A catalog topic with everything the environment decides filled in. */
export interface ResolvedTopic {
    /** Catalog name: the key in outputs and in the producer library. */
    readonly key: string;
    /** Name in Kafka: the stack's topicPrefix + key. */
    readonly name: string;
    readonly family: TopicFamily;
    readonly partitions: number;
    readonly replicationFactor: number;
    /** Every topic config the program sets, Kafka's own keys and string values. */
    readonly config: Readonly<Record<string, string>>;
    readonly schema: string;
    readonly eventTypes: readonly string[];
    readonly partitionKey: string;
    /** The schema-registry compatibility level of the topic's subject (its family's). */
    readonly compatibility: CompatibilityLevel;
}

export interface EventsModel {
    readonly connection: KafkaConnection;
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    /** Whether topics carry Pulumi's `protect` (prod: true, so `pulumi destroy` or a replacement cannot drop data). */
    readonly protect: boolean;
    readonly topicPrefix: string;
    readonly topics: readonly ResolvedTopic[];
    /** Kafka users, ACLs and quotas from the catalogs; present when the cluster authenticates with SCRAM (`sasl`). */
    readonly access?: KafkaAccess;
    /** The schema registry's Confluent-compatible API (`events.schemaRegistryUrl`); subjects are managed when set. */
    readonly schemaRegistryUrl?: string;
}

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

function readBootstrap(r: Reader): string[] {
    const servers = r.stringList("bootstrapServers");
    if (!r.has("bootstrapServers")) {
        r.problems.add(r.at("bootstrapServers"), undefined, "is required", `set ${r.at("bootstrapServers")} to a list like ["kafka-bootstrap.data-platform.svc:9093"]`);
    } else if (servers.length === 0) {
        r.problems.add(r.at("bootstrapServers"), servers, "lists no broker", "list at least one host:port");
    }
    servers.forEach((s, i) => {
        const m = HOST_PORT.exec(s);
        if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) {
            r.problems.add(`${r.at("bootstrapServers")}[${i}]`, s, "must be host:port with a port from 1 to 65535", 'write it like "kafka-0.kafka.data-platform.svc:9093"');
        }
    });
    return servers;
}

function readKafkaVersion(r: Reader): string {
    const v = r.string("kafkaVersion");
    if (v === "") {
        return v;
    }
    const m = VERSION.exec(v);
    if (!m) {
        r.problems.add(r.at("kafkaVersion"), v, "must be a version like 4.2.0 ($MAJOR.$MINOR.$PATCH)", `pin ${r.at("kafkaVersion")} to the cluster's Kafka version`);
    } else if (Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2]) < 1)) {
        r.problems.add(
            r.at("kafkaVersion"),
            v,
            "is older than 2.1.0: Kafka 4 brokers no longer accept the request versions the provider would use for it (KIP-896)",
            `pin ${r.at("kafkaVersion")} to the cluster's Kafka version (2.1.0 or newer)`,
        );
    }
    return v;
}

/**
 * Reads `service-integration:events` against the topic catalog. `catalog` (the service catalog) is taken for the
 * shared `parse<Area>Config` signature; topics are not tied to services. Problems are recorded on `r.problems`.
 */
/** Default per-user quotas (bytes/s); `service-integration:events.quotas` overrides them. */
export const DEFAULT_KAFKA_QUOTAS: KafkaQuotas = { producerByteRate: 10 * 1024 * 1024, consumerByteRate: 20 * 1024 * 1024 };

function readAccess(r: Reader, catalog: Catalog, topicCatalog: TopicCatalog, sasl: SaslSettings | undefined, topicPrefix: string): KafkaAccess | undefined {
    const q = r.child("quotas");
    const quotas: KafkaQuotas = {
        producerByteRate: q.int("producerByteRate", DEFAULT_KAFKA_QUOTAS.producerByteRate, 1024),
        consumerByteRate: q.int("consumerByteRate", DEFAULT_KAFKA_QUOTAS.consumerByteRate, 1024),
    };
    q.done();
    if (sasl === undefined) {
        return undefined;
    }
    if (sasl.mechanism === "plain") {
        r.problems.add(r.at("sasl.mechanism"), sasl.mechanism, "cannot carry the catalog's Kafka users: they are SCRAM credentials", `set ${r.at("sasl.mechanism")} to scram-sha512`);
        return undefined;
    }
    return deriveKafkaAccess(
        {
            services: catalog.services.map((s) => ({ name: s.name, at: `services.${s.name}`, produces: s.produces, consumes: s.consumes })),
            topics: topicCatalog.topics.map((t) => ({ key: t.name, name: `${topicPrefix}${t.name}`, family: t.family })),
            families: Object.fromEntries(Object.values(topicCatalog.families).map((f) => [f.name, { readers: f.readers }])),
            topicPrefix,
            mechanism: sasl.mechanism === "scram-sha256" ? "SCRAM-SHA-256" : "SCRAM-SHA-512",
            quotas,
        },
        r.problems,
    );
}

export function parseEventsConfig(r: Reader, catalog: Catalog, topicCatalog: TopicCatalog = loadTopicCatalog()): EventsModel {
    const bootstrapServers = readBootstrap(r);
    if (!r.has("tlsEnabled")) {
        r.problems.add(
            r.at("tlsEnabled"),
            undefined,
            "must be set explicitly (the Kafka provider silently defaults it to true)",
            `set ${r.at("tlsEnabled")} to true for a TLS listener or false for a plaintext one`,
        );
    }
    const tlsEnabled = r.boolean("tlsEnabled", true);
    let sasl: SaslSettings | undefined;
    if (r.has("sasl")) {
        const s = r.child("sasl");
        sasl = { mechanism: s.oneOf("mechanism", SASL_MECHANISMS), username: s.string("username") };
        s.done();
        if (sasl.mechanism === "plain" && !tlsEnabled) {
            r.problems.add(
                r.at("sasl.mechanism"),
                sasl.mechanism,
                "SASL PLAIN without TLS sends the password in clear text",
                `set ${r.at("tlsEnabled")} to true, or use scram-sha512`,
            );
        }
    } else {
        r.raw("sasl");
    }
    const kafkaVersion = readKafkaVersion(r);
    const caCertificate = readPem(r, "caCertificate", "CERTIFICATE");
    const clientCertificate = r.boolean("clientCertificate", false);
    if (!tlsEnabled && (caCertificate !== undefined || clientCertificate)) {
        r.problems.add(r.at("tlsEnabled"), false, "is off, so caCertificate/clientCertificate would never be used", `set ${r.at("tlsEnabled")} to true, or remove caCertificate/clientCertificate`);
    }
    const replicationFactor = r.int("replicationFactor", undefined, 1, 32767);
    const minInsyncReplicas = r.int("minInsyncReplicas", undefined, 1, 32767);
    if (minInsyncReplicas > replicationFactor) {
        r.problems.add(
            r.at("minInsyncReplicas"),
            minInsyncReplicas,
            `is greater than replicationFactor ${replicationFactor}: every acks=all write would fail with NOT_ENOUGH_REPLICAS`,
            `set minInsyncReplicas to at most ${Math.max(1, replicationFactor - 1)}`,
        );
    } else if (minInsyncReplicas === replicationFactor && replicationFactor > 1) {
        r.problems.add(
            r.at("minInsyncReplicas"),
            minInsyncReplicas,
            `equals replicationFactor ${replicationFactor}: a single broker restart would stop every acks=all write`,
            `set minInsyncReplicas to ${replicationFactor - 1} (replicationFactor - 1)`,
        );
    }
    const protect = r.boolean("protect", false);
    const topicPrefix = r.optional("topicPrefix", () => r.string("topicPrefix")) ?? "";

    const retention = r.child("retention");
    const familyRetention = {} as Record<TopicFamily, number>;
    for (const family of TOPIC_FAMILIES) {
        familyRetention[family] = readRetention(retention, family, topicCatalog.families[family].retentionMs);
    }
    retention.done();

    const overrides = new Map<string, { retentionMs?: number; config: Record<string, string> }>();
    const known = new Set(topicCatalog.topics.map((t) => t.name));
    for (const [name, tr] of r.entries("topics")) {
        if (!known.has(name)) {
            r.problems.add(tr.path, name, "is not a topic of the topic catalog", `use one of ${[...known].join(", ")}`);
            continue;
        }
        overrides.set(name, {
            retentionMs: tr.has("retention") ? readRetention(tr, "retention") : (tr.raw("retention"), undefined),
            config: readTopicConfig(tr, "config"),
        });
        tr.done();
    }
    const access = readAccess(r, catalog, topicCatalog, sasl, topicPrefix);
    const schemaRegistryUrl = r.optional("schemaRegistryUrl", () =>
        r.string("schemaRegistryUrl", undefined, { re: /^https?:\/\/[^\s/]+(\/\S*)?$/, hint: "the registry's Confluent-compatible API, e.g. http://schema-registry.data-platform.svc:8080/apis/ccompat/v7" }),
    );
    r.done();

    const topics: ResolvedTopic[] = topicCatalog.topics.map((t) => {
        const family = topicCatalog.families[t.family];
        const o = overrides.get(t.name);
        const retentionMs = o?.retentionMs ?? t.retentionMs ?? familyRetention[t.family];
        return {
            key: t.name,
            name: `${topicPrefix}${t.name}`,
            family: t.family,
            partitions: t.partitions,
            replicationFactor,
            config: {
                ...family.config,
                ...t.config,
                ...o?.config,
                "cleanup.policy": t.cleanupPolicy ?? family.cleanupPolicy,
                "min.insync.replicas": String(minInsyncReplicas),
                "retention.ms": String(retentionMs),
            },
            schema: t.schema,
            eventTypes: t.eventTypes,
            partitionKey: t.partitionKey,
            compatibility: compatibilityOf(topicCatalog, t.schema),
        };
    });
    if (topicPrefix !== "") {
        checkTopicNames(
            topics.map((t) => ({ name: t.name, path: `${r.at("topicPrefix")} + ${t.key}` })),
            r.problems,
        );
    }
    return {
        connection: { bootstrapServers, tlsEnabled, sasl, kafkaVersion, caCertificate, clientCertificate },
        replicationFactor,
        minInsyncReplicas,
        protect,
        topicPrefix,
        topics,
        ...(access !== undefined ? { access } : {}),
        ...(schemaRegistryUrl !== undefined ? { schemaRegistryUrl } : {}),
    };
}
