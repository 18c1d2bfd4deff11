import * as fs from "fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../model/errors";
import {
    checkTopicNames,
    DEFAULT_TOPIC_CATALOG,
    KAFKA_TOPIC_CONFIGS,
    loadTopicCatalog,
    parseRetention,
    parseTopicCatalog,
    topicCollisionKey,
} from "../../model/events";
import { Problems } from "../../model/errors";
import { DEV_EVENTS, PROD_EVENTS, parseEvents } from "./configs";

/** The seed's 12 topics and partition counts (seed report, "KAFKA EVENT TOPICS"). */
const SEED_TOPICS: Record<string, [string, number]> = {
    "data-ingestion": ["data", 12],
    "data-quality": ["data", 6],
    "data-lineage": ["data", 3],
    "data-transformation": ["data", 6],
    "system-health": ["system", 3],
    "deployment-events": ["system", 3],
    "config-changes": ["system", 3],
    "security-events": ["system", 6],
    "audit-user-actions": ["audit", 12],
    "audit-api-calls": ["audit", 12],
    "audit-data-access": ["audit", 12],
    "audit-admin-operations": ["audit", 3],
};

function rawCatalog(): { families: Record<string, Record<string, unknown>>; topics: Record<string, unknown>[] } {
    return JSON.parse(fs.readFileSync(DEFAULT_TOPIC_CATALOG, "utf8"));
}

function catalogError(mutate: (raw: ReturnType<typeof rawCatalog>) => void): string {
    const raw = rawCatalog();
    mutate(raw);
    try {
        parseTopicCatalog(raw, "topics.json");
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
    }
    throw new Error("the catalog was accepted");
}

function configError(config: Record<string, unknown>): string {
    try {
        parseEvents(config);
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
    }
    throw new Error("the config was accepted");
}

