/**
 * A minimal Kubernetes API client: reads a kubeconfig (YAML) the way kubectl does for the fields that matter here
 * (server, CA, token / token file / client certificate / basic auth / exec credential plugin) and sends GETs with
 * node's https. Or, with `--kube-api http://127.0.0.1:8001`, talks to a `kubectl proxy` that does the auth itself.
 *
 * kubeconfig fields: https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/ — relative file paths are relative
 * to the kubeconfig file; `*-data` fields are base64 PEM. Exec plugins: client.authentication.k8s.io ExecCredential
 * (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { HttpResponse, TlsOptions, Unreachable, excerpt, joinUrl, jsonBody, request } from "./http";
import { CannotRun } from "./result";

export interface KubeConnection {
    /** API server URL, e.g. https://10.0.0.1:6443, or a kubectl proxy http://127.0.0.1:8001. */
    readonly server: string;
    readonly tls?: TlsOptions;
    /** Authorization header value (Bearer or Basic), if any. */
    readonly authorization?: string;
    /** Where the connection came from, for messages. */
    readonly source: string;
}

interface NamedEntry<T> {
    name?: string;
    cluster?: T;
    user?: T;
    context?: T;
}

type Obj = Record<string, unknown>;

function str(o: Obj | undefined, key: string): string | undefined {
    const v = o?.[key];
    return typeof v === "string" && v !== "" ? v : undefined;
}

function find(list: unknown, name: string, field: "cluster" | "user" | "context"): Obj | undefined {
    if (!Array.isArray(list)) return undefined;
    const entry = (list as NamedEntry<Obj>[]).find((e) => e?.name === name);
    return entry?.[field];
}

function readRelative(base: string, file: string): Buffer {
    const full = path.isAbsolute(file) ? file : path.join(path.dirname(base), file);
    try {
        return fs.readFileSync(full);
    } catch (e) {
        throw new CannotRun(`kubeconfig ${base} names ${full}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`, "fix the path in the kubeconfig, or use `kubectl proxy` and --kube-api http://127.0.0.1:8001");
    }
}

