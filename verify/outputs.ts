/**
 * The stack outputs the verify command reads, and how it gets them.
 *
 * The contract is `PlatformOutputs` (platform.ts): `mesh` and `namespaces` today; `gateway`, `events` and
 * `observability` as those components export them. Every section is optional: a check whose section is absent is
 * reported as not applicable (SKIP). A section that is present but malformed (or hidden as `[secret]`) makes the
 * checks that need it report "could not run", naming the key.
 *
 * Field names the reader accepts (extra keys are ignored):
 *   mesh:          namespace, revision, revisionTag, injectedNamespaces[], mtlsMode, namespaceMtls{ns: mode}
 *   gateway:       namespace?, proxyServiceName?, adminUrl? (a direct Admin API URL; else a port-forward), proxyUrl?, jwtRequired?,
 *                  routes?: [{name, service?, paths[], methods?[], hosts?[], jwt?}] or {"<service>.<route>": paths[]}
 *                  (URLs may be in-cluster Service names: see verify/endpoint.ts)
 *   events:        bootstrapServers[], tlsEnabled?, sasl?{mechanism, username}, topicPrefix?, replicationFactor?,
 *                  minInsyncReplicas?, topicNames?{key: name}, topics?{key: {name, partitions, replicationFactor?, config?}}
 *   observability: grafanaUrl?, folderUid?, prometheusUrl?, kafkaExporterJob?, dashboardUids?{title: uid},
 *                  dashboards? / dashboardUrls?{title: <grafana>/d/<uid>}
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { SASL_MECHANISMS, SaslMechanism } from "../model/events";
import { GATEWAY } from "../model/wellknown";

export interface MeshOutputs {
    readonly namespace: string;
    readonly revision: string;
    readonly revisionTag: string;
    readonly injectedNamespaces: readonly string[];
    readonly mtlsMode: string;
    readonly namespaceMtls: Readonly<Record<string, string>>;
}

export interface GatewayRouteOutput {
    readonly name: string;
    readonly service?: string;
    readonly paths: readonly string[];
    readonly methods: readonly string[];
    readonly hosts: readonly string[];
    /** Whether the route requires a JWT (the jwt plugin is on it); undefined when the output does not say. */
    readonly jwt?: boolean;
}

export interface GatewayOutputs {
    readonly namespace: string;
    readonly proxyServiceName: string;
    /** A direct Admin API URL (the stack's gateway.admin.url); unset, verify port-forwards to a Kong pod. */
    readonly adminUrl?: string;
    readonly proxyUrl?: string;
    readonly jwtRequired?: boolean;
    readonly routes?: readonly GatewayRouteOutput[];
}

export interface TopicOutput {
    readonly name: string;
    readonly partitions: number;
    readonly replicationFactor?: number;
    readonly config?: Readonly<Record<string, string>>;
}

export interface EventsOutputs {
    readonly bootstrapServers: readonly string[];
    readonly tlsEnabled?: boolean;
    readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string };
    readonly topicPrefix?: string;
    readonly replicationFactor?: number;
    readonly minInsyncReplicas?: number;
    readonly topicNames?: Readonly<Record<string, string>>;
    readonly topics?: Readonly<Record<string, TopicOutput>>;
}

export interface DashboardOutput {
    readonly title: string;
    readonly uid: string;
}

export interface ObservabilityOutputs {
    readonly grafanaUrl?: string;
    readonly folderUid?: string;
    readonly prometheusUrl?: string;
    /** The `job` label of the Kafka exporter the stack names (`observability.kafkaExporter.job`). */
    readonly kafkaExporterJob?: string;
    readonly dashboards: readonly DashboardOutput[];
}

export type SectionName = "mesh" | "gateway" | "events" | "observability";

export interface VerifyOutputs {
    readonly mesh?: MeshOutputs;
    readonly gateway?: GatewayOutputs;
    readonly events?: EventsOutputs;
    readonly observability?: ObservabilityOutputs;
    readonly namespaces?: readonly string[];
    /** Sections present in the outputs but unreadable: section → problems (`key: what is wrong`). */
    readonly problems: Readonly<Partial<Record<SectionName, readonly string[]>>>;
}

/** What `pulumi stack output --show-secrets=false` prints in place of a secret value. */
export const SECRET_PLACEHOLDER = "[secret]";

class Fields {
    readonly problems: string[] = [];
    constructor(
        private readonly where: string,
        private readonly obj: Record<string, unknown>,
    ) {}