describe("topic catalog", () => {
    const catalog = loadTopicCatalog();

    it("holds exactly the seed's 12 topics with their families and partition counts", () => {
        const found = Object.fromEntries(catalog.topics.map((t) => [t.name, [t.family, t.partitions]]));
        expect(found).toEqual(SEED_TOPICS);
    });

    it("gives every topic a schema in its family's namespace, event types and a partition key", () => {
        for (const t of catalog.topics) {
            expect(t.schema.startsWith(`${catalog.families[t.family].namespace}.`)).toBe(true);
            expect(t.eventTypes.length).toBeGreaterThan(0);
            expect(t.partitionKey).toMatch(/^[A-Za-z_.]+$/);
        }
    });

    it("keeps audit events longer than data and system events", () => {
        const { data, system, audit } = catalog.families;
        expect(audit.retentionMs).toBe(365 * 86_400_000);
        expect(audit.retentionMs).toBeGreaterThan(system.retentionMs);
        expect(system.retentionMs).toBeGreaterThan(data.retentionMs);
        expect(audit.config["unclean.leader.election.enable"]).toBe("false");
    });

    it("rejects a topic with fewer than 1 partition", () => {
        const msg = catalogError((raw) => (raw.topics[2].partitions = 0));
        expect(msg).toContain("topics.data-lineage.partitions: must be at least 1");
    });

    it("rejects names Kafka would collide on ('.' versus '_')", () => {
        const msg = catalogError((raw) => {
            raw.topics.push({ ...raw.topics[0], name: "data.ingestion_x", schema: "com.carbon254.events.data.X1" });
            raw.topics.push({ ...raw.topics[0], name: "data_ingestion.x", schema: "com.carbon254.events.data.X2" });
        });
        expect(msg).toContain('topics.data_ingestion.x.name: collides with topic "data.ingestion_x" (topics.data.ingestion_x.name)');
    });

    it("rejects names longer than 249 characters, with illegal characters, or reserved", () => {
        const msg = catalogError((raw) => {
            raw.topics[0].name = "d".repeat(250);
            raw.topics[1].name = "data quality";
            raw.topics[2].name = "__lineage";
        });
        expect(msg).toContain(`topics.${"d".repeat(250)}.name: is 250 characters long; Kafka allows at most 249`);
        expect(msg).toContain("topics.data quality.name: contains characters Kafka does not allow");
        expect(msg).toContain("topics.__lineage.name: starts with '__'");
    });

    it("rejects duplicate topics", () => {
        const msg = catalogError((raw) => raw.topics.push({ ...raw.topics[0], schema: "com.carbon254.events.data.Other" }));
        expect(msg).toContain("topics.data-ingestion#2.name: is declared twice (first at topics.data-ingestion.name)");
    });

    it("rejects unknown, removed and model-owned topic config keys", () => {
        const msg = catalogError((raw) => {
            raw.families.data.config = { "retention.msec": "1", "message.format.version": "3.0", "retention.ms": "5" };
            raw.topics[0].config = { "segment.byte": "1024" };
        });
        expect(msg).toContain("families.data.config.retention.msec: is not a Kafka topic config");
        expect(msg).toContain("use one of retention.bytes");
        expect(msg).toContain("families.data.config.message.format.version: is not a Kafka 4 topic config");
        expect(msg).toContain("families.data.config.retention.ms: is computed by the model");
        expect(msg).toContain("topics.data-ingestion.config.segment.byte: is not a Kafka topic config");
    });

    it("rejects a compression.type Kafka does not know and a max.message.bytes that is not a byte count", () => {
        const msg = catalogError((raw) => {
            raw.families.audit.config = { "compression.type": "brotli" };
            raw.topics[1].config = { "max.message.bytes": "1MB" };
        });
        expect(msg).toContain('families.audit.config.compression.type: must be one of uncompressed, zstd, lz4, snappy, gzip, producer (found "brotli")');
        expect(msg).toMatch(/topics(\[1\]|\.data-quality)\.config\.max\.message\.bytes: must be a positive whole number of bytes/);
    });

    it("rejects event types outside their family and a schema outside the family namespace", () => {
        const msg = catalogError((raw) => {
            raw.topics[0].eventTypes = ["ingestion.done"];
            raw.topics[8].schema = "com.carbon254.events.data.UserAction";
        });
        expect(msg).toContain('topics.data-ingestion.eventTypes[0]: does not start with "data."');
        expect(msg).toContain("topics.audit-user-actions.schema: is outside its family's Avro namespace com.carbon254.events.audit");
    });

    it("reports a typo in a topic entry", () => {
        const msg = catalogError((raw) => (raw.topics[0].partiton = 3));
        expect(msg).toContain("topics.data-ingestion.partiton: is not a known key");
    });

    it("allow-lists only real Kafka topic configs", () => {
        expect(KAFKA_TOPIC_CONFIGS).toContain("max.message.bytes");
        expect(KAFKA_TOPIC_CONFIGS).not.toContain("message.format.version");
        expect(topicCollisionKey("a.b_c")).toBe("a_b_c");
        expect(parseRetention("7d")).toBe(604_800_000);
        expect(parseRetention("forever")).toBe(-1);
        expect(parseRetention("7 days")).toBeUndefined();
    });

    it("checkTopicNames accepts distinct legal names", () => {
        const p = new Problems();
        checkTopicNames([{ name: "a-b", path: "x" }, { name: "a.c", path: "y" }], p);
        expect(p.count).toBe(0);
    });
});

