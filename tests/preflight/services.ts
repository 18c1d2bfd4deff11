import * as fs from "node:fs";
import { runProjectScript } from "../support/services";

/**
 * The real services of the preflight tests, each started by the project's own script on 127.0.0.1 with ports and
 * state of its own (so it never collides with the events tests' broker): a Kafka 4.2 broker with a plaintext, a
 * SASL_SSL (SCRAM-SHA-512, own CA) and an in-cluster-advertising listener, and a Debian PostgreSQL 15 with TLS and
 * SCRAM. In CI a service that cannot be started fails the run; elsewhere the tests skip with the reason.
 */

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
    const wasRunning = runProjectScript("scripts/kafka/kafka.sh", ["status"], 60_000, KAFKA_ENV).code === 0;
    // A broker of an earlier run without SCRAM users would refuse the TLS listener's login: start fresh then.
    const start = wasRunning ? { code: 0, output: "" } : runProjectScript("scripts/kafka/kafka.sh", ["start", "--fresh"], 15 * 60_000, KAFKA_ENV);
    if (start.code !== 0) {
        return failOrSkip(`scripts/kafka/kafka.sh start failed (exit ${start.code}): ${start.output.slice(-2000)}`);
    }
    const info = fields(runProjectScript("scripts/kafka/kafka.sh", ["tls-info"], 10_000, KAFKA_ENV).output);
    return {
        plaintext: `127.0.0.1:${KAFKA_ENV.KAFKA_PORT}`,
        tls: info.tls_bootstrap,
        advertising: info.advertised_bootstrap,
        ca: fs.readFileSync(info.ca, "utf8"),
        user: info.user,
        password: fs.readFileSync(info.password_file, "utf8").trim(),
        stop: () => {
            if (!wasRunning) runProjectScript("scripts/kafka/kafka.sh", ["stop"], 120_000, KAFKA_ENV);
        },
    };
}

export function startPostgres(): PostgresService | { skip: string } {
    const wasRunning = runProjectScript("scripts/postgres/postgres.sh", ["status"], 30_000, PG_ENV).code === 0;
    const start = wasRunning ? { code: 0, output: "" } : runProjectScript("scripts/postgres/postgres.sh", ["start"], 10 * 60_000, PG_ENV);
    if (start.code !== 0) {
        return failOrSkip(`scripts/postgres/postgres.sh start failed (exit ${start.code}): ${start.output.slice(-2000)}`);
    }
    const info = fields(runProjectScript("scripts/postgres/postgres.sh", ["info"], 10_000, PG_ENV).output);
    return {
        host: info.host,
        port: Number(info.port),
        user: info.user,
        password: fs.readFileSync(info.password_file, "utf8").trim(),
        ca: fs.readFileSync(info.ca, "utf8"),
        stop: () => {
            if (!wasRunning) runProjectScript("scripts/postgres/postgres.sh", ["stop"], 60_000, PG_ENV);
        },
    };
}
