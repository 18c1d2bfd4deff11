/**
 * Everything a check may use: the stack outputs, the endpoints given on the command line / environment, and lazily
 * built clients. Getters that cannot produce what a check needs throw {@link CannotRun}, so every check reports a
 * missing endpoint or credential the same way: ERROR, with the flag to pass.
 */
import { promises as dns } from "node:dns";
import * as fs from "node:fs";
import * as path from "node:path";
import { Catalog, parseCatalog } from "../model/catalog";
import { loadTopicCatalog, TopicCatalog } from "../model/events";
import { KafkaConnectionSpec, TopicAdmin, connectKafkaJsAdmin } from "./kafka";
import { KubeClient, KubeConnection, defaultKubeconfigPath, loadKubeconfig } from "./kube";
import { SectionName, VerifyOutputs } from "./outputs";
import { CannotRun } from "./result";

/** The repository root (catalog files are resolved from here). */
export const REPO_ROOT = path.resolve(__dirname, "..");

export interface Endpoints {
    /** Base URL of a `kubectl proxy` (no auth); wins over the kubeconfig. */
    readonly kubeApi?: string;
    readonly kubeconfig?: string;
    readonly kubeContext?: string;
    /** istiod monitoring URLs (one per replica, e.g. port-forwards to 15014); default: the API server's pod proxy. */
    readonly istiodUrls: readonly string[];
    /** Catalog service whose health path is probed through the mesh. */
    readonly meshService: string;
    /** Full URL of that probe; default: the API server's service proxy. */
    readonly meshServiceUrl?: string;
    readonly kongAdminUrl?: string;
    /** Sent as Kong-Admin-Token (env KONG_ADMIN_TOKEN). */
    readonly kongAdminToken?: string;
    readonly kongProxyUrl?: string;
    readonly grafanaUrl?: string;
    /** Grafana service-account token (env GRAFANA_TOKEN). */
    readonly grafanaToken?: string;
    readonly prometheusUrl?: string;
    /** The Kafka exporter's `job` label (KAFKA_EXPORTER_JOB); else observability.kafkaExporterJob. */
    readonly kafkaExporterJob?: string;
    readonly kafkaBootstrap?: readonly string[];
    readonly kafkaTls?: boolean;
    /** env KAFKA_SASL_PASSWORD. */
    readonly kafkaSaslPassword?: string;
    readonly catalogFile: string;
    readonly topicCatalogFile: string;
}

export interface ContextOptions {
    readonly outputs: VerifyOutputs;
    readonly endpoints: Endpoints;
    /** Per-request timeout. */
    readonly timeoutMs: number;
    /** How long the proxy-sync check waits before re-reading proxies that looked stale (a push in flight). */
    readonly settleMs: number;
    /** Whether a host name resolves here (in-cluster Service names only resolve inside the cluster); tests inject it. */
    readonly resolves?: (hostname: string) => Promise<boolean>;
    /** Builds the Kafka admin; tests inject a fake. Default: kafkajs. */
    readonly kafkaAdmin?: (spec: KafkaConnectionSpec) => Promise<TopicAdmin>;
}

export class VerifyContext {
    readonly outputs: VerifyOutputs;
    readonly endpoints: Endpoints;
    readonly timeoutMs: number;
    readonly settleMs: number;
    private readonly kafkaFactory: (spec: KafkaConnectionSpec) => Promise<TopicAdmin>;
    readonly resolves: (hostname: string) => Promise<boolean>;
    private kubeClient?: KubeClient | CannotRun;
    private catalogValue?: Catalog | CannotRun;
    private topicCatalogValue?: TopicCatalog | CannotRun;

    constructor(options: ContextOptions) {
        this.outputs = options.outputs;
        this.endpoints = options.endpoints;
        this.timeoutMs = options.timeoutMs;
        this.settleMs = options.settleMs;
        this.kafkaFactory = options.kafkaAdmin ?? connectKafkaJsAdmin;
        this.resolves =
            options.resolves ??
            ((hostname) =>
                dns.lookup(hostname).then(
                    () => true,
                    () => false,
                ));
    }

    /** The section of the outputs a check needs, or undefined when absent; throws when present but unreadable. */
    section<K extends SectionName>(name: K): NonNullable<VerifyOutputs[K]> | undefined {
        const problems = this.outputs.problems[name];
        if (problems !== undefined && problems.length > 0) {
            throw new CannotRun(
                `the stack output \`${name}\` cannot be read: ${problems.join("; ")}`,
                `fix what the program exports as \`${name}\` (verify/outputs.ts documents the fields it reads), or pass a corrected --outputs file`,
            );
        }
        return (this.outputs[name] ?? undefined) as NonNullable<VerifyOutputs[K]> | undefined;
    }

    kube(): KubeClient {
        if (this.kubeClient === undefined) {
            try {
                const conn: KubeConnection =
                    this.endpoints.kubeApi !== undefined
                        ? { server: this.endpoints.kubeApi, source: `kubectl proxy ${this.endpoints.kubeApi}` }
                        : loadKubeconfig(this.endpoints.kubeconfig ?? defaultKubeconfigPath(), this.endpoints.kubeContext);
                this.kubeClient = new KubeClient(conn, this.timeoutMs);
            } catch (e) {
                this.kubeClient = e instanceof CannotRun ? e : new CannotRun(`cannot build a Kubernetes client: ${(e as Error).message}`, "check --kubeconfig/--context, or use --kube-api");
            }
        }
        if (this.kubeClient instanceof CannotRun) {
            throw this.kubeClient;
        }
        return this.kubeClient;
    }

    catalog(): Catalog {
        if (this.catalogValue === undefined) {
            const file = this.endpoints.catalogFile;
            try {
                this.catalogValue = parseCatalog(JSON.parse(fs.readFileSync(file, "utf8")), path.relative(REPO_ROOT, file) || file);
            } catch (e) {
                this.catalogValue = new CannotRun(`the service catalog ${file} cannot be read: ${(e as Error).message}`, "pass --catalog <file> (the catalog the stack was deployed with)");
            }
        }
        if (this.catalogValue instanceof CannotRun) {
            throw this.catalogValue;
        }
        return this.catalogValue;
    }

    topicCatalog(): TopicCatalog {
        if (this.topicCatalogValue === undefined) {
            try {
                this.topicCatalogValue = loadTopicCatalog(this.endpoints.topicCatalogFile);
            } catch (e) {
                this.topicCatalogValue = new CannotRun(`the topic catalog ${this.endpoints.topicCatalogFile} cannot be read: ${(e as Error).message}`, "pass --topic-catalog <file>");
            }
        }
        if (this.topicCatalogValue instanceof CannotRun) {
            throw this.topicCatalogValue;
        }
        return this.topicCatalogValue;
    }

    kafkaAdmin(spec: KafkaConnectionSpec): Promise<TopicAdmin> {
        return this.kafkaFactory(spec);
    }

    sleep(ms: number): Promise<void> {
        return ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms));
    }
}

/** What a check is: an id for `--only`, a title for the table, and a body. */
export interface Check {
    readonly id: string;
    readonly title: string;
    run(ctx: VerifyContext): Promise<import("./result").Outcome>;
}
