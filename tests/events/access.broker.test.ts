import { pbkdf2Sync, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Admin as PlatformaticAdmin, alterUserScramCredentialsV0, Connection, Consumer, MessagesStreamModes, ScramMechanisms } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AclEntry, KafkaAccess } from "../../model/kafka-access";
import { TopicKey } from "../../producer/events";
import { PlatformaticTransport } from "../../producer/platformatic";
import { EventProducer } from "../../producer/producer";
import { SchemaSet } from "../../producer/schemas";
import { runProjectScript, ScriptRun } from "../support/services";
import { kafkaClient, recreateTopics } from "./broker";
import { PROD_EVENTS, parseEvents } from "./configs";
import { SAMPLES } from "./samples";

/**
 * The catalog's Kafka identities on a real broker with SASL/SCRAM and the ACL authorizer (kafka.sh with KAFKA_TLS=1
 * KAFKA_ACL=1: StandardAuthorizer, nothing allowed without an ACL). The users, ACLs and quotas the Pulumi program
 * declares (model/kafka-access.ts, the same derivation) are created through Kafka's admin API, because the Pulumi
 * Kafka provider plugin cannot be built here. Then each service connects as itself over SASL_SSL (the broker's CA
 * from the file kafka.sh made) and the authorizer decides.
 */

const PORT = Number(process.env.KAFKA_ACL_PORT ?? 19392);
const STATE = process.env.KAFKA_ACL_STATE_DIR ?? path.join(os.tmpdir(), `254carbon-kafka-acl-${PORT}`);
const ENV = { KAFKA_PORT: String(PORT), KAFKA_STATE_DIR: STATE, KAFKA_TLS: "1", KAFKA_ACL: "1" };
const schemas = SchemaSet.load();

let skipReason: string | undefined;
let startedHere = false;
let tlsBootstrap = "";
let ca = "";
let access: KafkaAccess;
const passwords = new Map<string, string>();

function script(args: string[], timeoutMs: number): ScriptRun {
    return runProjectScript("scripts/kafka/kafka.sh", args, timeoutMs, ENV);
}

/** SCRAM's SaltedPassword = Hi(password, salt, i): PBKDF2 with HMAC-SHA-512 (RFC 5802 §2.2, RFC 7677). */
function scramUpsertion(name: string, password: string): { name: string; mechanism: number; iterations: number; salt: Buffer; saltedPassword: Buffer } {
    const salt = randomBytes(32);
    const iterations = 8192;
    return { name, mechanism: ScramMechanisms.SCRAM_SHA_512, iterations, salt, saltedPassword: pbkdf2Sync(password, salt, iterations, 64, "sha512") };
}

const RESOURCE = { Topic: 2, Group: 3 } as const; // Kafka's ResourceType codes (platformatic ResourceTypes)
const OPERATION = { Read: 3, Write: 4, Describe: 8 } as const; // AclOperation codes
const PATTERN = { Literal: 3, Prefixed: 4 } as const; // PatternType codes

function toAcl(a: AclEntry): Parameters<PlatformaticAdmin["createAcls"]>[0]["creations"][number] {
    return { principal: a.principal, host: a.host, resourceType: RESOURCE[a.resourceType], resourceName: a.resourceName, resourcePatternType: PATTERN[a.patternType], operation: OPERATION[a.operation], permissionType: 3 /* ALLOW */ };
}

function transportAs(user: string, password = passwords.get(user) ?? "none"): PlatformaticTransport {
    return new PlatformaticTransport({
        brokers: [tlsBootstrap],
        clientId: user,
        ssl: { ca },
        sasl: { mechanism: "scram-sha512", username: user, password },
        retries: 1,
        initialRetryTimeMs: 100,
        requestTimeoutMs: 5_000,
    });
}

async function errorOf(p: Promise<unknown>): Promise<string> {
    try {
        await p;
        return "no error";
    } catch (e) {
        const parts: string[] = [];
        const walk = (x: unknown, depth = 0): void => {
            if (x === null || typeof x !== "object" || depth > 8) return;
            const o = x as { message?: string; apiId?: string; brokerErrors?: string[]; errors?: unknown[]; cause?: unknown };
            parts.push(o.apiId ?? "", ...(o.brokerErrors ?? []), o.message ?? "");
            o.errors?.forEach((i) => walk(i, depth + 1));
            walk(o.cause, depth + 1);
        };
        walk(e);
        return parts.filter(Boolean).join(" | ");
    }
}

beforeAll(async () => {
    const start = script(["start"], 10 * 60_000);
    if (start.code !== 0) {
        skipReason = `kafka.sh start (KAFKA_TLS=1 KAFKA_ACL=1) failed:\n${start.output}`;
        if (process.env.CI) throw new Error(skipReason);
        return;
    }
    startedHere = !start.output.includes("already running");
    const info = /tls_bootstrap=(\S+) ca=(\S+)/.exec(script(["tls-info"], 10_000).output)!;
    tlsBootstrap = info[1];
    ca = fs.readFileSync(info[2], "utf8");
    access = parseEvents({ ...PROD_EVENTS, bootstrapServers: [tlsBootstrap] }).access!;

    // The administrator: the loopback PLAINTEXT listener (a super user there), through the admin API.
    const plaintext = `127.0.0.1:${PORT}`;
    const kafka = kafkaClient(plaintext, "acl-tests-admin");
    const admin = kafka.admin();
    await admin.connect();
    const model = parseEvents({ ...PROD_EVENTS, bootstrapServers: [plaintext], replicationFactor: 1, minInsyncReplicas: 1 });
    await recreateTopics(admin, model);
    await admin.disconnect();

    const connection = new Connection("acl-tests-admin");
    await connection.connect("127.0.0.1", PORT);
    for (const p of access.principals) {
        passwords.set(p.name, randomBytes(18).toString("base64url"));
    }
    const scram = await alterUserScramCredentialsV0.api.async(connection, [], access.principals.map((p) => scramUpsertion(p.name, passwords.get(p.name)!)));
    expect(scram.results.filter((r) => r.errorCode !== 0)).toEqual([]);
    await connection.close();

    const pAdmin = new PlatformaticAdmin({ clientId: "acl-tests-admin", bootstrapBrokers: [plaintext] });
    await pAdmin.createAcls({ creations: access.acls.map(toAcl) });
    await pAdmin.alterClientQuotas({
        entries: access.principals.map((p) => ({
            entities: [{ entityType: "user", entityName: p.name }],
            ops: [
                { key: "producer_byte_rate", value: access.quotas.producerByteRate, remove: false },
                { key: "consumer_byte_rate", value: access.quotas.consumerByteRate, remove: false },
            ],
        })),
    });
    await pAdmin.close();
}, 15 * 60_000);