    private at(key: string): string {
        return this.where === "" ? key : `${this.where}.${key}`;
    }

    private bad(key: string, what: string): void {
        const v = this.obj[key];
        const shown = v === SECRET_PLACEHOLDER ? "a secret ([secret])" : v === undefined ? "nothing" : JSON.stringify(v);
        this.problems.push(`${this.at(key)} ${what} (found ${shown})`);
    }

    has(key: string): boolean {
        return this.obj[key] !== undefined && this.obj[key] !== null;
    }

    string(key: string): string {
        const v = this.obj[key];
        if (typeof v !== "string" || v === "" || v === SECRET_PLACEHOLDER) {
            this.bad(key, "must be a non-empty string");
            return "";
        }
        return v;
    }

    optString(key: string): string | undefined {
        return this.has(key) ? this.string(key) : undefined;
    }

    /** A string that may be empty (e.g. a topic prefix). */
    optText(key: string): string | undefined {
        if (!this.has(key)) return undefined;
        const v = this.obj[key];
        if (typeof v !== "string" || v === SECRET_PLACEHOLDER) {
            this.bad(key, "must be a string");
            return undefined;
        }
        return v;
    }

    int(key: string): number {
        if (!this.has(key)) {
            this.bad(key, "is required (a positive integer)");
            return 0;
        }
        return this.optInt(key) ?? 0;
    }

    optBoolean(key: string): boolean | undefined {
        if (!this.has(key)) return undefined;
        const v = this.obj[key];
        if (typeof v !== "boolean") {
            this.bad(key, "must be true or false");
            return undefined;
        }
        return v;
    }

    optInt(key: string): number | undefined {
        if (!this.has(key)) return undefined;
        const v = this.obj[key];
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
            this.bad(key, "must be a positive integer");
            return undefined;
        }
        return v;
    }

    stringList(key: string, required: boolean): string[] | undefined {
        if (!this.has(key)) {
            if (required) this.bad(key, "is required (a list of strings)");
            return undefined;
        }
        const v = this.obj[key];
        if (!Array.isArray(v) || v.some((s) => typeof s !== "string" || s === SECRET_PLACEHOLDER)) {
            this.bad(key, "must be a list of strings");
            return undefined;
        }
        return v as string[];
    }

    stringMap(key: string, required: boolean): Record<string, string> | undefined {
        if (!this.has(key)) {
            if (required) this.bad(key, "is required (a mapping of strings)");
            return undefined;
        }
        const v = this.obj[key];
        if (typeof v !== "object" || v === null || Array.isArray(v) || Object.values(v).some((s) => typeof s !== "string" || s === SECRET_PLACEHOLDER)) {
            this.bad(key, "must be a mapping of strings to strings");
            return undefined;
        }
        return v as Record<string, string>;
    }

    object(key: string): Fields | undefined {
        if (!this.has(key)) return undefined;
        const v = this.obj[key];
        if (typeof v !== "object" || v === null || Array.isArray(v)) {
            this.bad(key, "must be an object");
            return undefined;
        }
        return new Fields(this.at(key), v as Record<string, unknown>);
    }

    list(key: string): Fields[] | undefined {
        if (!this.has(key)) return undefined;
        const v = this.obj[key];
        if (!Array.isArray(v) || v.some((e) => typeof e !== "object" || e === null || Array.isArray(e))) {
            this.bad(key, "must be a list of objects");
            return undefined;
        }
        return v.map((e, i) => new Fields(`${this.at(key)}[${i}]`, e as Record<string, unknown>));
    }

    entries(key: string): [string, Fields][] | undefined {
        const o = this.object(key);
        if (o === undefined) return undefined;
        return Object.keys(o.obj).map((k) => {
            const v = o.obj[k];
            if (typeof v !== "object" || v === null || Array.isArray(v)) {
                o.bad(k, "must be an object");
                return [k, new Fields(o.at(k), {})] as [string, Fields];
            }
            return [k, new Fields(o.at(k), v as Record<string, unknown>)] as [string, Fields];
        });
    }

    isList(key: string): boolean {
        return Array.isArray(this.obj[key]);
    }

    /** A mapping of names to lists of strings. */
    stringListMap(key: string): Record<string, string[]> | undefined {
        if (!this.has(key)) return undefined;
        const v = this.obj[key];
        if (typeof v !== "object" || v === null || Array.isArray(v) || Object.values(v).some((l) => !Array.isArray(l) || l.some((x) => typeof x !== "string"))) {
            this.bad(key, "must be a mapping of names to lists of strings");
            return undefined;
        }
        return v as Record<string, string[]>;
    }

    /** Problems of this object and of the given children. */
    collect(...children: (Fields | undefined)[]): string[] {
        return [...this.problems, ...children.flatMap((c) => (c === undefined ? [] : c.problems))];
    }
}