/** The default kubeconfig path as kubectl finds it: $KUBECONFIG (first entry), else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
    const fromEnv = env.KUBECONFIG?.split(path.delimiter).find((p) => p !== "");
    return fromEnv ?? path.join(os.homedir(), ".kube", "config");
}

/** Runs an exec credential plugin and returns its token or client certificate. */
function runExecPlugin(kubeconfig: string, exec: Obj, clusterServer: string): { token?: string; cert?: string; key?: string } {
    const command = str(exec, "command");
    if (command === undefined) {
        throw new CannotRun(`kubeconfig ${kubeconfig}: users[].user.exec has no command`, "fix the kubeconfig");
    }
    const args = Array.isArray(exec.args) ? (exec.args as unknown[]).map(String) : [];
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (Array.isArray(exec.env)) {
        for (const e of exec.env as Obj[]) {
            const name = str(e, "name");
            if (name !== undefined) env[name] = typeof e.value === "string" ? e.value : "";
        }
    }
    const apiVersion = str(exec, "apiVersion") ?? "client.authentication.k8s.io/v1";
    env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: "ExecCredential", spec: { interactive: false, cluster: { server: clusterServer } } });
    const cmd = command.includes(path.sep) && !path.isAbsolute(command) ? path.join(path.dirname(kubeconfig), command) : command;
    let out: string;
    try {
        out = execFileSync(cmd, args, { env, timeout: 60_000, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    } catch (e) {
        const err = e as NodeJS.ErrnoException & { stderr?: string };
        throw new CannotRun(
            `the kubeconfig's exec credential plugin \`${command}\` failed: ${err.code === "ENOENT" ? "not installed / not on PATH" : (err.stderr ?? err.message).trim()}`,
            `install ${command} or log in again; or run \`kubectl proxy\` and pass --kube-api http://127.0.0.1:8001`,
        );
    }
    let status: Obj | undefined;
    try {
        status = (JSON.parse(out) as Obj).status as Obj | undefined;
    } catch {
        status = undefined;
    }
    const token = str(status, "token");
    const cert = str(status, "clientCertificateData");
    const key = str(status, "clientKeyData");
    if (token === undefined && (cert === undefined || key === undefined)) {
        throw new CannotRun(`the kubeconfig's exec credential plugin \`${command}\` printed no status.token or client certificate`, "check the plugin, or use `kubectl proxy` and --kube-api");
    }
    return { token, cert, key };
}

/** Reads a kubeconfig and resolves the connection of `context` (default: current-context). */
export function loadKubeconfig(file: string, context?: string): KubeConnection {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new CannotRun(
            `no kubeconfig at ${file} (${(e as NodeJS.ErrnoException).code ?? e})`,
            "pass --kubeconfig <file> (or set KUBECONFIG), or run `kubectl proxy` and pass --kube-api http://127.0.0.1:8001",
        );
    }
    let doc: Obj;
    try {
        doc = (parseYaml(text) ?? {}) as Obj;
    } catch (e) {
        throw new CannotRun(`kubeconfig ${file} is not valid YAML (${(e as Error).message})`, "fix the kubeconfig");
    }
    const ctxName = context ?? str(doc, "current-context");
    if (ctxName === undefined) {
        throw new CannotRun(`kubeconfig ${file} has no current-context and no --context was given`, "pass --context <name> (the stack's kubernetes.context)");
    }
    const ctx = find(doc.contexts, ctxName, "context");
    if (ctx === undefined) {
        throw new CannotRun(`kubeconfig ${file} has no context named ${ctxName}`, "pass --context with one of the kubeconfig's contexts");
    }
    const clusterName = str(ctx, "cluster");
    const cluster = clusterName === undefined ? undefined : find(doc.clusters, clusterName, "cluster");
    const server = str(cluster, "server");
    if (cluster === undefined || server === undefined) {
        throw new CannotRun(`kubeconfig ${file}: context ${ctxName} names cluster ${clusterName ?? "(none)"}, which has no server`, "fix the kubeconfig");
    }
    const userName = str(ctx, "user");
    const user = userName === undefined ? {} : (find(doc.users, userName, "user") ?? {});

    const tls: { ca?: Buffer; cert?: Buffer | string; key?: Buffer | string; insecure?: boolean; serverName?: string } = {};
    const caData = str(cluster, "certificate-authority-data");
    const caFile = str(cluster, "certificate-authority");
    if (caData !== undefined) tls.ca = Buffer.from(caData, "base64");
    else if (caFile !== undefined) tls.ca = readRelative(file, caFile);
    if (cluster["insecure-skip-tls-verify"] === true) tls.insecure = true;
    const serverName = str(cluster, "tls-server-name");
    if (serverName !== undefined) tls.serverName = serverName;

    let authorization: string | undefined;
    const certData = str(user, "client-certificate-data");
    const keyData = str(user, "client-key-data");
    if (certData !== undefined) tls.cert = Buffer.from(certData, "base64");
    else if (str(user, "client-certificate") !== undefined) tls.cert = readRelative(file, str(user, "client-certificate")!);
    if (keyData !== undefined) tls.key = Buffer.from(keyData, "base64");
    else if (str(user, "client-key") !== undefined) tls.key = readRelative(file, str(user, "client-key")!);

    const token = str(user, "token");
    const tokenFile = str(user, "tokenFile");
    if (token !== undefined) {
        authorization = `Bearer ${token}`;
    } else if (tokenFile !== undefined) {
        authorization = `Bearer ${readRelative(file, tokenFile).toString("utf8").trim()}`;
    } else if (str(user, "username") !== undefined) {
        authorization = `Basic ${Buffer.from(`${str(user, "username")}:${str(user, "password") ?? ""}`).toString("base64")}`;
    } else if (typeof user.exec === "object" && user.exec !== null) {
        const cred = runExecPlugin(file, user.exec as Obj, server);
        if (cred.token !== undefined) authorization = `Bearer ${cred.token}`;
        if (cred.cert !== undefined) tls.cert = cred.cert;
        if (cred.key !== undefined) tls.key = cred.key;
    } else if (user["auth-provider"] !== undefined) {
        throw new CannotRun(
            `kubeconfig ${file}: user ${userName} uses an auth-provider plugin, which this client does not implement`,
            "run `kubectl proxy` (it authenticates for you) and pass --kube-api http://127.0.0.1:8001",
        );
    }
    return { server, tls, authorization, source: `kubeconfig ${file}, context ${ctxName}` };
}

