import * as path from "path";
import { Catalog, readCatalog } from "./catalog";
import { choices, nearest, Problems } from "./errors";
import { DEFAULT_TOPIC_CATALOG, EVENTS_CLIENT_CERT_KEY, EVENTS_CLIENT_KEY_KEY, EVENTS_SASL_PASSWORD_KEY, EventsModel, parseEventsConfig, readTopicCatalog, TopicCatalog, topicSchemaRefs } from "./events";
import { isInside, readJsonFile, realPath } from "./files";
import { checkKubernetesNames } from "./k8s-checks";
import { GATEWAY_SECRET_KEY_PATTERN, GATEWAY_SECRET_KEYS, GatewayModel, gatewaySecretKeys, parseGatewayConfig } from "./gateway";
import { MeshModel, parseMeshConfig } from "./mesh";
import { GRAFANA_AUTH_KEY, ObservabilityModel, parseObservabilityConfig } from "./observability";
import { checkKubeconfigFile } from "./kubeconfig";
import { Reader } from "./reader";
import { bindWorkloads, parseWorkloadsConfig, WorkloadsModel } from "./workloads";
import { checkTopicSchemas, DEFAULT_SCHEMA_DIR } from "./topic-schemas";

/**
 * The one validated, typed model of a stack: its config plus the service catalog.
 * Everything downstream (components, plan, tests) reads this, never raw config.
 */

export const PROJECT = "service-integration";

/** Config keys holding structured settings (`service-integration:<key>`). */
export const SETTING_KEYS = ["kubernetes", "components", "catalog", "protect", "mesh", "gateway", "events", "observability", "workloads"] as const;

/**
 * Config keys that hold secrets. They are never part of the model: components read them with
 * `config.requireSecret`, so the values stay encrypted in state. Only their presence is checked here.
 */
export const SECRET_KEYS: readonly string[] = [
    "kubeconfig",
    GRAFANA_AUTH_KEY,
    GATEWAY_SECRET_KEYS.postgresAdminPassword,
    GATEWAY_SECRET_KEYS.kongDatabasePassword,
    GATEWAY_SECRET_KEYS.kongAdminToken,
    GATEWAY_SECRET_KEYS.kongAdminClientCert,
    GATEWAY_SECRET_KEYS.kongAdminClientKey,
    EVENTS_SASL_PASSWORD_KEY,
    EVENTS_CLIENT_CERT_KEY,
    EVENTS_CLIENT_KEY_KEY,
];

/** Whether a config key holds a secret (fixed names, or per-credential JWT secrets `jwtSecret-<key>`). */
export function isSecretKey(key: string): boolean {
    return SECRET_KEYS.includes(key) || GATEWAY_SECRET_KEY_PATTERN.test(key);
}

export const COMPONENTS = ["mesh", "gateway", "events", "observability"] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export interface KubernetesModel {
    /** kubeconfig context to use; required so a stack never targets whatever context happens to be current. */
    readonly context: string;
    /** Path to a kubeconfig file; alternative to the `kubeconfig` secret. */
    readonly kubeconfigPath?: string;
    /** Whether the kubeconfig comes from the `kubeconfig` secret. */
    readonly kubeconfigFromSecret: boolean;
    /** The API server URL the context must point at (`kubernetes.server`), so a kubeconfig of another cluster is refused. */
    readonly server?: string;
}

export interface PlatformModel {
    readonly stack: string;
    readonly catalogSource: string;
    readonly catalog: Catalog;
    readonly components: Readonly<Record<ComponentName, boolean>>;
    /** Protect stateful resources (namespaces, topics, databases) from deletion. */
    readonly protect: boolean;
    readonly kubernetes: KubernetesModel;
    readonly mesh: MeshModel;
    /** The workloads this program does not own, as their charts and operators run them (model/workloads.ts). */
    readonly workloads: WorkloadsModel;
    /** Present when the gateway component is on. */
    readonly gateway?: GatewayModel;
    /** Present when the events component is on. */
    readonly events?: EventsModel;
    /** Present when the observability component is on. */
    readonly observability?: ObservabilityModel;
}

