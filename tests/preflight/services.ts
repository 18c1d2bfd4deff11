import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The real services of the preflight tests, each started by the project's own script on 127.0.0.1 with ports and
 * state of its own (so it never collides with the events tests' broker): a Kafka 4.2 broker with a plaintext, a
 * SASL_SSL (SCRAM-SHA-512, own CA) and an in-cluster-advertising listener, and a Debian PostgreSQL 15 with TLS and
 * SCRAM. In CI a service that cannot be started fails the run; elsewhere the tests skip with the reason.
 */
const ROOT = path.join(__dirname, "..", "..");

export const KAFKA_ENV = {
    KAFKA_PORT: process.env.PREFLIGHT_KAFKA_PORT ?? "19292",
    KAFKA_STATE_DIR: process.env.PREFLIGHT_KAFKA_STATE_DIR ?? "/tmp/254carbon-kafka-issue13",
    KAFKA_TLS: "1",
    KAFKA_ADVERTISE_AS: "kafka-0.kafka.data-platform.svc",
};
export const PG_ENV = {
    PG_PORT: process.env.PREFLIGHT_PG_PORT ?? "15432",
    PG_STATE_DIR: process.env.PREFLIGHT_PG_STATE_DIR ?? "/tmp/254carbon-postgres-issue13",
};

function run(script: string, args: string[], env: Record<string, string>, timeoutMs: number): { code: number | null; out: string } {
    const r = spawnSync("bash", [path.join(ROOT, script), ...args], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
    return { code: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** `k=v k=v` lines → a map. */
function fields(text: string): Record<string, string> {
    return Object.fromEntries(text.split(/\s+/).filter((w) => w.includes("=")).map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]));
}

export interface KafkaService {
    readonly plaintext: string;
    readonly tls: string;
    readonly advertising: string;
    readonly ca: string;
    readonly user: string;
    readonly password: string;
    stop(): void;
}

export interface PostgresService {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly ca: string;
    stop(): void;
}

function failOrSkip(reason: string): { skip: string } {
    if (process.env.CI) {
        throw new Error(`${reason} (CI is set, so the preflight tests must run on real services)`);
    }
    return { skip: reason };
}

export function startKafka(): KafkaService | { skip: string } {
    const wasRunning = run("scripts/kafka/kafka.sh", ["status"], KAFKA_ENV, 60_000).code === 0;
    // A broker of an earlier run without SCRAM users would refuse the TLS listener's login: start fresh then.
    const start = wasRunning ? { code: 0, out: "" } : run("scripts/kafka/kafka.sh", ["start", "--fresh"], KAFKA_ENV, 15 * 60_000);
    if (start.code !== 0) {
        return failOrSkip(`scripts/kafka/kafka.sh start failed (exit ${start.code}): ${start.out.slice(-2000)}`);
    }
    const info = fields(run("scripts/kafka/kafka.sh", ["tls-info"], KAFKA_ENV, 10_000).out);
    return {
        plaintext: `127.0.0.1:${KAFKA_ENV.KAFKA_PORT}`,
        tls: info.tls_bootstrap,
        advertising: info.advertised_bootstrap,
        ca: fs.readFileSync(info.ca, "utf8"),
        user: info.user,
        password: fs.readFileSync(info.password_file, "utf8").trim(),
        stop: () => {
            if (!wasRunning) run("scripts/kafka/kafka.sh", ["stop"], KAFKA_ENV, 120_000);
        },
    };
}

export function startPostgres(): PostgresService | { skip: string } {
    const wasRunning = run("scripts/postgres/postgres.sh", ["status"], PG_ENV, 30_000).code === 0;
    const start = wasRunning ? { code: 0, out: "" } : run("scripts/postgres/postgres.sh", ["start"], PG_ENV, 10 * 60_000);
    if (start.code !== 0) {
        return failOrSkip(`scripts/postgres/postgres.sh start failed (exit ${start.code}): ${start.out.slice(-2000)}`);
    }
    const info = fields(run("scripts/postgres/postgres.sh", ["info"], PG_ENV, 10_000).out);
    return {
        host: info.host,
        port: Number(info.port),
        user: info.user,
        password: fs.readFileSync(info.password_file, "utf8").trim(),
        ca: fs.readFileSync(info.ca, "utf8"),
        stop: () => {
            if (!wasRunning) run("scripts/postgres/postgres.sh", ["stop"], PG_ENV, 60_000);
        },
    };
}