describe("service-integration:events", () => {
    it("dev: replication 1, min ISR 1, unprotected, plaintext, short retention", () => {
        const m = parseEvents(DEV_EVENTS);
        expect(m.replicationFactor).toBe(1);
        expect(m.minInsyncReplicas).toBe(1);
        expect(m.protect).toBe(false);
        expect(m.connection).toEqual({ bootstrapServers: DEV_EVENTS.bootstrapServers, tlsEnabled: false, sasl: undefined, kafkaVersion: "4.2.0", caCertificate: undefined, clientCertificate: false });
        const ingestion = m.topics.find((t) => t.key === "data-ingestion")!;
        expect(ingestion).toMatchObject({ name: "data-ingestion", partitions: 12, replicationFactor: 1 });
        expect(ingestion.config).toEqual({ "cleanup.policy": "delete", "compression.type": "lz4", "min.insync.replicas": "1", "retention.ms": String(86_400_000) });
        expect(m.topics.find((t) => t.key === "audit-data-access")!.config["retention.ms"]).toBe(String(30 * 86_400_000));
    });

    it("prod: replication 3, min ISR 2, protected, TLS + SCRAM, audit kept two years", () => {
        const m = parseEvents(PROD_EVENTS);
        expect(m.protect).toBe(true);
        expect(m.connection.tlsEnabled).toBe(true);
        expect(m.connection.sasl).toEqual({ mechanism: "scram-sha512", username: "platform-admin" });
        expect(m.topics).toHaveLength(12);
        for (const t of m.topics) {
            expect(t.replicationFactor).toBe(3);
            expect(t.config["min.insync.replicas"]).toBe("2");
        }
        const api = m.topics.find((t) => t.key === "audit-api-calls")!;
        expect(api.config).toMatchObject({ "retention.ms": String(730 * 86_400_000), "max.message.bytes": "2097152", "unclean.leader.election.enable": "false" });
        // Families without an override keep the catalog's default.
        expect(m.topics.find((t) => t.key === "system-health")!.config["retention.ms"]).toBe(String(30 * 86_400_000));
    });

    it("rejects min.insync.replicas greater than the replication factor", () => {
        const msg = configError({ ...PROD_EVENTS, minInsyncReplicas: 4 });
        expect(msg).toContain("service-integration:events.minInsyncReplicas: is greater than replicationFactor 3");
        expect(msg).toContain("set minInsyncReplicas to at most 2");
    });

    it("rejects min.insync.replicas equal to a replication factor above 1", () => {
        const msg = configError({ ...PROD_EVENTS, minInsyncReplicas: 3 });
        expect(msg).toContain("minInsyncReplicas: equals replicationFactor 3: a single broker restart would stop every acks=all write");
    });

    it("requires tlsEnabled explicitly", () => {
        const { tlsEnabled: _unused, ...rest } = DEV_EVENTS;
        void _unused;
        expect(configError(rest)).toContain("service-integration:events.tlsEnabled: must be set explicitly");
    });

    it("refuses SASL PLAIN over plaintext and unknown mechanisms", () => {
        expect(configError({ ...DEV_EVENTS, sasl: { mechanism: "plain", username: "u" } })).toContain("SASL PLAIN without TLS");
        expect(configError({ ...PROD_EVENTS, sasl: { mechanism: "gssapi", username: "u" } })).toContain("sasl.mechanism: must be one of plain, scram-sha256, scram-sha512");
    });

    it("requires a pinned Kafka version new enough for Kafka 4 brokers", () => {
        expect(configError({ ...DEV_EVENTS, kafkaVersion: "latest" })).toContain("kafkaVersion: must be a version like 4.2.0");
        expect(configError({ ...DEV_EVENTS, kafkaVersion: "2.0.0" })).toContain("KIP-896");
        const { kafkaVersion: _v, ...rest } = DEV_EVENTS;
        void _v;
        expect(configError(rest)).toContain("kafkaVersion: is required");
    });

    it("rejects bad bootstrap servers", () => {
        expect(configError({ ...DEV_EVENTS, bootstrapServers: ["kafka:99999", "no-port"] })).toMatch(/bootstrapServers\[0\].*bootstrapServers\[1\]/s);
        expect(configError({ ...DEV_EVENTS, bootstrapServers: [] })).toContain("bootstrapServers: lists no broker");
    });

    it("rejects unknown topic config keys and unknown topics in overrides", () => {
        const msg = configError({ ...PROD_EVENTS, topics: { "audit-api-calls": { config: { "max.messages.bytes": "1" } }, "audit-logins": { retention: "1d" } } });
        expect(msg).toContain("service-integration:events.topics.audit-api-calls.config.max.messages.bytes: is not a Kafka topic config");
        expect(msg).toContain("service-integration:events.topics.audit-logins: is not a topic of the topic catalog");
    });

    it("rejects retention for an unknown family and malformed retention", () => {
        const msg = configError({ ...DEV_EVENTS, retention: { metrics: "1d", audit: "a year" } });
        expect(msg).toContain("retention.metrics: is not a known key");
        expect(msg).toContain('retention.audit: must be a retention like "7d"');
    });

    it("reports a typo in a top-level key", () => {
        expect(configError({ ...DEV_EVENTS, replicationFactr: 3 })).toContain("service-integration:events.replicationFactr: is not a known key");
    });

    it("applies a topic prefix and checks the resulting names", () => {
        const m = parseEvents({ ...DEV_EVENTS, topicPrefix: "dev." });
        expect(m.topics.map((t) => t.name)).toContain("dev.data-ingestion");
        expect(configError({ ...DEV_EVENTS, topicPrefix: "x".repeat(240) })).toContain("Kafka allows at most 249");
    });
});