/** Raw stack config: key (without the project prefix) → value (objects already JSON-parsed). */
export type RawConfig = Readonly<Record<string, unknown>>;

export interface ModelInput {
    readonly stack: string;
    readonly config: RawConfig;
    /** A catalog given directly (benchmarks, tests); otherwise read from the `catalog` path. */
    readonly catalog?: unknown;
    /**
     * Whether to read the kubeconfig file and check its context and server. The program (index.ts) turns it on; the
     * offline plan and the unit tests leave it off: they evaluate a stack on a machine with no kubeconfig for it.
     */
    readonly checkKubeconfig?: boolean;
    /** A topic catalog given directly (tests); otherwise `catalog/topics.json`. */
    readonly topicCatalog?: unknown;
    /** Where the topics' Avro schemas are (default `schemas/`). */
    readonly schemaDir?: string;
    /** Names for the given catalogs in messages (default "(given catalog)"), e.g. the file they were read from. */
    readonly sources?: { readonly catalog?: string; readonly topicCatalog?: string };
    /** Secret-named keys the stack file holds in plaintext (no `secure:`), when the caller knows (the offline plan). */
    readonly plaintextSecretKeys?: readonly string[];
}

/** The repository root, where catalog paths are resolved from. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * The catalog file a stack names. A relative path stays inside the project (so `../../etc/passwd` is refused);
 * only an explicit absolute path may point elsewhere. Problems are recorded; undefined means unreadable.
 */
function readCatalogFile(file: string, problems: Problems): unknown {
    const where = `${PROJECT}:catalog`;
    const full = path.resolve(REPO_ROOT, file);
    // A symbolic link inside the project that leads outside it counts as outside.
    if (!path.isAbsolute(file) && (!isInside(REPO_ROOT, full) || !isInside(realPath(REPO_ROOT), realPath(full)))) {
        problems.add(where, file, "points outside the project", "use a path inside the project such as catalog/services.json, or give an absolute path to use a file elsewhere on purpose");
        return undefined;
    }
    return readJsonFile(full, where, problems, "point it at a catalog JSON file relative to the project root (or an absolute path)");
}

/** Project names Pulumi config commonly carries besides ours (providers, the engine); their keys are not ours to judge. */
const OTHER_NAMESPACES = ["pulumi", "kubernetes", "kafka", "postgresql", "random", "grafana", "aws", "gcp", "azure", "azure-native"];

/**
 * Keys under another project prefix (rawConfigFrom keeps them as `project:key`). A prefix close to ours, or one of
 * our own keys under an unknown prefix, is a typo that would otherwise drop the setting without a word.
 */
function checkForeignKeys(config: RawConfig, problems: Problems): void {
    const ours = new Set<string>([...SETTING_KEYS, ...SECRET_KEYS]);
    for (const fullKey of Object.keys(config).filter((k) => k.includes(":"))) {
        const project = fullKey.slice(0, fullKey.indexOf(":"));
        const key = fullKey.slice(project.length + 1);
        const typo = nearest(project, [PROJECT]) !== undefined;
        if (typo || (!OTHER_NAMESPACES.includes(project) && (ours.has(key) || isSecretKey(key)))) {
            problems.add(fullKey, "(set)", `is not read: its prefix ${project}: is not this project's (${PROJECT}:)`, `rename it to ${PROJECT}:${key}`);
        }
    }
}

