import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaPreflight } from "../../preflight/kafka";
import { postgresPreflight } from "../../preflight/postgres";
import { preflightProblems, PreflightError, runPreflight } from "../../preflight";
import { makePki } from "./certs";
import { KafkaService, PostgresService, startKafka, startPostgres } from "./services";

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}

const otherCa = makePki("254carbon-other-ca-").otherCaCert;

describe("Kafka preflight against a real broker", () => {
    let kafka: KafkaService | { skip: string };
    beforeAll(() => {
        kafka = startKafka();
    }, 16 * 60_000);
    afterAll(() => {
        if ("stop" in kafka) kafka.stop();
    }, 130_000);
    const k = (ctx: { skip(reason: string): void }): KafkaService => {
        if ("skip" in kafka) ctx.skip(kafka.skip);
        return kafka as KafkaService;
    };

    it("passes a plaintext listener that advertises itself", async (ctx) => {
        expect(await kafkaPreflight({ bootstrapServers: [k(ctx).plaintext], tlsEnabled: false })).toEqual([]);
    });

    it("passes SASL_SSL with the configured CA and the right SCRAM password", async (ctx) => {
        const b = k(ctx);
        expect(await kafkaPreflight({ bootstrapServers: [b.tls], tlsEnabled: true, caCertificate: b.ca, sasl: { mechanism: "scram-sha512", username: b.user, password: b.password } })).toEqual([]);
    });

    it("names the CA key when the brokers' certificate does not verify (system bundle, or another CA)", async (ctx) => {
        const b = k(ctx);
        const sasl = { mechanism: "scram-sha512" as const, username: b.user, password: b.password };
        const [system] = await kafkaPreflight({ bootstrapServers: [b.tls], tlsEnabled: true, sasl });
        expect(system).toMatchObject({ endpoint: b.tls, key: "service-integration:events.caCertificate" });
        expect(system.problem).toContain("does not verify against the system CA bundle");
        const [other] = await kafkaPreflight({ bootstrapServers: [b.tls], tlsEnabled: true, caCertificate: otherCa, sasl });
        expect(other.problem).toContain("does not verify against the configured CA");
    });

    it("names the SASL settings when the password is wrong", async (ctx) => {
        const b = k(ctx);
        const [p] = await kafkaPreflight({ bootstrapServers: [b.tls], tlsEnabled: true, caCertificate: b.ca, sasl: { mechanism: "scram-sha512", username: b.user, password: "wrong-password" } });
        expect(p).toMatchObject({ key: "service-integration:events.sasl" });
        expect(p.problem).toContain(`SASL authentication as ${b.user} failed`);
        expect(p.fix).toContain("kafkaSaslPassword");
        expect(JSON.stringify(p)).not.toContain(b.password);
    });

    it("says the listener is plaintext when TLS is configured against it", async (ctx) => {
        const [p] = await kafkaPreflight({ bootstrapServers: [k(ctx).plaintext], tlsEnabled: true });
        expect(p).toMatchObject({ key: "service-integration:events.tlsEnabled" });
        expect(p.problem).toContain("the TLS handshake failed");
    });

    it("detects brokers that advertise in-cluster addresses and says to use an external listener", async (ctx) => {
        const b = k(ctx);
        const [p] = await kafkaPreflight({ bootstrapServers: [b.advertising], tlsEnabled: false });
        expect(p.problem).toContain("the brokers answered but advertise addresses that are not reachable from here");
        expect(p.problem).toContain("kafka-0.kafka.data-platform.svc");
        expect(p.fix).toContain("use an external listener");
        expect(p.key).toBe("service-integration:events.bootstrapServers");
    });

    it("reports a closed port and an in-cluster bootstrap name, each by name", async () => {
        const port = await closedPort();
        const problems = await kafkaPreflight({ bootstrapServers: [`127.0.0.1:${port}`, "kafka-bootstrap.data-platform.svc:9092"], tlsEnabled: false, timeoutMs: 2_000 });
        expect(problems).toHaveLength(2);
        expect(problems[0]).toMatchObject({ endpoint: `127.0.0.1:${port}`, problem: "connection refused (nothing listens on that port)" });
        expect(problems[1].problem).toContain("it is an in-cluster name");
        expect(problems[1].fix).toContain("external listener");
    });
});

