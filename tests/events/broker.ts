import { spawn } from "child_process";
import * as net from "net";
import * as path from "path";
import { Consumer, MessagesStreamModes } from "@platformatic/kafka";
import { Admin, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll } from "vitest";
import { REPO_ROOT } from "../../model";
import { ResolvedTopic, TopicCatalog } from "../../model/events";
import { findOrStart, ScriptedService, stopIfStartedHere } from "../support/services";

/**
 * The real Kafka broker for the integration tests: scripts/kafka/kafka.sh (Apache Kafka 4.x jars from Maven Central,
 * single-node KRaft on 127.0.0.1). `KAFKA_BOOTSTRAP` points the tests at an already running broker instead (then the
 * restart test is skipped: the tests cannot restart a broker they do not own).
 */

/**
 * Requests the producers of the broker tests hand to the client at once (maxInFlightRequests): 1, the library's
 * default, unless EVENTS_MAX_IN_FLIGHT is set; run the fault and restart tests with 2 as well, the pipelined setting
 * must keep the same promises.
 */
export const MAX_IN_FLIGHT = Number(process.env.EVENTS_MAX_IN_FLIGHT ?? 1);

export const KAFKA_SCRIPT = path.join(REPO_ROOT, "scripts", "kafka", "kafka.sh");

export interface Broker {
    readonly bootstrap: string;
    /** Started by these tests (so they stop it afterwards) rather than found running. */
    readonly startedHere: boolean;
    /** The tests own it through the script and may restart it. */
    readonly restartable: boolean;
}

export type BrokerResult = { readonly broker: Broker } | { readonly skip: string };

/** Runs a script command without blocking the event loop (so producers keep working during a restart). */
export function runScriptAsync(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [KAFKA_SCRIPT, ...args], { env: process.env });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`kafka.sh ${args.join(" ")} exited ${code}:\n${output}`))));
    });
}