function readMesh(f: Fields): { value: MeshOutputs; problems: string[] } {
    const value: MeshOutputs = {
        namespace: f.string("namespace"),
        revision: f.string("revision"),
        revisionTag: f.optString("revisionTag") ?? "",
        injectedNamespaces: f.stringList("injectedNamespaces", true) ?? [],
        mtlsMode: f.string("mtlsMode"),
        namespaceMtls: f.stringMap("namespaceMtls", true) ?? {},
    };
    return { value, problems: f.collect() };
}

function readGateway(f: Fields): { value: GatewayOutputs; problems: string[] } {
    // Either a list of route objects, or the program's map of Kong route name (`<service>.<route>`) → paths.
    const routeFields = f.isList("routes") ? f.list("routes") : undefined;
    let routes = routeFields?.map(
        (r): GatewayRouteOutput => ({
            name: r.string("name"),
            service: r.optString("service"),
            paths: r.stringList("paths", false) ?? [],
            methods: r.stringList("methods", false) ?? [],
            hosts: r.stringList("hosts", false) ?? [],
            jwt: r.optBoolean("jwt"),
        }),
    );
    if (routeFields === undefined && f.has("routes")) {
        const map = f.stringListMap("routes");
        routes = map === undefined ? undefined : Object.entries(map).map(([name, paths]) => ({ name, paths, methods: [], hosts: [] }));
    }
    const value: GatewayOutputs = {
        namespace: f.optString("namespace") ?? GATEWAY.namespace,
        proxyServiceName: f.optString("proxyServiceName") ?? GATEWAY.proxyService,
        adminUrl: f.optString("adminUrl"),
        proxyUrl: f.optString("proxyUrl"),
        jwtRequired: f.optBoolean("jwtRequired"),
        routes,
    };
    return { value, problems: f.collect(...(routeFields ?? [])) };
}

function readEvents(f: Fields): { value: EventsOutputs; problems: string[] } {
    const saslFields = f.object("sasl");
    let sasl: EventsOutputs["sasl"];
    if (saslFields !== undefined) {
        const mechanism = saslFields.string("mechanism");
        if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism) && mechanism !== "") {
            saslFields.problems.push(`events.sasl.mechanism must be one of ${SASL_MECHANISMS.join(", ")} (found ${JSON.stringify(mechanism)})`);
        }
        sasl = { mechanism: mechanism as SaslMechanism, username: saslFields.string("username") };
    }
    const topicEntries = f.entries("topics");
    const topics = topicEntries === undefined ? undefined : Object.fromEntries(
        topicEntries.map(([key, t]): [string, TopicOutput] => [
            key,
            { name: t.string("name"), partitions: t.int("partitions"), replicationFactor: t.optInt("replicationFactor"), config: t.stringMap("config", false) },
        ]),
    );
    const value: EventsOutputs = {
        bootstrapServers: f.stringList("bootstrapServers", true) ?? [],
        tlsEnabled: f.optBoolean("tlsEnabled"),
        sasl,
        topicPrefix: f.optText("topicPrefix"),
        replicationFactor: f.optInt("replicationFactor"),
        minInsyncReplicas: f.optInt("minInsyncReplicas"),
        topicNames: f.stringMap("topicNames", false),
        topics,
    };
    return { value, problems: f.collect(saslFields, ...(topicEntries ?? []).map(([, t]) => t)) };
}

