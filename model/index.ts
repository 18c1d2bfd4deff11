import * as fs from "fs";
import * as path from "path";
import { Catalog, parseCatalog } from "./catalog";
import { ConfigError, Problems } from "./errors";
import { EVENTS_SASL_PASSWORD_KEY, EventsModel, parseEventsConfig } from "./events";
import { GATEWAY_SECRET_KEY_PATTERN, GATEWAY_SECRET_KEYS, GatewayModel, gatewaySecretKeys, parseGatewayConfig } from "./gateway";
import { MeshModel, parseMeshConfig } from "./mesh";
import { GRAFANA_AUTH_KEY, ObservabilityModel, parseObservabilityConfig } from "./observability";
import { Reader } from "./reader";
import { bindWorkloads, parseWorkloadsConfig, WorkloadsModel } from "./workloads";

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
    GATEWAY_SECRET_KEYS.kongAdminToken,
    GATEWAY_SECRET_KEYS.kongAdminClientCert,
    GATEWAY_SECRET_KEYS.kongAdminClientKey,
    EVENTS_SASL_PASSWORD_KEY,
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
}

/** The repository root, where catalog paths are resolved from. */
export const REPO_ROOT = path.resolve(__dirname, "..");

function readCatalogFile(file: string): unknown {
    const full = path.resolve(REPO_ROOT, file);
    let text: string;
    try {
        text = fs.readFileSync(full, "utf8");
    } catch (e) {
        throw new ConfigError(`${PROJECT}:catalog`, [
            { path: `${PROJECT}:catalog`, value: file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, fix: "point it at a catalog JSON file relative to the project root" },
        ]);
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new ConfigError(`service catalog ${file}`, [{ path: file, value: undefined, message: `is not valid JSON (${(e as Error).message})`, fix: "fix the JSON syntax" }]);
    }
}

/** Builds and validates the model; throws one ConfigError listing every problem, before any resource exists. */
export function buildModel(input: ModelInput): PlatformModel {
    const problems = new Problems();
    const known = new Set<string>([...SETTING_KEYS, ...SECRET_KEYS]);
    for (const key of Object.keys(input.config)) {
        if (!known.has(key) && !isSecretKey(key)) {
            problems.add(`${PROJECT}:${key}`, "(set)", "is not a setting this program reads", `remove it, or use one of: ${[...known].join(", ")}`);
        }
    }
    const root = (key: (typeof SETTING_KEYS)[number]): Reader => new Reader(`${PROJECT}:${key}`, input.config[key], problems);

    const catalogPath = typeof input.config.catalog === "string" ? input.config.catalog : "catalog/services.json";
    if (input.config.catalog !== undefined && typeof input.config.catalog !== "string") {
        problems.add(`${PROJECT}:catalog`, input.config.catalog, "must be a path", "set it to a catalog file path such as catalog/services.json");
    }
    const catalogSource = input.catalog !== undefined ? "(given)" : catalogPath;
    // The catalog is validated on its own first: area settings refer to its namespaces and services.
    const catalog = parseCatalog(input.catalog !== undefined ? input.catalog : readCatalogFile(catalogPath), catalogSource);

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
    };
    k.done();
    if (kubernetes.kubeconfigPath === undefined && !kubernetes.kubeconfigFromSecret) {
        problems.add(`${PROJECT}:kubernetes.kubeconfigPath`, undefined, "no kubeconfig is configured (the ambient one is never used)", `set kubernetes.kubeconfigPath, or the secret: pulumi config set --secret ${PROJECT}:kubeconfig < kubeconfig.yaml`);
    }

    const mesh = parseMeshConfig(root("mesh"), catalog);
    const workloads = parseWorkloadsConfig(root("workloads"), catalog, mesh.active.name);
    const boundCatalog = bindWorkloads(catalog, workloads, problems);
    // A switched-off component's settings are not read: they may be absent, or kept for switching it back on.
    const area = <T>(key: ComponentName & (typeof SETTING_KEYS)[number], parse: (r: Reader) => T): T | undefined => (components[key] ? parse(root(key)) : undefined);
    const gateway = area("gateway", (r) => parseGatewayConfig(r, catalog));
    const events = area("events", (r) => parseEventsConfig(r, catalog));
    const observability = area("observability", (r) => parseObservabilityConfig(r, catalog));
    problems.throwIfAny(`stack ${input.stack} config`);
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
        ...(model.observability ? [GRAFANA_AUTH_KEY] : []),
    ];
}

/** Parses Pulumi's flat config map (`project:key` → string) into RawConfig for this project. */
export function rawConfigFrom(all: Readonly<Record<string, string>>): RawConfig {
    const raw: Record<string, unknown> = {};
    const prefix = `${PROJECT}:`;
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
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
