/**
 * External PostgreSQL preflight: TCP, TLS as `sslmode` says (verify-full: the configured CA and the host name, as
 * Kong's `pg_ssl_verify` and libpq do), and the admin role's password, with node-postgres 8.23.1 (`pg`).
 * Server error codes are PostgreSQL's SQLSTATEs (PostgreSQL 15 docs, Appendix A): 28P01 invalid_password,
 * 28000 invalid_authorization_specification (no pg_hba.conf entry, unknown role), 3D000 invalid_catalog_name.
 */
import type { ClientConfig } from "pg";
import { SslMode } from "../model/gateway";
import { certificateReason, DEFAULT_TIMEOUT_MS, isCertificateError, tcpReach } from "./net";
import { isInClusterName, RUNNER_HINT } from "./incluster";
import { PreflightProblem } from "./problem";

export interface PostgresEndpoint {
    readonly host: string;
    readonly port: number;
    readonly sslmode: SslMode;
    readonly caCertificate?: string;
    readonly user: string;
    readonly password: string;
    readonly database: string;
    readonly timeoutMs?: number;
}

const KEY = "service-integration:gateway.database";

function sslOptions(e: PostgresEndpoint): ClientConfig["ssl"] {
    switch (e.sslmode) {
        case "disable":
            return false;
        case "require":
            return { rejectUnauthorized: false };
        case "verify-ca":
            return { ca: e.caCertificate, rejectUnauthorized: true, checkServerIdentity: () => undefined };
        case "verify-full":
            return { ca: e.caCertificate, rejectUnauthorized: true, servername: e.host };
    }
}

function classify(e: PostgresEndpoint, err: Error & { code?: string }): PreflightProblem {
    const endpoint = `${e.host}:${e.port}`;
    if (isCertificateError(err)) {
        return { endpoint, key: `${KEY}.caCertificate`, problem: certificateReason(err, e.caCertificate !== undefined), fix: "set gateway.database.caCertificate to the PEM of the CA that signed the server's certificate" };
    }
    if (/does not support SSL/i.test(err.message)) {
        return { endpoint, key: `${KEY}.sslmode`, problem: "the server does not offer TLS", fix: "turn on ssl on the server; the password must not travel in clear text" };
    }
    if (err.code === "28P01" || err.code === "28000") {
        return {
            endpoint,
            key: `${KEY}.adminUser`,
            problem: `the server refused ${e.user} (SQLSTATE ${err.code}: ${err.message})`,
            fix: "check gateway.database.adminUser, the secret postgresAdminPassword (pulumi config set --secret service-integration:postgresAdminPassword <password>) and the server's pg_hba.conf",
        };
    }
    if (err.code === "3D000") {
        return { endpoint, key: `${KEY}.adminDatabase`, problem: `database ${e.database} does not exist`, fix: "set gateway.database.adminDatabase to a database the admin role can connect to (usually postgres)" };
    }
    return { endpoint, key: KEY, problem: `the connection failed (${err.code ?? err.name}: ${err.message})`, fix: "check the host, port and sslmode" };
}

export async function postgresPreflight(e: PostgresEndpoint): Promise<PreflightProblem[]> {
    const tcp = await tcpReach(e.host, e.port, e.timeoutMs);
    if (tcp !== undefined) {
        const inCluster = isInClusterName(e.host) || /\.internal\.?$/i.test(e.host);
        return [
            {
                endpoint: `${e.host}:${e.port}`,
                key: `${KEY}.host`,
                problem: tcp,
                fix: inCluster ? `set gateway.database.host to an address reachable from where Pulumi runs, ${RUNNER_HINT}` : "check the host and port, and the server's firewall for the runner's address",
            },
        ];
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client } = require("pg") as typeof import("pg");
    const client = new Client({
        host: e.host,
        port: e.port,
        user: e.user,
        password: e.password,
        database: e.database,
        ssl: sslOptions(e),
        connectionTimeoutMillis: e.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        application_name: "254carbon-preflight",
    });
    client.on("error", () => undefined);
    try {
        await client.connect();
        await client.query("SELECT 1");
        return [];
    } catch (err) {
        return [classify(e, err as Error & { code?: string })];
    } finally {
        await client.end().catch(() => undefined);
    }
}