/** A `jwtSecret-<key>` config key must belong to a declared credential that takes its secret from config. */
function checkJwtSecretKeys(config: RawConfig, gateway: GatewayModel | undefined, problems: Problems): void {
    if (gateway === undefined) {
        return;
    }
    const credentials = gateway.consumers.flatMap((c) => c.jwt.map((j) => ({ consumer: c.name, ...j })));
    for (const key of Object.keys(config).filter((k) => /^jwtSecret-/.test(k))) {
        const credential = credentials.find((j) => GATEWAY_SECRET_KEYS.jwtSecret(j.key) === key);
        const where = `${PROJECT}:${key}`;
        if (credential === undefined) {
            const keys = credentials.map((j) => j.key);
            const near = nearest(key.slice("jwtSecret-".length), keys);
            problems.add(where, "[secret]", "belongs to no JWT credential of gateway.consumers", near !== undefined ? `did you mean ${PROJECT}:jwtSecret-${near}?` : `remove it, or declare a consumer credential with key ${key.slice("jwtSecret-".length)} and secret: config (declared keys: ${choices(keys)})`);
        } else if (credential.secret?.source !== "config") {
            problems.add(where, "[secret]", `is never read: credential ${credential.key} of consumer ${credential.consumer} ${credential.secret === undefined ? `uses ${credential.algorithm} (no shared secret)` : "generates its secret"}`, `set secret: config on that credential to use this key, or remove the key`);
        }
    }
}

/** The topic catalog and its schemas, read into the same pass. */
function readTopics(input: ModelInput, problems: Problems): TopicCatalog {
    const source = input.topicCatalog !== undefined ? (input.sources?.topicCatalog ?? "(given topic catalog)") : path.relative(process.cwd(), DEFAULT_TOPIC_CATALOG) || DEFAULT_TOPIC_CATALOG;
    const scoped = problems.scoped(source);
    const raw = input.topicCatalog !== undefined ? input.topicCatalog : readJsonFile(DEFAULT_TOPIC_CATALOG, source, problems, "restore catalog/topics.json");
    const topics = readTopicCatalog(raw ?? {}, raw === undefined ? new Problems() : scoped);
    checkTopicSchemas(topicSchemaRefs(topics), input.schemaDir ?? DEFAULT_SCHEMA_DIR, scoped, problems);
    return topics;
}

/**
 * Builds and validates the model in one pass over the stack config, the service catalog, the topic catalog and the
 * schemas: throws one ConfigError listing every problem of every file, before any resource exists.
 */
