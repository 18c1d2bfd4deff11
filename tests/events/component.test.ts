import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ofType, recordResources, RecordedResource, settle } from "../support/pulumi";
import { DEV_EVENTS, PROD_EVENTS, parseEvents } from "./configs";

// Mocks first, then the component module (Pulumi reads the mocks when resources register).
const recorded: RecordedResource[] = recordResources("dev");
const componentModule = import("../../components/events");

/** Pulumi's marker for a secret value on the wire (sdk/nodejs/runtime/rpc.ts specialSigKey / specialSecretSig). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

const SEED_PARTITIONS: Record<string, number> = {
    "data-ingestion": 12,
    "data-quality": 6,
    "data-lineage": 3,
    "data-transformation": 6,
    "system-health": 3,
    "deployment-events": 3,
    "config-changes": 3,
    "security-events": 6,
    "audit-user-actions": 12,
    "audit-api-calls": 12,
    "audit-data-access": 12,
    "audit-admin-operations": 3,
};

function declared(prefix: string): { providers: RecordedResource[]; topics: RecordedResource[] } {
    return {
        providers: ofType(recorded, "pulumi:providers:kafka").filter((r) => r.name.startsWith(prefix)),
        topics: ofType(recorded, "kafka:index/topic:Topic").filter((r) => r.name.startsWith(prefix)),
    };
}

/** Pulumi sends provider inputs JSON-encoded (as provider config strings); decode them back. */
function providerInputs(r: RecordedResource): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(r.inputs).map(([k, v]) => {
            if (typeof v !== "string") {
                return [k, v];
            }
            try {
                return [k, JSON.parse(v)];
            } catch {
                return [k, v];
            }
        }),
    );
}

function outputValue<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

describe("EventTopics with a dev-like config", async () => {
    const { EventTopics } = await componentModule;
    const component = new EventTopics("dev-events", { model: parseEvents(DEV_EVENTS) });
    await settle();
    const { providers, topics } = declared("dev-events");

    it("declares one explicit Kafka provider, TLS explicitly off, version pinned, no SASL", () => {
        expect(providers).toHaveLength(1);
        const p = providerInputs(providers[0]);
        expect(p.bootstrapServers).toEqual(DEV_EVENTS.bootstrapServers);
        expect(p.tlsEnabled).toBe(false);
        expect(p.kafkaVersion).toBe("4.2.0");
        expect(p.skipTlsVerify).toBe(false);
        // The SDK fills saslMechanism with "plain"; without a username the provider does not authenticate.
        expect(p.saslUsername).toBeUndefined();
        expect(p.saslPassword).toBeUndefined();
    });

    it("declares the 12 seed topics with explicit names and seed partition counts, through that provider", () => {
        expect(Object.fromEntries(topics.map((t) => [t.inputs.name, t.inputs.partitions]))).toEqual(SEED_PARTITIONS);
        for (const t of topics) {
            expect(t.provider).toContain("dev-events-kafka");
            expect(t.inputs.replicationFactor).toBe(1);
            expect(t.inputs.config).toMatchObject({ "min.insync.replicas": "1", "cleanup.policy": "delete" });
        }
    });

    it("sets retention per family (dev overrides)", () => {
        const byName = Object.fromEntries(topics.map((t) => [t.inputs.name as string, t.inputs.config as Record<string, string>]));
        expect(byName["data-quality"]["retention.ms"]).toBe(String(86_400_000));
        expect(byName["deployment-events"]["retention.ms"]).toBe(String(3 * 86_400_000));
        expect(byName["audit-user-actions"]["retention.ms"]).toBe(String(30 * 86_400_000));
    });

    it("leaves dev topics unprotected", () => {
        for (const t of Object.values(component.topics)) {
            expect((t as unknown as { __protect?: boolean }).__protect).toBe(false);
        }
    });

    it("outputs topic names by catalog key", async () => {
        expect(Object.keys(component.topicNames).sort()).toEqual(Object.keys(SEED_PARTITIONS).sort());
        expect(await outputValue(component.topicNames["audit-api-calls"])).toBe("audit-api-calls");
    });
});

describe("EventTopics with a prod-like config", async () => {
    const { EventTopics } = await componentModule;
    const password = pulumi.secret("s3cr3t-from-config");
    const component = new EventTopics("prod-events", { model: parseEvents(PROD_EVENTS), saslPassword: password });
    await settle();
    const { providers, topics } = declared("prod-events");

    it("connects over TLS with SCRAM, the password as a secret", async () => {
        const p = providerInputs(providers[0]);
        expect(p.tlsEnabled).toBe(true);
        expect(p.saslMechanism).toBe("scram-sha512");
        expect(p.saslUsername).toBe("platform-admin");
        expect(await pulumi.isSecret(component.provider.saslPassword)).toBe(true);
        // What the engine receives: Pulumi's secret envelope, never a bare string.
        expect(providers[0].inputs.saslPassword).toEqual({ [SECRET_SIG]: SECRET_SIG_VALUE, value: "s3cr3t-from-config" });
    });

    it("wraps even a plain password into a secret", async () => {
        const c = new EventTopics("prod-plain", { model: parseEvents(PROD_EVENTS), saslPassword: "plain-string" });
        await settle();
        expect(await pulumi.isSecret(c.provider.saslPassword)).toBe(true);
    });

    it("replicates 3 times with min ISR 2 and keeps audit events 730 days", () => {
        expect(topics).toHaveLength(12);
        for (const t of topics) {
            expect(t.inputs.replicationFactor).toBe(3);
            expect((t.inputs.config as Record<string, string>)["min.insync.replicas"]).toBe("2");
        }
        const audit = topics.find((t) => t.inputs.name === "audit-data-access")!;
        expect((audit.inputs.config as Record<string, string>)["retention.ms"]).toBe(String(730 * 86_400_000));
    });

    it("protects every prod topic", () => {
        for (const t of Object.values(component.topics)) {
            expect((t as unknown as { __protect?: boolean }).__protect).toBe(true);
        }
    });

    it("refuses SASL without a password", () => {
        expect(() => new EventTopics("prod-nopass", { model: parseEvents(PROD_EVENTS) })).toThrow(/pulumi config set --secret kafkaSaslPassword/);
    });
});

