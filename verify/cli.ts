/**
 * `npm run verify -- --stack <name> [options]`: checks a live environment against its stack's outputs.
 * Prints a table (or JSON with --json); exits 0 when every check passed or did not apply, 1 when any check failed or
 * could not run, 2 on a usage error or unreadable outputs. Secrets come from the environment only, never from flags
 * (flags end up in shell history and process lists).
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ALL_CHECKS } from "./checks";
import { Endpoints, REPO_ROOT, VerifyContext } from "./context";
import { DEFAULT_TIMEOUT_MS } from "./http";
import { KafkaConnectionSpec, TopicAdmin } from "./kafka";
import { VerifyOutputs, loadStackOutputs, readOutputsFile } from "./outputs";
import { jsonReport, renderTable } from "./report";
import { exitCodeOf, runChecks } from "./runner";

export const USAGE = `Usage: npm run verify -- --stack <name> [options]

Reads the stack's outputs (pulumi stack output --json --show-secrets=false) and checks the live environment.

Outputs:
  --stack <name>            Pulumi stack to verify (dev, prod, ...)
  --outputs <file>          read the outputs from a JSON file instead of the pulumi CLI
  --pulumi <path>           pulumi executable (default: pulumi on PATH)
Kubernetes (sidecars, proxy-sync, mesh-service, kong-route, mtls-mode):
  --kubeconfig <file>       default: $KUBECONFIG, then ~/.kube/config
  --context <name>          kubeconfig context (default: its current-context); use the stack's kubernetes.context
  --kube-api <url>          a \`kubectl proxy\` URL, e.g. http://127.0.0.1:8001 (wins over --kubeconfig)
Endpoints (flag, else environment variable, else the stack outputs):
  --istiod-url <url>        istiod monitoring port, once per replica (ISTIOD_URL, comma-separated);
                            default: the API server's pod proxy to every istiod pod of the active revision
  --mesh-service <name>     catalog service probed through the mesh (default: portal-services)
  --mesh-service-url <url>  URL of that probe (MESH_SERVICE_URL); default: the API server's service proxy
  --kong-admin-url <url>    Kong Admin API (KONG_ADMIN_URL; token: KONG_ADMIN_TOKEN); else gateway.adminUrl,
                            else a port-forward to a ready Kong pod (needs pods/portforward in kong)
  --kong-proxy-url <url>    kong-proxy (KONG_PROXY_URL); else gateway.proxyUrl, else the API server's service proxy
  --grafana-url <url>       Grafana (GRAFANA_URL; token: GRAFANA_TOKEN); else observability.grafanaUrl
  --prometheus-url <url>    Prometheus (PROMETHEUS_URL); else observability.prometheusUrl
  --kafka-exporter-job <j>  job label of the Kafka exporter's series (KAFKA_EXPORTER_JOB); else observability.kafkaExporterJob
  --kafka-bootstrap <list>  host:port[,host:port] (KAFKA_BOOTSTRAP); else events.bootstrapServers
  --kafka-tls <true|false>  override events.tlsEnabled; SASL password: KAFKA_SASL_PASSWORD
Other:
  --catalog <file>          service catalog (default: catalog/services.json)
  --topic-catalog <file>    topic catalog (default: catalog/topics.json)
  --only <ids>              run only these checks (comma-separated): ${ALL_CHECKS.map((c) => c.id).join(", ")}
  --timeout <ms>            per-request timeout (default ${DEFAULT_TIMEOUT_MS})
  --settle <ms>             wait before re-reading proxies that look stale (default 3000)
  --json                    print the report as JSON
  -h, --help                this text

Exit status: 0 all checks passed or did not apply; 1 a check failed or could not run; 2 usage error.`;

export interface Io {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
    /** Terminal width for the table. */
    readonly columns?: number;
}

export interface Deps {
    /** Replaces kafkajs (tests). */
    readonly kafkaAdmin?: (spec: KafkaConnectionSpec) => Promise<TopicAdmin>;
}

class UsageError extends Error {}

function list(value: string | undefined): string[] | undefined {
    if (value === undefined) return undefined;
    const items = value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    return items.length > 0 ? items : undefined;
}

