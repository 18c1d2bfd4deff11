/**
 * TCP and TLS reachability from where Pulumi runs, each bounded by a timeout. TLS verifies the server certificate
 * against the configured CA (or the system bundle when none is configured) and the host name.
 */
import * as net from "node:net";
import * as tls from "node:tls";

export const DEFAULT_TIMEOUT_MS = 5_000;

/** Why a connection failed, in words a person can act on. */
export function networkReason(e: unknown): string {
    const err = e as NodeJS.ErrnoException;
    switch (err.code) {
        case "ECONNREFUSED":
            return "connection refused (nothing listens on that port)";
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return "the host name does not resolve from here";
        case "ETIMEDOUT":
            return "no answer (timed out)";
        case "EHOSTUNREACH":
        case "ENETUNREACH":
            return "host unreachable from here";
        case "ECONNRESET":
            return "the server closed the connection";
        default:
            return err.code !== undefined ? `${err.code}: ${err.message}` : String(err.message ?? e);
    }
}

/** TLS verification failures (Node's error codes for certificate checks). */
export function isCertificateError(e: unknown): boolean {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/.test(code);
}

export function certificateReason(e: unknown, caConfigured: boolean): string {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
        return `the server's certificate is not for this host name (${(e as Error).message})`;
    }
    return `the server's certificate does not verify against ${caConfigured ? "the configured CA" : "the system CA bundle"} (${code})`;
}

/** Opens and closes a TCP connection. Resolves undefined on success, else the reason. */
export function tcpReach(host: string, port: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string | undefined> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (reason: string | undefined): void => {
            socket.destroy();
            clearTimeout(timer);
            resolve(reason);
        };
        const timer = setTimeout(() => done("no answer (timed out)"), timeoutMs);
        socket.once("connect", () => done(undefined));
        socket.once("error", (e) => done(networkReason(e)));
    });
}

export interface TlsTarget {
    readonly host: string;
    readonly port: number;
    readonly ca?: string;
    readonly cert?: string;
    readonly key?: string;
}

/** A TLS handshake with verification. Resolves undefined on success, else an error (certificate or network). */
export function tlsHandshake(t: TlsTarget, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Error | undefined> {
    return new Promise((resolve) => {
        const servername = net.isIP(t.host) === 0 ? t.host : undefined;
        const socket = tls.connect({ host: t.host, port: t.port, servername, ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: true });
        const done = (e: Error | undefined): void => {
            socket.destroy();
            clearTimeout(timer);
            resolve(e);
        };
        const timer = setTimeout(() => done(Object.assign(new Error("TLS handshake timed out"), { code: "ETIMEDOUT" })), timeoutMs);
        socket.once("secureConnect", () => done(undefined));
        socket.once("error", (e) => done(e));
    });
}

/** `host:port` → parts (IPv6 in brackets allowed). */
export function splitHostPort(hostPort: string): { host: string; port: number } {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hostPort);
    if (!m) {
        throw new Error(`${hostPort} is not host:port`);
    }
    return { host: m[1], port: Number(m[2]) };
}