describe("Kafka identities from the catalog (prod-like: SCRAM on)", async () => {
    const { EventTopics } = await componentModule;
    const model = parseEvents(PROD_EVENTS);
    new EventTopics("ids", { model, saslPassword: pulumi.secret("admin") });
    await settle();
    const mine = (type: string): RecordedResource[] => ofType(recorded, type).filter((r) => r.name.startsWith("ids-"));
    const users = mine("kafka:index/userScramCredential:UserScramCredential");
    const acls = mine("kafka:index/acl:Acl");
    const quotas = mine("kafka:index/quota:Quota");
    const aclsOf = (user: string): string[] =>
        acls
            .filter((a) => a.inputs.aclPrincipal === `User:${user}`)
            .map((a) => `${a.inputs.aclOperation} ${a.inputs.aclResourceType}:${a.inputs.aclResourceName} (${a.inputs.resourcePatternTypeFilter})`)
            .sort();

    it("declares one SCRAM-SHA-512 user per service that names a topic, plus the audit reader, with secret passwords", () => {
        expect(users.map((u) => u.inputs.username).sort()).toEqual(
            ["audit-reviewer", "data-ingestion-api", "data-quality-service", "lineage-service", "metadata-catalog", "portal-services", "query-service", "scheduler", "transformation-service"].sort(),
        );
        for (const u of users) {
            expect(u.inputs.scramMechanism).toBe("SCRAM-SHA-512");
            expect(u.inputs.password).toMatchObject({ [SECRET_SIG]: SECRET_SIG_VALUE });
        }
    });

    it("audit topics are write-only for their producers and readable by the named auditor only", () => {
        expect(aclsOf("query-service")).toEqual([
            "Describe Topic:audit-api-calls (Literal)",
            "Describe Topic:audit-data-access (Literal)",
            "Write Topic:audit-api-calls (Literal)",
            "Write Topic:audit-data-access (Literal)",
        ]);
        const readers = new Set(acls.filter((a) => a.inputs.aclOperation === "Read" && String(a.inputs.aclResourceName).startsWith("audit-")).map((a) => a.inputs.aclPrincipal));
        expect([...readers]).toEqual(["User:audit-reviewer"]);
        expect(aclsOf("audit-reviewer")).toContain("Read Topic:audit-user-actions (Literal)");
        expect(aclsOf("audit-reviewer")).toContain("Read Group:audit-reviewer. (Prefixed)");
        expect(aclsOf("audit-reviewer").filter((a) => a.startsWith("Write"))).toEqual([]);
    });

    it("a consumer reads its topics and its own consumer groups; services the catalog does not name get nothing", () => {
        expect(aclsOf("data-quality-service")).toEqual([
            "Describe Topic:data-ingestion (Literal)",
            "Describe Topic:data-quality (Literal)",
            "Read Group:data-quality-service. (Prefixed)",
            "Read Topic:data-ingestion (Literal)",
            "Write Topic:data-quality (Literal)",
        ]);
        for (const outsider of ["kong-proxy", "grafana", "prometheus", "kiali", "jaeger"]) {
            expect(aclsOf(outsider), outsider).toEqual([]);
            expect(users.some((u) => u.inputs.username === outsider)).toBe(false);
        }
    });

    it("gives every user its quota, through the same explicit provider", () => {
        expect(quotas.map((q) => q.inputs.entityName).sort()).toEqual(users.map((u) => u.inputs.username).sort());
        expect(quotas[0].inputs).toMatchObject({ entityType: "user", config: { producer_byte_rate: String(10 * 1024 * 1024), consumer_byte_rate: String(20 * 1024 * 1024) } });
        for (const r of [...users, ...acls, ...quotas]) {
            expect(r.provider).toContain("ids-kafka");
        }
    });

    it("declares no identities when the cluster does not authenticate (dev)", () => {
        expect(parseEvents(DEV_EVENTS).access).toBeUndefined();
    });
});

describe("schema-registry subjects (events.schemaRegistryUrl set)", async () => {
    const { EventTopics } = await componentModule;
    const url = "http://schema-registry.data-platform.svc:8080/apis/ccompat/v7";
    const model = parseEvents({ ...DEV_EVENTS, schemaRegistryUrl: url });
    new EventTopics("reg", { model });
    await settle();
    const subjects = recorded.filter((r) => r.name.startsWith("reg-subject-"));

    it("declares one subject per topic, <topic>-value, FULL_TRANSITIVE, history then the current schema", () => {
        expect(subjects).toHaveLength(12);
        const ingestion = subjects.find((s) => s.inputs.subject === "data-ingestion-value")!;
        expect(ingestion.inputs).toMatchObject({ url, compatibility: "FULL_TRANSITIVE" });
        const versions = ingestion.inputs.versions as string[];
        expect(versions.length).toBeGreaterThanOrEqual(1);
        // The current schema (with its enum default) is the last version.
        expect(versions[versions.length - 1]).toContain('"default":"FAILED"');
    });

    it("refuses a registry URL that is not http(s)", () => {
        expect(() => parseEvents({ ...DEV_EVENTS, schemaRegistryUrl: "registry:8081" })).toThrow(/schemaRegistryUrl/);
    });
});