function positiveInt(name: string, value: string | undefined, fallback: number, allowZero = false): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
        throw new UsageError(`--${name} must be a ${allowZero ? "non-negative" : "positive"} integer (milliseconds), got ${JSON.stringify(value)}`);
    }
    return n;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io, deps: Deps = {}): Promise<number> {
    let values: Record<string, string | string[] | boolean | undefined>;
    try {
        values = parseArgs({
            args: [...argv],
            allowPositionals: false,
            strict: true,
            options: {
                stack: { type: "string" },
                outputs: { type: "string" },
                pulumi: { type: "string" },
                kubeconfig: { type: "string" },
                context: { type: "string" },
                "kube-api": { type: "string" },
                "istiod-url": { type: "string", multiple: true },
                "mesh-service": { type: "string" },
                "mesh-service-url": { type: "string" },
                "kong-admin-url": { type: "string" },
                "kong-proxy-url": { type: "string" },
                "grafana-url": { type: "string" },
                "prometheus-url": { type: "string" },
                "kafka-exporter-job": { type: "string" },
                "kafka-bootstrap": { type: "string" },
                "kafka-tls": { type: "string" },
                catalog: { type: "string" },
                "topic-catalog": { type: "string" },
                only: { type: "string" },
                timeout: { type: "string" },
                settle: { type: "string" },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        }).values;
    } catch (e) {
        io.err(`${(e as Error).message}\n\n${USAGE}\n`);
        return 2;
    }
    if (values.help === true) {
        io.out(`${USAGE}\n`);
        return 0;
    }
    const s = (k: string): string | undefined => (typeof values[k] === "string" ? (values[k] as string) : undefined);
    const e = (k: string): string | undefined => (env[k] !== undefined && env[k] !== "" ? env[k] : undefined);

    let endpoints: Endpoints;
    let checks = ALL_CHECKS;
    let timeoutMs: number;
    let settleMs: number;
    try {
        if (s("stack") === undefined && s("outputs") === undefined) {
            throw new UsageError("give --stack <name> (or --outputs <file>)");
        }
        const only = list(s("only"));
        if (only !== undefined) {
            const unknown = only.filter((id) => !ALL_CHECKS.some((c) => c.id === id));
            if (unknown.length > 0) {
                throw new UsageError(`--only: unknown check(s) ${unknown.join(", ")}; known: ${ALL_CHECKS.map((c) => c.id).join(", ")}`);
            }
            checks = ALL_CHECKS.filter((c) => only.includes(c.id));
        }
        const kafkaTls = s("kafka-tls");
        if (kafkaTls !== undefined && kafkaTls !== "true" && kafkaTls !== "false") {
            throw new UsageError(`--kafka-tls must be true or false, got ${JSON.stringify(kafkaTls)}`);
        }
        timeoutMs = positiveInt("timeout", s("timeout"), DEFAULT_TIMEOUT_MS);
        settleMs = positiveInt("settle", s("settle"), 3_000, true);
        const istiod = (values["istiod-url"] as string[] | undefined) ?? list(e("ISTIOD_URL")) ?? [];
        endpoints = {
            kubeApi: s("kube-api"),
            kubeconfig: s("kubeconfig"),
            kubeContext: s("context"),
            istiodUrls: istiod.flatMap((u) => list(u) ?? []),
            meshService: s("mesh-service") ?? "portal-services",
            meshServiceUrl: s("mesh-service-url") ?? e("MESH_SERVICE_URL"),
            kongAdminUrl: s("kong-admin-url") ?? e("KONG_ADMIN_URL"),
            kongAdminToken: e("KONG_ADMIN_TOKEN"),
            kongProxyUrl: s("kong-proxy-url") ?? e("KONG_PROXY_URL"),
            grafanaUrl: s("grafana-url") ?? e("GRAFANA_URL"),
            grafanaToken: e("GRAFANA_TOKEN"),
            prometheusUrl: s("prometheus-url") ?? e("PROMETHEUS_URL"),
            kafkaExporterJob: s("kafka-exporter-job") ?? e("KAFKA_EXPORTER_JOB"),
            kafkaBootstrap: list(s("kafka-bootstrap") ?? e("KAFKA_BOOTSTRAP")),
            kafkaTls: kafkaTls === undefined ? undefined : kafkaTls === "true",
            kafkaSaslPassword: e("KAFKA_SASL_PASSWORD"),
            catalogFile: path.resolve(s("catalog") ?? path.join(REPO_ROOT, "catalog", "services.json")),
            topicCatalogFile: path.resolve(s("topic-catalog") ?? path.join(REPO_ROOT, "catalog", "topics.json")),
        };
    } catch (err) {
        if (err instanceof UsageError) {
            io.err(`${err.message}\n\n${USAGE}\n`);
            return 2;
        }
        throw err;
    }

    let outputs: VerifyOutputs;
    try {
        const file = s("outputs");
        outputs = file !== undefined ? readOutputsFile(file) : await loadStackOutputs(s("stack")!, { bin: s("pulumi"), cwd: REPO_ROOT, env });
    } catch (err) {
        io.err(`cannot read the stack outputs: ${(err as Error).message}\n`);
        return 2;
    }

    const started = new Date();
    const ctx = new VerifyContext({ outputs, endpoints, timeoutMs, settleMs, kafkaAdmin: deps.kafkaAdmin });
    const results = await runChecks(checks, ctx);
    const stack = s("stack");
    if (values.json === true) {
        io.out(`${JSON.stringify(jsonReport(results, { stack, startedAt: started, durationMs: Date.now() - started.getTime() }), null, 2)}\n`);
    } else {
        io.out(`Verifying ${stack !== undefined ? `stack ${stack}` : `outputs ${s("outputs")}`}\n\n${renderTable(results, io.columns ?? 160)}`);
    }
    return exitCodeOf(results);
}

if (require.main === module) {
    main(process.argv.slice(2), process.env, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        columns: process.stdout.columns,
    }).then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            process.stderr.write(`verify crashed: ${(err as Error).stack ?? String(err)}\n`);
            process.exitCode = 2;
        },
    );
}