describe("PostgreSQL preflight against a real Debian PostgreSQL 15", () => {
    let pg: PostgresService | { skip: string };
    beforeAll(() => {
        pg = startPostgres();
    }, 11 * 60_000);
    afterAll(() => {
        if ("stop" in pg) pg.stop();
    }, 70_000);
    const p = (ctx: { skip(reason: string): void }): PostgresService => {
        if ("skip" in pg) ctx.skip(pg.skip);
        return pg as PostgresService;
    };
    const target = (s: PostgresService) => ({ host: s.host, port: s.port, sslmode: "verify-full" as const, caCertificate: s.ca, user: s.user, password: s.password, database: "postgres" });

    it("passes verify-full with the configured CA and the admin password", async (ctx) => {
        expect(await postgresPreflight(target(p(ctx)))).toEqual([]);
    });

    it("fails verify-full when only the system bundle is trusted, or another CA, naming the CA key", async (ctx) => {
        const s = p(ctx);
        const [system] = await postgresPreflight({ ...target(s), caCertificate: undefined });
        expect(system).toMatchObject({ endpoint: `${s.host}:${s.port}`, key: "service-integration:gateway.database.caCertificate" });
        expect(system.problem).toContain("system CA bundle");
        const [other] = await postgresPreflight({ ...target(s), caCertificate: otherCa });
        expect(other.problem).toContain("the configured CA");
    });

    it("names the admin user and the password secret on a wrong password (SQLSTATE 28P01), without the password", async (ctx) => {
        const s = p(ctx);
        const [bad] = await postgresPreflight({ ...target(s), password: "not-the-password" });
        expect(bad.key).toBe("service-integration:gateway.database.adminUser");
        expect(bad.problem).toContain("SQLSTATE 28P01");
        expect(bad.fix).toContain("postgresAdminPassword");
        expect(JSON.stringify(bad)).not.toContain("not-the-password");
    });

    it("names the admin database when it does not exist (3D000)", async (ctx) => {
        const [bad] = await postgresPreflight({ ...target(p(ctx)), database: "no_such_db" });
        expect(bad.key).toBe("service-integration:gateway.database.adminDatabase");
    });

    it("reports a closed port and an internal host name", async () => {
        const port = await closedPort();
        const [closed] = await postgresPreflight({ host: "127.0.0.1", port, sslmode: "verify-full", user: "u", password: "p", database: "postgres" });
        expect(closed).toMatchObject({ key: "service-integration:gateway.database.host", problem: "connection refused (nothing listens on that port)" });
        const [internal] = await postgresPreflight({ host: "kong-db.prod.internal", port: 5432, sslmode: "verify-full", user: "u", password: "p", database: "postgres", timeoutMs: 2_000 });
        expect(internal.fix).toContain("runner inside the cluster's network");
    });

    it("reports every endpoint's problems in one error, before anything changes", async (ctx) => {
        const s = p(ctx);
        const port = await closedPort();
        const problems = await preflightProblems({
            postgres: { ...target(s), password: "nope" },
            kafka: { bootstrapServers: [`127.0.0.1:${port}`], tlsEnabled: false },
        });
        expect(problems.map((x) => x.key).sort()).toEqual(["service-integration:events.bootstrapServers", "service-integration:gateway.database.adminUser"]);
        const err = await runPreflight({ postgres: { ...target(s), password: "nope" }, kafka: { bootstrapServers: [`127.0.0.1:${port}`], tlsEnabled: false } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PreflightError);
        expect((err as Error).message).toMatch(/^preflight: 2 endpoint problem\(s\), nothing was changed:/);
        expect((err as Error).message).toContain(`127.0.0.1:${port} (service-integration:events.bootstrapServers): connection refused`);
    });
});
