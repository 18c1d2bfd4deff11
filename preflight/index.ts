/**
 * The preflight: every endpoint a provider will talk to is checked from where Pulumi runs — Kafka (TCP, TLS with the
 * configured CA, SASL, reachable advertised brokers), an external PostgreSQL (TCP, TLS per sslmode, the admin role),
 * Grafana (the URL and its credential), and Kong's path through the Kubernetes API (the identity may port-forward in
 * Kong's namespace). It runs in the program before any resource is declared, so `pulumi preview` fails on the same
 * problems `pulumi up` would, and `up` changes nothing when an endpoint is wrong. All findings are reported at once.
 */
import { GATEWAY_SECRET_KEYS } from "../model/gateway";
import { EVENTS_CLIENT_CERT_KEY, EVENTS_CLIENT_KEY_KEY, EVENTS_SASL_PASSWORD_KEY } from "../model/events";
import { GRAFANA_AUTH_KEY } from "../model/observability";
import { PlatformModel, PROJECT } from "../model";
import { GrafanaEndpoint, grafanaPreflight } from "./grafana";
import { KafkaEndpoint, kafkaPreflight } from "./kafka";
import { PostgresEndpoint, postgresPreflight } from "./postgres";
import { API_UNASKED, PreflightError, PreflightProblem } from "./problem";
import { KongAccess, kongAccessPreflight } from "./kong";
import { RolloutTargets, rolloutPreflight } from "./rollouts";
import { sidecarRollouts } from "../components/mesh/rollout";

export { PreflightError } from "./problem";
export type { PreflightProblem } from "./problem";

export interface PreflightTargets {
    readonly kafka?: KafkaEndpoint;
    readonly postgres?: PostgresEndpoint;
    readonly grafana?: GrafanaEndpoint;
    readonly kong?: KongAccess;
    /** The Deployments the mesh rolls for sidecar coverage: each must exist. */
    readonly rollouts?: RolloutTargets;
}

/** Secret values by config key (without the project prefix), as the program's config holds them. */
export type SecretValues = Readonly<Record<string, string | undefined>>;

/** From the Pulumi program's flat config (`project:key` → value, secrets included as the engine decrypted them). */
export function secretValuesFrom(allConfig: Readonly<Record<string, string>>): SecretValues {
    const prefix = `${PROJECT}:`;
    return Object.fromEntries(Object.entries(allConfig).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** The endpoints this stack's model names, with the credentials the providers will use. */
export function preflightTargets(model: PlatformModel, secrets: SecretValues): PreflightTargets {
    const events = model.events?.connection;
    const db = model.gateway?.database;
    const grafana = model.observability?.grafana;
    const manageGrafana = grafana !== undefined && (grafana as Partial<{ manage: boolean }>).manage !== false;
    return {
        kafka:
            events === undefined
                ? undefined
                : {
                      bootstrapServers: events.bootstrapServers,
                      tlsEnabled: events.tlsEnabled,
                      caCertificate: events.caCertificate,
                      clientCert: events.clientCertificate ? secrets[EVENTS_CLIENT_CERT_KEY] : undefined,
                      clientKey: events.clientCertificate ? secrets[EVENTS_CLIENT_KEY_KEY] : undefined,
                      sasl: events.sasl !== undefined ? { ...events.sasl, password: secrets[EVENTS_SASL_PASSWORD_KEY] ?? "" } : undefined,
                  },
        postgres:
            db?.mode === "external"
                ? { host: db.host, port: db.port, sslmode: db.sslmode, caCertificate: db.caCertificate, user: db.adminUser, password: secrets[GATEWAY_SECRET_KEYS.postgresAdminPassword] ?? "", database: db.adminDatabase }
                : undefined,
        grafana: manageGrafana ? { url: grafana.url, auth: secrets[GRAFANA_AUTH_KEY] ?? "" } : undefined,
        rollouts: model.components.mesh
            ? { kubeconfig: model.kubernetes.kubeconfigFromSecret ? secrets.kubeconfig : undefined, kubeconfigPath: model.kubernetes.kubeconfigPath, context: model.kubernetes.context, deployments: sidecarRollouts(model.mesh, model.catalog) }
            : undefined,
        kong:
            model.gateway !== undefined && model.gateway.admin.manageEntities && model.gateway.admin.url === undefined
                ? { kubeconfig: model.kubernetes.kubeconfigFromSecret ? secrets.kubeconfig : undefined, kubeconfigPath: model.kubernetes.kubeconfigPath, context: model.kubernetes.context }
                : undefined,
    };
}

/** Runs every check (concurrently) and returns every problem found. */
export async function preflightProblems(t: PreflightTargets): Promise<PreflightProblem[]> {
    const runs = await Promise.all([
        t.kafka ? kafkaPreflight(t.kafka) : [],
        t.postgres ? postgresPreflight(t.postgres) : [],
        t.grafana ? grafanaPreflight(t.grafana) : [],
        t.kong ? kongAccessPreflight(t.kong) : [],
        t.rollouts ? rolloutPreflight(t.rollouts) : [],
    ]);
    return withoutRepeatedApiServer(runs.flat());
}

/** The Kong and roll-out checks both ask the API server: when it cannot be asked, say so once. */
function withoutRepeatedApiServer(problems: PreflightProblem[]): PreflightProblem[] {
    let seen = false;
    return problems.filter((p) => {
        if (p.key !== "service-integration:kubernetes" || !p.problem.startsWith(API_UNASKED)) {
            return true;
        }
        return seen ? false : (seen = true);
    });
}

/** Throws a PreflightError naming every problem; resolves when every endpoint is fit. */
export async function runPreflight(t: PreflightTargets): Promise<void> {
    const problems = await preflightProblems(t);
    if (problems.length > 0) {
        throw new PreflightError(problems);
    }
}
