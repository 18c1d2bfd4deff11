/**
 * A small client of the real API server for the cluster tests: discovery (kind → resource), GET of an object, and
 * server-side apply with `dryRun=All`. It speaks the documented REST API (k8s.io "API Concepts": server-side apply is
 * a PATCH with `application/apply-patch+yaml`, `fieldManager`, `dryRun=All`), authenticating with the client
 * certificate of a kubeconfig written by scripts/cluster/cluster.sh.
 */
import * as fs from "node:fs";
import * as https from "node:https";
import * as YAML from "yaml";

export interface ObjectRef {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string };
}

interface ApiResource {
    readonly plural: string;
    readonly namespaced: boolean;
}

export interface ApiResponse {
    readonly status: number;
    readonly body: Record<string, unknown>;
}

/** The parts of a kubeconfig this client reads (the files cluster.sh writes). */
interface Kubeconfig {
    clusters: { cluster: { server: string; "certificate-authority": string } }[];
    users: { user: { "client-certificate": string; "client-key": string } }[];
}

export class ApiServer {
    private readonly server: URL;
    private readonly agent: https.Agent;
    private readonly resources = new Map<string, Map<string, ApiResource>>();

    constructor(kubeconfigFile: string) {
        const kc = YAML.parse(fs.readFileSync(kubeconfigFile, "utf8")) as Kubeconfig;
        this.server = new URL(kc.clusters[0].cluster.server);
        this.agent = new https.Agent({
            ca: fs.readFileSync(kc.clusters[0].cluster["certificate-authority"]),
            cert: fs.readFileSync(kc.users[0].user["client-certificate"]),
            key: fs.readFileSync(kc.users[0].user["client-key"]),
            keepAlive: true,
            maxSockets: 8,
        });
    }

    request(method: string, path: string, body?: string, contentType = "application/json"): Promise<ApiResponse> {
        return new Promise((resolve, reject) => {
            const req = https.request(
                { host: this.server.hostname, port: this.server.port, path, method, agent: this.agent, headers: { Accept: "application/json", ...(body ? { "Content-Type": contentType } : {}) }, timeout: 30_000 },
                (res) => {
                    let text = "";
                    res.on("data", (c: Buffer) => (text += c.toString("utf8")));
                    res.on("end", () => {
                        let parsed: Record<string, unknown> = {};
                        try {
                            parsed = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
                        } catch {
                            parsed = { message: text };
                        }
                        resolve({ status: res.statusCode ?? 0, body: parsed });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
            req.on("error", reject);
            req.end(body);
        });
    }

    /** Discovery of one group/version (cached; call `forget()` after installing CRDs). */
    private async resourcesOf(apiVersion: string): Promise<Map<string, ApiResource>> {
        const cached = this.resources.get(apiVersion);
        if (cached) {
            return cached;
        }
        const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const res = await this.request("GET", path);
        const byKind = new Map<string, ApiResource>();
        if (res.status === 200) {
            for (const r of (res.body.resources as { name: string; kind: string; namespaced: boolean }[]) ?? []) {
                if (!r.name.includes("/")) {
                    byKind.set(r.kind, { plural: r.name, namespaced: r.namespaced });
                }
            }
            this.resources.set(apiVersion, byKind);
        }
        return byKind;
    }

    forget(): void {
        this.resources.clear();
    }

    /** The REST path of an object, or a string saying why there is none (unknown group/version or kind). */
    async pathOf(obj: ObjectRef): Promise<string | { error: string }> {
        const r = (await this.resourcesOf(obj.apiVersion)).get(obj.kind);
        if (!r) {
            return { error: `the server has no kind ${obj.kind} in ${obj.apiVersion}` };
        }
        const base = obj.apiVersion.includes("/") ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
        const ns = r.namespaced ? `/namespaces/${encodeURIComponent(obj.metadata.namespace ?? "default")}` : "";
        return `${base}${ns}/${r.plural}/${encodeURIComponent(obj.metadata.name)}`;
    }

    async get(obj: ObjectRef): Promise<ApiResponse> {
        const p = await this.pathOf(obj);
        return typeof p === "string" ? this.request("GET", p) : { status: 0, body: { message: p.error } };
    }

    /** Server-side apply of the whole object; `dryRun` makes the server validate and admit it without storing it. */
    async apply(obj: ObjectRef, opts: { dryRun: boolean; fieldManager: string }): Promise<ApiResponse> {
        const p = await this.pathOf(obj);
        if (typeof p !== "string") {
            return { status: 0, body: { message: p.error } };
        }
        const query = `?fieldManager=${encodeURIComponent(opts.fieldManager)}&force=true${opts.dryRun ? "&dryRun=All" : ""}`;
        return this.request("PATCH", `${p}${query}`, JSON.stringify(obj), "application/apply-patch+yaml");
    }

    close(): void {
        this.agent.destroy();
    }
}

/** `Kind namespace/name (apiVersion)`: how a test names an object. */
export function describeObject(obj: ObjectRef): string {
    return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name} (${obj.apiVersion})`;
}