afterAll(() => {
    if (startedHere) {
        script(["stop"], 120_000);
    }
}, 180_000);

function producerFor(service: string, produces: readonly TopicKey[], transport = transportAs(service)): EventProducer {
    return new EventProducer({ source: service, schemas, produces, transport });
}

async function consumeAs(user: string, topic: string): Promise<number> {
    const consumer = new Consumer({
        groupId: `${user}.acl-test-${Date.now()}`,
        clientId: user,
        bootstrapBrokers: [tlsBootstrap],
        tls: { ca },
        sasl: { mechanism: "SCRAM-SHA-512", username: user, password: passwords.get(user)! },
        retries: 1,
    });
    try {
        const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 200 });
        const n = await new Promise<number>((resolve, reject) => {
            let count = 0;
            const timer = setTimeout(() => resolve(count), 5_000);
            stream.on("data", () => {
                count++;
                clearTimeout(timer);
                resolve(count);
            });
            stream.on("error", (e: Error) => {
                clearTimeout(timer);
                reject(e);
            });
        });
        await stream.close();
        return n;
    } finally {
        await consumer.close(true);
    }
}

describe("Kafka identities on a broker with SASL/SCRAM and the ACL authorizer", () => {
    it("an allowed produce succeeds: query-service writes its audit events", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        const service = access.principals.find((p) => p.name === "query-service")!;
        const producer = producerFor("query-service", ["audit-api-calls", "audit-data-access"]);
        await producer.connect();
        try {
            const d = await producer.audit.send("audit-api-calls", "audit.api.call", SAMPLES["audit-api-calls"].payload);
            expect(Number(d.offset)).toBeGreaterThanOrEqual(0);
        } finally {
            await producer.close(5_000);
        }
        expect([...service.produces].sort()).toEqual(["audit-api-calls", "audit-data-access"]);
    }, 120_000);

    it("a produce to a topic the catalog does not give the service gets TOPIC_AUTHORIZATION_FAILED", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        // query-service is not a producer of data-ingestion: the broker refuses it (here already its metadata).
        const producer = producerFor("query-service", ["data-ingestion"]);
        expect(await errorOf(producer.connect())).toContain("TOPIC_AUTHORIZATION_FAILED");
        // And a raw produce request, past the library's own checks: the same answer from the broker.
        const transport = transportAs("query-service");
        const sent = transport.send([{ topic: "data-ingestion", compression: "none", messages: [{ key: Buffer.from("k"), value: Buffer.from("v"), headers: {}, partition: 0 }] }]);
        expect(await errorOf(sent)).toContain("TOPIC_AUTHORIZATION_FAILED");
        await transport.disconnect(true);
    }, 120_000);

    it("audit topics are write-only for their producers and readable by the named auditor", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        expect(await consumeAs("audit-reviewer", "audit-api-calls")).toBeGreaterThan(0);
        expect(await errorOf(consumeAs("query-service", "audit-api-calls"))).toMatch(/TOPIC_AUTHORIZATION_FAILED|GROUP_AUTHORIZATION_FAILED/);
        // The auditor cannot write.
        const producer = producerFor("audit-reviewer", ["audit-api-calls"]);
        const outcome = await errorOf(
            (async () => {
                await producer.connect();
                await producer.audit.send("audit-api-calls", "audit.api.call", SAMPLES["audit-api-calls"].payload);
            })(),
        );
        // Kafka refuses it already at InitProducerId: an idempotent producer id needs Write on some topic or
        // IdempotentWrite on the cluster (KIP-679), and the auditor has neither.
        expect(outcome).toMatch(/TOPIC_AUTHORIZATION_FAILED|CLUSTER_AUTHORIZATION_FAILED/);
        await producer.close(2_000).catch(() => undefined);
    }, 120_000);

    it("a service the catalog does not name gets nothing: it has no user, so it cannot even authenticate", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        expect(access.principals.some((p) => p.name === "kong-proxy")).toBe(false);
        const transport = new PlatformaticTransport({
            brokers: [tlsBootstrap],
            clientId: "kong-proxy",
            ssl: { ca },
            sasl: { mechanism: "scram-sha512", username: "kong-proxy", password: "guessed" },
            retries: 1,
            connectDeadlineMs: 5_000,
        });
        const e = await errorOf(producerFor("kong-proxy", ["audit-api-calls"], transport).connect());
        expect(e).toContain("refused this client's TLS or SASL credentials (user kong-proxy)");
        expect(e).toMatch(/[1-9]\d* failed connection attempt/);
        await transport.disconnect(true);
    }, 120_000);
});