function reachable(hostPort: string, timeoutMs = 2000): Promise<boolean> {
    const i = hostPort.lastIndexOf(":");
    return new Promise((resolve) => {
        const socket = net.connect({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) });
        const done = (ok: boolean): void => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

/** scripts/kafka/kafka.sh, or the broker KAFKA_BOOTSTRAP names. */
const BROKER: ScriptedService = {
    script: "scripts/kafka/kafka.sh",
    envVar: "KAFKA_BOOTSTRAP",
    noun: "broker",
    tests: "integration tests",
    addressCommand: "bootstrap",
    answers: (address) => reachable(address),
    silent: "is not reachable",
    alreadyRunning: /already running/,
};

/**
 * Finds or starts the broker. In CI (CI set) a broker that cannot be had is a failure; elsewhere the tests are skipped
 * with the reason (e.g. no Java or Maven on a laptop).
 */
export async function ensureBroker(): Promise<BrokerResult> {
    const result = await findOrStart(BROKER);
    if ("skip" in result) {
        return result;
    }
    const { address, startedHere, external } = result.found;
    return { broker: { bootstrap: address, startedHere, restartable: !external } };
}

export function stopBroker(broker: Broker): void {
    stopIfStartedHere(BROKER, broker, 120_000);
}

/** What a test file gets once its broker is there: the broker and a connected admin client. */
export interface BrokerSession {
    readonly broker: Broker;
    readonly kafka: Kafka;
    readonly admin: Admin;
}

export interface BrokerHooks {
    /** Tag of the file's skip warning, e.g. "events faults". */
    readonly label: string;
    /** Client id of the admin connection. */
    readonly clientId: string;
    /** Set when the file SIGSTOPs or restarts the broker: skipped when it does not own the broker (KAFKA_BOOTSTRAP). */
    readonly needsRestartable?: boolean;
    /** The file's own set-up (keep the session, create its topics). */
    readonly ready: (session: BrokerSession) => Promise<void>;
    /** Why the file's tests skip (no broker could be had outside CI, or one the file must not stop). */
    readonly skipped: (reason: string) => void;
    /** Clean-up before the admin disconnects (delete the file's topics). */
    readonly teardown?: (admin: Admin) => Promise<void>;
}

/**
 * The broker of one test file: found or started before its tests (ensureBroker), the admin connected, and after
 * them the admin disconnected and the broker stopped if this file started it.
 */
export function useBroker(hooks: BrokerHooks): void {
    let session: BrokerSession | undefined;
    let broker: Broker | undefined;
    beforeAll(async () => {
        const result = await ensureBroker();
        if ("skip" in result) {
            console.warn(`[${hooks.label}] SKIPPED: ${result.skip}`);
            hooks.skipped(result.skip);
            return;
        }
        broker = result.broker;
        if (hooks.needsRestartable && !broker.restartable) {
            hooks.skipped("KAFKA_BOOTSTRAP points at a broker these tests do not own (they stop or restart it)");
            return;
        }
        const kafka = kafkaClient(broker.bootstrap, hooks.clientId);
        const admin = kafka.admin();
        await admin.connect();
        session = { broker, kafka, admin };
        await hooks.ready(session);
    }, 15 * 60_000);
    afterAll(async () => {
        if (session !== undefined) {
            await hooks.teardown?.(session.admin).catch(() => undefined);
            await session.admin.disconnect();
        }
        if (broker !== undefined) {
            stopBroker(broker);
        }
    }, 180_000);
}

export function kafkaClient(bootstrap: string, clientId: string): Kafka {
    return new Kafka({ brokers: [bootstrap], clientId, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

/**
 * Creates the topic catalog's topics as the Pulumi program declares them (name, partitions, replication, config),
 * through the admin API; existing ones are deleted first so every run starts from empty topics.
 */
export async function recreateTopics(admin: Admin, model: { readonly topics: readonly Pick<ResolvedTopic, "name" | "partitions" | "replicationFactor" | "config">[] }): Promise<void> {
    const names = model.topics.map((t) => t.name);
    const existing = (await admin.listTopics()).filter((t) => names.includes(t));
    if (existing.length > 0) {
        await admin.deleteTopics({ topics: existing, timeout: 30_000 });
        for (let i = 0; i < 100 && (await admin.listTopics()).some((t) => existing.includes(t)); i++) {
            await new Promise((r) => setTimeout(r, 200));
        }
    }
    const topics = model.topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
    }));
    for (let attempt = 1; ; attempt++) {
        try {
            await admin.createTopics({ topics, waitForLeaders: true, timeout: 30_000 });
            return;
        } catch (e) {
            // A topic deleted a moment ago can still be "marked for deletion"; try again briefly.
            if (attempt >= 20) {
                throw e;
            }
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}

/**
 * The topic catalog's topics under `prefix` (partitions and family/topic configs from catalog/topics.json, one
 * replica), re-created empty: for tests that need the topics but not a stack's config.
 */
export async function createCatalogTopics(admin: Admin, catalog: TopicCatalog, prefix: string): Promise<void> {
    const topics = catalog.topics.map((t) => ({
        name: `${prefix}${t.name}`,
        partitions: t.partitions,
        replicationFactor: 1,
        config: { ...catalog.families[t.family].config, ...t.config },
    }));
    await recreateTopics(admin, { topics });
}

export interface ConsumedMessage {
    readonly topic: string;
    readonly partition: number;
    readonly message: { readonly key: Buffer | null; readonly value: Buffer | null; readonly headers: Record<string, Buffer>; readonly offset: string };
}

/**
 * Consumes the topics from the beginning until `enough` says so, or fails after `timeoutMs`. Through
 * @platformatic/kafka's consumer: the topics are lz4/zstd-compressed (catalog/topics.json), which kafkajs cannot read.
 */
export async function consume(
    bootstrap: string,
    topics: readonly string[],
    enough: (messages: readonly ConsumedMessage[]) => boolean,
    timeoutMs = 60_000,
): Promise<ConsumedMessage[]> {
    const consumer = new Consumer({
        groupId: `tests-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}`,
        clientId: "tests-consumer",
        bootstrapBrokers: [bootstrap],
        autocreateTopics: false,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
    });
    const messages: ConsumedMessage[] = [];
    try {
        const stream = await consumer.consume({ topics: [...topics], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 200 });
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`consumed ${messages.length} message(s) in ${timeoutMs}ms, expected more`)), timeoutMs);
            const finish = (): void => {
                clearTimeout(timer);
                resolve();
            };
            if (enough(messages)) {
                finish();
                return;
            }
            stream.on("data", (m) => {
                const headers: Record<string, Buffer> = {};
                for (const [k, v] of m.headers) {
                    headers[k.toString()] = v;
                }
                messages.push({ topic: m.topic, partition: m.partition, message: { key: m.key ?? null, value: m.value ?? null, headers, offset: String(m.offset) } });
                if (enough(messages)) {
                    finish();
                }
            });
            stream.on("error", (e: Error) => {
                clearTimeout(timer);
                reject(e);
            });
        });
        await stream.close();
    } finally {
        await consumer.close(true);
    }
    return messages;
}