export function buildModel(input: ModelInput): PlatformModel {
    const problems = new Problems();
    const known = [...SETTING_KEYS, ...SECRET_KEYS];
    for (const key of Object.keys(input.config).filter((k) => !k.includes(":"))) {
        if (!known.includes(key) && !isSecretKey(key)) {
            const near = nearest(key, known);
            problems.add(`${PROJECT}:${key}`, "(set)", "is not a setting this program reads", near !== undefined ? `did you mean ${PROJECT}:${near}?` : `remove it, or use one of: ${known.join(", ")}`);
        }
    }
    checkForeignKeys(input.config, problems);
    for (const key of input.plaintextSecretKeys ?? []) {
        problems.add(`${PROJECT}:${key}`, "[redacted]", "holds a secret in plaintext in the stack file", `remove it and run: pulumi config set --secret ${PROJECT}:${key}`);
    }
    const root = (key: (typeof SETTING_KEYS)[number]): Reader => new Reader(`${PROJECT}:${key}`, input.config[key], problems);

    const catalogPath = typeof input.config.catalog === "string" ? input.config.catalog : "catalog/services.json";
    if (input.config.catalog !== undefined && typeof input.config.catalog !== "string") {
        problems.add(`${PROJECT}:catalog`, input.config.catalog, "must be a path", "set it to a catalog file path such as catalog/services.json");
    }
    const catalogSource = input.catalog !== undefined ? (input.sources?.catalog ?? "(given catalog)") : catalogPath;
    // Area settings are read against the catalog's best reading even when it has problems: every problem, one run.
    const rawCatalog = input.catalog !== undefined ? input.catalog : readCatalogFile(catalogPath, problems);
    const catalog = readCatalog(rawCatalog ?? { namespaces: [], services: [] }, rawCatalog === undefined ? new Problems() : problems.scoped(catalogSource));
    const topicCatalog = readTopics(input, problems);

    const switches = root("components");
    const components = Object.fromEntries(COMPONENTS.map((c) => [c, switches.boolean(c, true)])) as Record<ComponentName, boolean>;
    switches.done();

    const protectValue = input.config.protect;
    if (protectValue !== undefined && typeof protectValue !== "boolean") {
        problems.add(`${PROJECT}:protect`, protectValue, "must be true or false", "set it to true (prod) or false");
    }

    const k = root("kubernetes");
    const kubernetes: KubernetesModel = {
        context: k.string("context"),
        kubeconfigPath: k.optionalString("kubeconfigPath"),
        kubeconfigFromSecret: input.config.kubeconfig !== undefined,
        server: k.optionalString("server"),
    };
    k.done();
    if (kubernetes.kubeconfigPath !== undefined && !kubernetes.kubeconfigFromSecret && input.checkKubeconfig === true) {
        checkKubeconfigFile(problems, `${PROJECT}:kubernetes`, kubernetes.kubeconfigPath, kubernetes.context, kubernetes.server, REPO_ROOT);
    }
    if (kubernetes.kubeconfigPath === undefined && !kubernetes.kubeconfigFromSecret) {
        problems.add(`${PROJECT}:kubernetes.kubeconfigPath`, undefined, "no kubeconfig is configured (the ambient one is never used)", `set kubernetes.kubeconfigPath, or the secret: pulumi config set --secret ${PROJECT}:kubeconfig < kubeconfig.yaml`);
    }

    const mesh = parseMeshConfig(root("mesh"), catalog);
    const workloads = parseWorkloadsConfig(root("workloads"), catalog, mesh.active.name);
    const boundCatalog = bindWorkloads(catalog, workloads, problems);
    // A switched-off component's settings are not read: they may be absent, or kept for switching it back on.
    const area = <T>(key: ComponentName & (typeof SETTING_KEYS)[number], parse: (r: Reader) => T): T | undefined => (components[key] ? parse(root(key)) : undefined);
    const gateway = area("gateway", (r) => parseGatewayConfig(r, catalog));
    const events = area("events", (r) => parseEventsConfig(r, catalog, topicCatalog));
    const observability = area("observability", (r) => parseObservabilityConfig(r, catalog));
    checkJwtSecretKeys(input.config, gateway, problems);
    checkKubernetesNames(`${PROJECT}:`, mesh, gateway, problems);
    problems.throwIfAny(`stack ${input.stack} (config, catalog ${catalogSource}, topic catalog and schemas)`);
    const protect = protectValue === true;
    return {
        stack: input.stack,
        catalogSource,
        catalog: boundCatalog,
        workloads,
        components,
        protect,
        kubernetes,
        mesh,
        gateway,
        // The stack-wide `protect` covers topics too; `events.protect` can only add protection.
        events: events && { ...events, protect: events.protect || protect },
        observability,
    };
}

/** The secret config keys this model's components read with `requireSecret` (`pulumi up` fails without them). */
export function requiredSecrets(model: PlatformModel): string[] {
    return [
        ...(model.gateway ? gatewaySecretKeys(model.gateway) : []),
        ...(model.events?.connection.sasl ? [EVENTS_SASL_PASSWORD_KEY] : []),
        ...(model.observability?.grafana.manage ? [GRAFANA_AUTH_KEY] : []),
    ];
}

/**
 * Parses Pulumi's flat config map (`project:key` → string) into RawConfig: this project's keys without the prefix,
 * other projects' keys kept whole (`other:key`, valued "(set)") so buildModel can catch a mistyped prefix.
 */
export function rawConfigFrom(all: Readonly<Record<string, string>>): RawConfig {
    const raw: Record<string, unknown> = {};
    const prefix = `${PROJECT}:`;
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
            raw[fullKey] = "(set)";
            continue;
        }
        const key = fullKey.slice(prefix.length);
        if (isSecretKey(key)) {
            raw[key] = "[secret]";
            continue;
        }
        try {
            raw[key] = JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    return raw;
}
