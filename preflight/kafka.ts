/**
 * Kafka preflight: every bootstrap server answers on TCP, completes TLS against the configured CA when the stack says
 * TLS, accepts the SASL credentials, and advertises broker addresses that are reachable from here (the Pulumi Kafka
 * provider talks to the advertised addresses, not to the bootstrap list, after the first metadata answer).
 *
 * kafkajs 2.2.4 is the client (already a dependency): `admin().describeCluster()` answers
 * `{ brokers: [{ nodeId, host, port }], controller, clusterId }` from the Metadata response
 * (kafkajs/src/admin/index.js `describeCluster`); a failed SASL handshake throws `KafkaJSSASLAuthenticationError`
 * (kafkajs/src/broker/saslAuthenticator).
 */
import { Kafka, logLevel, SASLOptions } from "kafkajs";
import { certificateReason, DEFAULT_TIMEOUT_MS, isCertificateError, networkReason, splitHostPort, tcpReach, tlsHandshake } from "./net";
import { isInClusterName, RUNNER_HINT } from "./incluster";
import { PreflightProblem } from "./problem";

export interface KafkaEndpoint {
    readonly bootstrapServers: readonly string[];
    readonly tlsEnabled: boolean;
    /** PEM CA for the brokers' certificates (events.caCertificate); system bundle when absent. */
    readonly caCertificate?: string;
    /** PEM client certificate and key (mutual TLS), from the secrets kafkaClientCert/kafkaClientKey. */
    readonly clientCert?: string;
    readonly clientKey?: string;
    readonly sasl?: { readonly mechanism: "plain" | "scram-sha256" | "scram-sha512"; readonly username: string; readonly password: string };
    readonly timeoutMs?: number;
}

const KEY = "service-integration:events";

function saslOptions(s: NonNullable<KafkaEndpoint["sasl"]>): SASLOptions {
    const mechanism = s.mechanism === "plain" ? "plain" : s.mechanism === "scram-sha256" ? "scram-sha-256" : "scram-sha-512";
    return { mechanism, username: s.username, password: s.password } as SASLOptions;
}

async function bootstrapReach(e: KafkaEndpoint, server: string, out: PreflightProblem[]): Promise<boolean> {
    const { host, port } = splitHostPort(server);
    const key = `${KEY}.bootstrapServers`;
    const tcp = await tcpReach(host, port, e.timeoutMs);
    if (tcp !== undefined) {
        const inCluster = isInClusterName(host);
        out.push({
            endpoint: server,
            key,
            problem: `${tcp}${inCluster ? "; it is an in-cluster name" : ""}`,
            fix: inCluster ? `list an external listener's address (one that resolves and answers from where Pulumi runs), ${RUNNER_HINT}` : "check the address and that the broker's listener is up and reachable from here",
        });
        return false;
    }
    if (!e.tlsEnabled) {
        return true;
    }
    const tlsError = await tlsHandshake({ host, port, ca: e.caCertificate, cert: e.clientCert, key: e.clientKey }, e.timeoutMs);
    if (tlsError === undefined) {
        return true;
    }
    if (isCertificateError(tlsError)) {
        out.push({
            endpoint: server,
            key: `${KEY}.caCertificate`,
            problem: certificateReason(tlsError, e.caCertificate !== undefined),
            fix: "set events.caCertificate to the PEM of the CA that signed the brokers' certificates",
        });
    } else {
        out.push({
            endpoint: server,
            key: `${KEY}.tlsEnabled`,
            problem: `the TLS handshake failed (${networkReason(tlsError)}): the listener is probably plaintext`,
            fix: "set events.tlsEnabled to false for a plaintext listener, or list the brokers' TLS listener",
        });
    }
    return false;
}

/**
 * Connects (the seed broker: TLS, SASL, first Metadata) and then describes the cluster, which makes kafkajs connect to
 * the advertised brokers. A failure after a successful connect is therefore about the advertised addresses.
 */
async function describe(e: KafkaEndpoint, reachable: readonly string[]): Promise<{ brokers: { host: string; port: number }[] } | { connectError: Error } | { advertisedError: Error }> {
    const timeout = e.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const kafka = new Kafka({
        clientId: "254carbon-preflight",
        brokers: [...reachable],
        ssl: e.tlsEnabled ? { ca: e.caCertificate !== undefined ? [e.caCertificate] : undefined, cert: e.clientCert, key: e.clientKey, rejectUnauthorized: true } : false,
        sasl: e.sasl !== undefined ? saslOptions(e.sasl) : undefined,
        connectionTimeout: timeout,
        authenticationTimeout: timeout,
        requestTimeout: timeout,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    try {
        try {
            await admin.connect();
        } catch (err) {
            return { connectError: err as Error };
        }
        try {
            return await admin.describeCluster();
        } catch (err) {
            return { advertisedError: err as Error };
        }
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

async function advertisedReach(e: KafkaEndpoint, brokers: readonly { host: string; port: number }[], out: PreflightProblem[]): Promise<void> {
    const bad: string[] = [];
    for (const b of brokers) {
        const reason = await tcpReach(b.host, b.port, e.timeoutMs);
        if (reason !== undefined || isInClusterName(b.host)) {
            bad.push(`${b.host}:${b.port}${reason !== undefined ? ` (${reason})` : ""}`);
        }
    }
    if (bad.length > 0) {
        out.push({
            endpoint: e.bootstrapServers.join(","),
            key: `${KEY}.bootstrapServers`,
            problem: `the brokers answered but advertise addresses that are not reachable from here: ${bad.join(", ")}`,
            fix: `use an external listener (one whose advertised.listeners resolve and answer from where Pulumi runs) in bootstrapServers, ${RUNNER_HINT}`,
        });
    }
}

export async function kafkaPreflight(e: KafkaEndpoint): Promise<PreflightProblem[]> {
    const out: PreflightProblem[] = [];
    const reachable: string[] = [];
    for (const server of e.bootstrapServers) {
        if (await bootstrapReach(e, server, out)) {
            reachable.push(server);
        }
    }
    if (reachable.length === 0) {
        return out;
    }
    const cluster = await describe(e, reachable);
    if ("advertisedError" in cluster) {
        out.push({
            endpoint: reachable.join(","),
            key: `${KEY}.bootstrapServers`,
            problem: `the brokers answered but advertise addresses that are not reachable from here (${cluster.advertisedError.message})`,
            fix: `use an external listener (one whose advertised.listeners resolve and answer from where Pulumi runs) in bootstrapServers, ${RUNNER_HINT}`,
        });
        return out;
    }
    if ("connectError" in cluster) {
        const err = cluster.connectError;
        const auth = err.name === "KafkaJSSASLAuthenticationError";
        out.push({
            endpoint: reachable.join(","),
            key: auth ? `${KEY}.sasl` : `${KEY}.bootstrapServers`,
            problem: auth ? `SASL authentication as ${e.sasl?.username ?? "(none)"} failed (${err.message})` : `the brokers accepted the connection but did not answer the Kafka protocol (${err.name}: ${err.message})`,
            fix: auth
                ? "check events.sasl.mechanism and username, and the secret kafkaSaslPassword (pulumi config set --secret service-integration:kafkaSaslPassword <password>)"
                : e.sasl === undefined
                  ? "if the listener requires SASL, set events.sasl; if it is TLS, set events.tlsEnabled to true"
                  : "check that the listener's security protocol matches events.tlsEnabled and events.sasl",
        });
        return out;
    }
    await advertisedReach(e, cluster.brokers, out);
    return out;
}