/** A Kubernetes Status object (the body of every API error). */
interface KubeStatus {
    readonly kind: "Status";
    readonly status?: string;
    readonly message?: string;
    readonly reason?: string;
    readonly code?: number;
}

export function asKubeStatus(body: unknown): KubeStatus | undefined {
    return typeof body === "object" && body !== null && (body as Obj).kind === "Status" ? (body as KubeStatus) : undefined;
}

export class KubeClient {
    constructor(
        readonly connection: KubeConnection,
        private readonly timeoutMs: number,
    ) {}

    /** A raw GET of an API path (already URL-encoded); the response whatever its status. */
    async raw(apiPath: string, extraHeaders: Readonly<Record<string, string>> = {}): Promise<HttpResponse> {
        const headers: Record<string, string> = { ...extraHeaders };
        if (this.connection.authorization !== undefined) headers.authorization = this.connection.authorization;
        try {
            return await request(joinUrl(this.connection.server, apiPath), { headers, tls: this.connection.tls, timeoutMs: this.timeoutMs });
        } catch (e) {
            if (e instanceof Unreachable) {
                throw new CannotRun(
                    `the Kubernetes API (${this.connection.source}) is unreachable: ${e.reason}`,
                    "check the kubeconfig/context and network access to the API server, or start `kubectl proxy` and pass --kube-api",
                );
            }
            throw e;
        }
    }

    /**
     * GET returning parsed JSON; 404 → undefined; 401/403 → CannotRun (the verify identity lacks rights);
     * other errors → CannotRun with the API's Status message.
     */
    async get<T>(apiPath: string): Promise<T | undefined> {
        const res = await this.raw(apiPath);
        const body = jsonBody(res);
        if (res.status === 404) {
            return undefined;
        }
        if (res.status === 401 || res.status === 403) {
            const st = asKubeStatus(body);
            throw new CannotRun(
                `the Kubernetes API refused GET ${apiPath} (${res.status}${st?.message ? `: ${st.message}` : ""})`,
                res.status === 401 ? "renew the kubeconfig credentials" : "give the verifying identity get/list on pods, services/proxy, pods/proxy and peerauthentications.security.istio.io",
            );
        }
        if (res.status < 200 || res.status > 299 || body === undefined) {
            throw new CannotRun(`the Kubernetes API answered GET ${apiPath} with ${res.status}: ${excerpt(res.body)}`, "check the API server's health");
        }
        return body as T;
    }

    /** All items of a list endpoint, following `metadata.continue`. */
    async list<T>(apiPath: string): Promise<T[] | undefined> {
        const items: T[] = [];
        let cont: string | undefined;
        do {
            const sep = apiPath.includes("?") ? "&" : "?";
            const page = await this.get<{ items?: T[]; metadata?: { continue?: string } }>(`${apiPath}${sep}limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`);
            if (page === undefined) {
                return undefined;
            }
            items.push(...(page.items ?? []));
            cont = page.metadata?.continue || undefined;
        } while (cont !== undefined);
        return items;
    }

    /** Path of the API server's proxy to a Service port: /api/v1/namespaces/<ns>/services/<name>:<port>/proxy<path>. */
    static serviceProxyPath(namespace: string, service: string, port: number | string, subPath: string): string {
        // `[https:]<name>`: the scheme prefix selects TLS to the Service port (SplitSchemeNamePort).
        const [scheme, name] = service.startsWith("https:") ? ["https:", service.slice(6)] : ["", service];
        return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${scheme}${encodeURIComponent(name)}:${port}/proxy${subPath.startsWith("/") ? subPath : `/${subPath}`}`;
    }

    /** Path of the API server's proxy to a pod port. */
    static podProxyPath(namespace: string, pod: string, port: number | string, subPath: string): string {
        return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy${subPath.startsWith("/") ? subPath : `/${subPath}`}`;
    }
}