/** `<grafana>/d/<uid>` or `<grafana>/d/<uid>/<slug>` → uid and base URL. */
export function parseDashboardUrl(url: string): { base: string; uid: string } | undefined {
    const m = /^(.*?)\/d\/([A-Za-z0-9_-]{1,40})(\/[^?#]*)?([?#].*)?$/.exec(url);
    return m ? { base: m[1], uid: m[2] } : undefined;
}

function readObservability(f: Fields): { value: ObservabilityOutputs; problems: string[] } {
    const uids = f.stringMap("dashboardUids", false);
    // `dashboards` (title → URL, what the program exports) and `dashboardUrls` (the component's name) are the same.
    const urls = { ...f.stringMap("dashboards", false), ...f.stringMap("dashboardUrls", false) };
    const anyUrls = f.has("dashboards") || f.has("dashboardUrls");
    const dashboards = new Map<string, DashboardOutput>();
    let derivedBase: string | undefined;
    for (const [title, url] of Object.entries(urls)) {
        const parsed = parseDashboardUrl(url);
        if (parsed === undefined) {
            f.problems.push(`observability.dashboardUrls.${title} is not a Grafana dashboard URL <grafana>/d/<uid> (found ${JSON.stringify(url)})`);
            continue;
        }
        derivedBase ??= parsed.base;
        dashboards.set(title, { title, uid: parsed.uid });
    }
    for (const [title, uid] of Object.entries(uids ?? {})) {
        dashboards.set(title, { title, uid });
    }
    if (uids === undefined && !anyUrls && f.problems.length === 0) {
        f.problems.push("observability has none of dashboards, dashboardUrls, dashboardUids: no dashboard to look for");
    }
    const value: ObservabilityOutputs = {
        grafanaUrl: f.optString("grafanaUrl") ?? (derivedBase !== undefined && derivedBase !== "" ? derivedBase : undefined),
        folderUid: f.optString("folderUid"),
        prometheusUrl: f.optString("prometheusUrl"),
        kafkaExporterJob: f.optString("kafkaExporterJob"),
        dashboards: [...dashboards.values()],
    };
    return { value, problems: f.collect() };
}

/** Reads the JSON `pulumi stack output --json` prints (an object of output name → value). */
export function parseOutputs(raw: unknown): VerifyOutputs {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new Error("stack outputs must be a JSON object of output name → value (what `pulumi stack output --json` prints)");
    }
    const root = new Fields("", raw as Record<string, unknown>);
    const problems: Partial<Record<SectionName, string[]>> = {};
    const section = <T>(name: SectionName, read: (f: Fields) => { value: T; problems: string[] }): T | undefined => {
        const f = root.object(name);
        if (f === undefined) {
            if (root.problems.length > 0) {
                problems[name] = root.problems.splice(0);
            }
            return undefined;
        }
        const r = read(f);
        if (r.problems.length > 0) {
            problems[name] = r.problems;
        }
        return r.value;
    };
    const mesh = section("mesh", readMesh);
    const gateway = section("gateway", readGateway);
    const events = section("events", readEvents);
    const observability = section("observability", readObservability);
    const namespaces = root.stringList("namespaces", false);
    return { mesh, gateway, events, observability, namespaces, problems };
}

export function readOutputsFile(file: string): VerifyOutputs {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`cannot read the outputs file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new Error(`the outputs file ${file} is not JSON (${(e as Error).message}); write it with \`pulumi stack output --json --stack <name> > ${file}\``);
    }
    return parseOutputs(raw);
}

export interface PulumiOptions {
    /** The pulumi executable (default `pulumi` on PATH). */
    readonly bin?: string;
    /** Project directory (where Pulumi.yaml is). */
    readonly cwd: string;
    readonly timeoutMs?: number;
    readonly env?: NodeJS.ProcessEnv;
}

/** Runs `pulumi stack output --json --show-secrets=false --stack <stack>` and parses what it prints. */
export function loadStackOutputs(stack: string, options: PulumiOptions): Promise<VerifyOutputs> {
    const bin = options.bin ?? "pulumi";
    const args = ["stack", "output", "--json", "--show-secrets=false", "--stack", stack, "--non-interactive"];
    return new Promise((resolve, reject) => {
        execFile(
            bin,
            args,
            { cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env },
            (err, stdout, stderr) => {
                if (err) {
                    const code = (err as NodeJS.ErrnoException).code;
                    if (code === "ENOENT") {
                        reject(new Error(`the pulumi CLI (${bin}) is not installed or not on PATH; install it, or pass the outputs with --outputs <file>`));
                    } else {
                        reject(new Error(`\`${bin} ${args.join(" ")}\` failed: ${String(stderr).trim() || err.message}`));
                    }
                    return;
                }
                try {
                    resolve(parseOutputs(JSON.parse(String(stdout))));
                } catch (e) {
                    reject(new Error(`\`${bin} ${args.join(" ")}\` printed something that is not the outputs JSON: ${(e as Error).message}`));
                }
            },
        );
    });
}
