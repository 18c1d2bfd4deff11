/**
 * `platform:gateway:ApiGateway`: Kong Gateway OSS 3.9 in namespace `kong` with PostgreSQL 15 (in-cluster or
 * external), its migrations, Services, disruption budget and access policies, and — through the Kong dynamic
 * provider — the services, routes, plugins, consumers and JWT credentials derived from the catalog.
 *
 * Ordering: database (StatefulSet, or role/database/grant) → `kong migrations bootstrap` → `kong migrations up`
 * (image-keyed) → Deployment → `kong migrations finish` (image-keyed) → Kong entities.
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Catalog } from "../../model/catalog";
import { GatewayModel, KONG_UID } from "../../model/gateway";
import { COMMON_LABELS, GATEWAY, SIDECAR_INJECT_ANNOTATION } from "../../model/wellknown";
import { defaultWorkloads, WorkloadsModel } from "../../model/workloads";
import { DB_SECRET_KEYS, externalDatabase, inClusterDatabase, KONG_CLIENT_LABEL, KongDatabase, POSTGRES } from "./database";
import { KongConnection } from "./kong/client";
import { KongConfiguration, KongConfigurationArgs } from "./kong/configuration";
import { deriveKongEntities, KongDeclaration } from "./kong/entities";
import { renderDeck } from "./kong/deck";
import { GatewaySecrets } from "./secrets";
import { clientAddressEnv, kongPodAnnotations, prometheusScraper, withEphemeralStorage } from "./workload";

export { readGatewaySecrets } from "./secrets";
export type { GatewaySecrets } from "./secrets";
export { deriveKongEntities, ownerTags, MANAGED_BY_TAG } from "./kong/entities";
export type { KongDeclaration } from "./kong/entities";
export type { KongConnection } from "./kong/client";
export { renderDeck } from "./kong/deck";
export { KongConfiguration } from "./kong/configuration";

export interface ApiGatewayArgs {
    /** Validated `service-integration:gateway`. */
    readonly model: GatewayModel;
    /** The service catalog: every service with a `gateway` entry gets a Kong service and routes. */
    readonly catalog: Catalog;
    /** The `kong` namespace (created, with its injection label, by the platform). */
    readonly namespace: k8s.core.v1.Namespace;
    /** Explicit Kubernetes provider. */
    readonly kubernetes: k8s.Provider;
    /** Secrets the model needs (see readGatewaySecrets). */
    readonly secrets: GatewaySecrets;
    /**
     * The mesh's CRD-installing resources (ServiceMesh.crdsReady). Istio custom resources (AuthorizationPolicy,
     * ServiceEntry) depend on them; when undefined (mesh off for this stack) none are declared.
     */
    readonly crdsReady?: pulumi.Input<pulumi.Resource>[];
    /** What must serve before Kong's pods start in the mesh (ServiceMesh.podsReady: istiod and the CNI agent). */
    readonly meshPodsReady?: pulumi.Input<pulumi.Resource>[];
    /** The workloads this program does not own (Prometheus, the load balancer in front of Kong); documented defaults otherwise. */
    readonly workloads?: WorkloadsModel;
    /** The mesh's active revision: Kong's pods are rolled when it changes, so they always get its sidecar. */
    readonly meshRevision?: string;
    /** Protect the database and its password from deletion (the platform's `protect`, true in prod). */
    readonly protect?: boolean;
    /** Stack name for the ownership tag `stack:<stack>`; defaults to pulumi.getStack(). */
    readonly stack?: string;
    /**
     * The stack's Kubernetes credentials, the same the Kubernetes provider uses: the Kong provider port-forwards to a
     * Kong pod with them (unless `admin.url` names a direct Admin API).
     */
    readonly kubernetesAccess?: KubernetesAccess;
}

/** Kubeconfig (secret content, or a path read where the operation runs) and the context to use. */
export interface KubernetesAccess {
    readonly kubeconfig?: pulumi.Input<string>;
    readonly kubeconfigPath?: string;
    readonly context: string;
}

const PREFIX_DIR = "/kong_prefix";
const LABELS = { ...COMMON_LABELS, ...KONG_CLIENT_LABEL, app: GATEWAY.app };
/** The migrations Jobs run one short CLI command. */
const MIGRATION_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } } as const;

/** `kong:3.9.3` → `3-9-3`; a digest → its first 12 hex digits. Keys the image-specific migration Jobs. */
export function imageSlug(image: string): string {
    const digest = /@sha256:([0-9a-f]{12})/.exec(image);
    if (digest) {
        return digest[1];
    }
    const tag = image.slice(image.lastIndexOf(":") + 1);
    return tag.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 30);
}

function restrictedContainer(): k8s.types.input.core.v1.SecurityContext {
    return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: KONG_UID, runAsGroup: KONG_UID, capabilities: { drop: ["ALL"] } };
}

function podSecurity(): k8s.types.input.core.v1.PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: KONG_UID, runAsGroup: KONG_UID, fsGroup: KONG_UID, seccompProfile: { type: "RuntimeDefault" } };
}

/** Kong's database settings: connection from the Secret, TLS flags plain. */
function databaseEnv(db: KongDatabase): k8s.types.input.core.v1.EnvVar[] {
    const ref = (key: string): k8s.types.input.core.v1.EnvVarSource => ({ secretKeyRef: { name: db.secretName, key } });
    return [
        { name: "KONG_DATABASE", value: "postgres" },
        { name: "KONG_PG_HOST", valueFrom: ref(DB_SECRET_KEYS.host) },
        { name: "KONG_PG_PORT", valueFrom: ref(DB_SECRET_KEYS.port) },
        { name: "KONG_PG_USER", valueFrom: ref(DB_SECRET_KEYS.user) },
        { name: "KONG_PG_DATABASE", valueFrom: ref(DB_SECRET_KEYS.database) },
        { name: "KONG_PG_PASSWORD", valueFrom: ref(DB_SECRET_KEYS.password) },
        ...db.tlsEnv,
        // The read-only root filesystem leaves Kong its prefix (nginx.conf, pids, sockets) on an emptyDir.
        { name: "KONG_PREFIX", value: PREFIX_DIR },
    ];
}

const WRITABLE_MOUNTS = [
    { name: "kong-prefix", mountPath: PREFIX_DIR },
    { name: "tmp", mountPath: "/tmp" },
];
const WRITABLE_VOLUMES = [
    { name: "kong-prefix", emptyDir: { sizeLimit: "256Mi" } },
    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
];

export class ApiGateway extends pulumi.ComponentResource {
    /** The Kong entities this stack declares (also rendered by `deck`). */
    readonly declaration: KongDeclaration;
    /** decK-style YAML of the declared Kong entities (no secrets), for the offline plan. */
    get deck(): string {
        // Rendered when asked for: at 1000 services YAML-rendering it was over half of this component's own time.
        return renderDeck(this.declaration);
    }
    readonly proxyServiceName: pulumi.Output<string>;
    /** The direct Admin API URL Pulumi uses, when the model sets one (otherwise the provider port-forwards). */
    readonly adminUrl?: string;
    readonly databaseSecretName: pulumi.Output<string>;
    /** HS* JWT secrets by credential key (secret); empty when entities are not managed. */
    readonly jwtSecrets: pulumi.Output<Record<string, string>>;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly migrations: { readonly bootstrap: k8s.batch.v1.Job; readonly up: k8s.batch.v1.Job; readonly finish: k8s.batch.v1.Job };
    readonly kong?: KongConfiguration;

    constructor(name: string, args: ApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:gateway:ApiGateway", name, {}, opts);
        const { model } = args;
        const workloads = args.workloads ?? defaultWorkloads(args.catalog, args.meshRevision ?? "default");
        const scraper = prometheusScraper(workloads);
        const provider = args.kubernetes;
        const ns = args.namespace.metadata.name;
        const k8sOpts = (dependsOn: readonly pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            provider,
            dependsOn: [args.namespace, ...dependsOn],
        });
        const meta = (resourceName: string, labels: Record<string, string> = {}): k8s.types.input.meta.v1.ObjectMeta => ({
            name: resourceName,
            namespace: ns,
            labels: { ...LABELS, ...labels },
        });

        for (const [needed, key, given] of [
            [model.admin.token, "kongAdminToken", args.secrets.kongAdminToken],
            [model.admin.clientCertificate, "kongAdminClientCert", args.secrets.kongAdminClientCert],
            [model.admin.clientCertificate, "kongAdminClientKey", args.secrets.kongAdminClientKey],
        ] as const) {
            if (needed && given === undefined) {
                throw new Error(`gateway admin settings need the secret ${key}: set it with "pulumi config set --secret service-integration:${key} <value>"`);
            }
        }

        // Database.
        const common = { namespace: ns, parent: this as pulumi.Resource, kubernetes: provider, protect: args.protect ?? false };
        let db: KongDatabase;
        if (model.database.mode === "in-cluster") {
            db = inClusterDatabase(model.database, common, args.secrets.kongDatabasePassword);
        } else {
            if (args.secrets.postgresAdminPassword === undefined) {
                throw new Error('gateway database is external but no admin password was given: set it with "pulumi config set --secret service-integration:postgresAdminPassword <password>"');
            }
            db = externalDatabase(model.database, args.secrets.postgresAdminPassword, common);
        }
        this.databaseSecretName = db.secretName;
        const dbEnv = databaseEnv(db);

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            GATEWAY.serviceAccount,
            // Kong OSS without the ingress controller never calls the Kubernetes API.
            { metadata: meta(GATEWAY.serviceAccount), automountServiceAccountToken: false },
            k8sOpts(),
        );

        // Migrations: run-to-completion Jobs without a sidecar (it would keep the pod alive forever).
        const migration = (jobName: string, command: string[], dependsOn: pulumi.Resource[]): k8s.batch.v1.Job =>
            new k8s.batch.v1.Job(
                jobName,
                {
                    metadata: meta(jobName, { "app.kubernetes.io/component": "migrations" }),
                    spec: {
                        backoffLimit: 6,
                        activeDeadlineSeconds: 900,
                        template: {
                            metadata: {
                                labels: { ...COMMON_LABELS, ...KONG_CLIENT_LABEL, "app.kubernetes.io/component": "migrations", [SIDECAR_INJECT_ANNOTATION]: "false" },
                                annotations: { [SIDECAR_INJECT_ANNOTATION]: "false" },
                            },
                            spec: {
                                restartPolicy: "OnFailure",
                                serviceAccountName: serviceAccount.metadata.name,
                                automountServiceAccountToken: false,
                                securityContext: podSecurity(),
                                containers: [
                                    {
                                        name: "kong-migrations",
                                        image: model.image,
                                        command,
                                        env: dbEnv,
                                        securityContext: restrictedContainer(),
                                        resources: withEphemeralStorage(MIGRATION_RESOURCES),
                                        volumeMounts: WRITABLE_MOUNTS,
                                    },
                                ],
                                volumes: WRITABLE_VOLUMES,
                            },
                        },
                    },
                },
                { ...k8sOpts(dependsOn), deleteBeforeReplace: true },
            );
        const slug = imageSlug(model.image);
        // `bootstrap` is idempotent ("database already bootstrapped" on later runs); re-runs when the image changes.
        const bootstrap = migration("kong-migrations", ["kong", "migrations", "bootstrap"], db.ready);
        // Upgrades: `up` with the new image before the rollout, `finish` once every node runs it (Kong's documented
        // order). Both Jobs are named after the image, so a new image runs them once; on a fresh database they are no-ops.
        const up = migration(`kong-migrations-up-${slug}`, ["kong", "migrations", "up"], [bootstrap]);

        const proxyConfig = JSON.stringify({ holdApplicationUntilProxyStarts: true });
        const p = GATEWAY.ports;
        const deployment = new k8s.apps.v1.Deployment(
            "kong",
            {
                metadata: meta("kong"),
                spec: {
                    replicas: model.replicas,
                    selector: { matchLabels: { app: GATEWAY.app } },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                    template: {
                        metadata: {
                            labels: { ...LABELS, [SIDECAR_INJECT_ANNOTATION]: "true", version: slug },
                            annotations: {
                                ...kongPodAnnotations(args.meshRevision),
                                // Kong must not start proxying before Envoy is up.
                                "proxy.istio.io/config": proxyConfig,
                                "kubectl.kubernetes.io/default-container": "kong",
                                // istio-agent merges Kong's /metrics (status listener) into the sidecar's merged metrics port.
                                "prometheus.io/scrape": "true",
                                "prometheus.io/port": String(p.status),
                                "prometheus.io/path": "/metrics",
                            },
                        },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            securityContext: podSecurity(),
                            terminationGracePeriodSeconds: 30,
                            topologySpreadConstraints: [
                                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: GATEWAY.app } } },
                            ],
                            // Prefer one Kong per node, so losing a node never takes the whole gateway.
                            affinity: {
                                podAntiAffinity: {
                                    preferredDuringSchedulingIgnoredDuringExecution: [
                                        { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: GATEWAY.app } } } },
                                    ],
                                },
                            },
                            containers: [
                                {
                                    name: "kong",
                                    image: model.image,
                                    env: [
                                        ...dbEnv,
                                        { name: "KONG_PROXY_LISTEN", value: `0.0.0.0:${p.proxyHttp}, 0.0.0.0:${p.proxyHttps} http2 ssl` },
                                        // The pod's loopback only: the Admin API is reached through the Kubernetes API's
                                        // port-forward (pods/portforward RBAC decides who), never over the pod network.
                                        { name: "KONG_ADMIN_LISTEN", value: `127.0.0.1:${p.admin}` },
                                        { name: "KONG_STATUS_LISTEN", value: `0.0.0.0:${p.status}` },
                                        { name: "KONG_ADMIN_GUI_LISTEN", value: "off" },
                                        { name: "KONG_NGINX_WORKER_PROCESSES", value: String(model.workerProcesses) },
                                        { name: "KONG_PLUGINS", value: "bundled" },
                                        { name: "KONG_ANONYMOUS_REPORTS", value: "off" },
                                        { name: "KONG_PROXY_ACCESS_LOG", value: "/dev/stdout" },
                                        { name: "KONG_ADMIN_ACCESS_LOG", value: "/dev/stdout" },
                                        { name: "KONG_PROXY_ERROR_LOG", value: "/dev/stderr" },
                                        { name: "KONG_ADMIN_ERROR_LOG", value: "/dev/stderr" },
                                        ...clientAddressEnv(workloads.edge),
                                    ],
                                    // No `admin` entry: the Admin API listens on the pod's loopback, so nothing on the pod
                                    // network may name it, and the port-forward (kongTunnelTarget) dials the port by number;
                                    // containerPort declarations are informational and port-forward never reads them.
                                    ports: [
                                        { name: "proxy", containerPort: p.proxyHttp },
                                        { name: "proxy-tls", containerPort: p.proxyHttps },
                                        { name: "status", containerPort: p.status },
                                    ],
                                    readinessProbe: { httpGet: { path: "/status/ready", port: "status" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                                    livenessProbe: { httpGet: { path: "/status", port: "status" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
                                    startupProbe: { httpGet: { path: "/status", port: "status" }, periodSeconds: 5, failureThreshold: 60 },
                                    lifecycle: { preStop: { exec: { command: ["kong", "quit"] } } },
                                    securityContext: restrictedContainer(),
                                    resources: withEphemeralStorage(model.resources),
                                    volumeMounts: WRITABLE_MOUNTS,
                                },
                            ],
                            volumes: WRITABLE_VOLUMES,
                        },
                    },
                },
            },
            // After the mesh's injection webhook and CNI agent serve, or the pods start without a working sidecar.
            k8sOpts([bootstrap, up, ...(args.meshPodsReady ?? [])]),
        );
        const finish = migration(`kong-migrations-finish-${slug}`, ["kong", "migrations", "finish"], [deployment]);
        this.deployment = deployment;
        this.migrations = { bootstrap, up, finish };

        // Never more than one pod down by choice; with one replica this does not block node drains.
        new k8s.policy.v1.PodDisruptionBudget("kong", { metadata: meta("kong"), spec: { maxUnavailable: 1, selector: { matchLabels: { app: GATEWAY.app } } } }, k8sOpts());

        const proxy = new k8s.core.v1.Service(
            GATEWAY.proxyService,
            {
                metadata: { ...meta(GATEWAY.proxyService), annotations: { ...model.proxy.annotations } },
                spec: {
                    type: model.proxy.serviceType,
                    selector: { app: GATEWAY.app },
                    ports: [
                        { name: "http", port: GATEWAY.servicePorts.http, targetPort: "proxy", protocol: "TCP" },
                        { name: "https", port: GATEWAY.servicePorts.https, targetPort: "proxy-tls", protocol: "TCP" },
                    ],
                    // Keep client addresses (rate limits fall back to the client IP for anonymous callers).
                    ...(model.proxy.serviceType === "LoadBalancer" ? { externalTrafficPolicy: "Local" } : {}),
                },
            },
            k8sOpts(),
        );
        // Kong's status listener (health and /metrics) for the Prometheus ServiceMonitor; never on the proxy's load balancer.
        new k8s.core.v1.Service(
            GATEWAY.statusService,
            {
                metadata: meta(GATEWAY.statusService),
                spec: { type: "ClusterIP", selector: { app: GATEWAY.app }, ports: [{ name: GATEWAY.statusPortName, port: p.status, targetPort: "status", protocol: "TCP" }] },
            },
            k8sOpts(),
        );
        this.proxyServiceName = proxy.metadata.name;
        this.adminUrl = model.admin.url;

        // L3: Kong's status port (health and /metrics) from Prometheus. The Admin API has no rule: it listens on the
        // pod's loopback only. The mesh's namespace policies already open the proxy ports (the catalog's
        // plaintextPorts of kong-proxy).
        new k8s.networking.v1.NetworkPolicy(
            "kong-status",
            {
                metadata: meta("kong-status"),
                spec: {
                    podSelector: { matchLabels: { app: GATEWAY.app } },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [scraper.peer], ports: [{ protocol: "TCP", port: p.status }] }],
                },
            },
            k8sOpts(),
        );
        if (model.database.mode === "external") {
            // Kong and its migrations leave the namespace for the database (the mesh's egress policy is default-deny).
            new k8s.networking.v1.NetworkPolicy(
                "kong-database-egress",
                {
                    metadata: meta("kong-database-egress"),
                    spec: { podSelector: { matchLabels: { ...KONG_CLIENT_LABEL } }, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "TCP", port: model.database.port }] }] },
                },
                k8sOpts(),
            );
        }

        if (args.crdsReady !== undefined) {
            const istio = (resourceName: string, apiVersion: string, kind: string, spec: Record<string, unknown>): k8s.apiextensions.CustomResource =>
                new k8s.apiextensions.CustomResource(resourceName, { apiVersion, kind, metadata: meta(resourceName), spec }, k8sOpts(args.crdsReady));
            // ALLOW Prometheus's GET /metrics on the status port: the mesh's namespace default-deny would otherwise close it.
            istio("kong-metrics", "security.istio.io/v1", "AuthorizationPolicy", {
                selector: { matchLabels: { app: GATEWAY.app } },
                action: "ALLOW",
                rules: [{ from: [{ source: { principals: [scraper.principal] } }], to: [{ operation: { methods: ["GET"], ports: [String(p.status)], paths: ["/metrics"] } }] }],
            });
            if (model.database.mode === "external") {
                // With REGISTRY_ONLY outbound traffic, Kong's sidecar only reaches hosts the registry knows.
                istio("kong-postgres-external", "networking.istio.io/v1", "ServiceEntry", {
                    hosts: [model.database.host],
                    location: "MESH_EXTERNAL",
                    resolution: "DNS",
                    ports: [{ number: model.database.port, name: "tcp-postgres", protocol: "TCP" }],
                    exportTo: ["."],
                });
            }
        }

        // Kong entities.
        const stack = args.stack ?? pulumi.getStack();
        this.declaration = deriveKongEntities(model, args.catalog, stack);
        if (model.admin.manageEntities) {
            this.kong = new KongConfiguration(
                "kong",
                {
                    declaration: this.declaration,
                    connection: kongConnection(model, args.secrets, args.kubernetesAccess),
                    jwtSecrets: args.secrets.jwtSecrets,
                    tlsMaterial: tlsMaterial(model, ns, provider, this),
                    pruneOrphans: model.admin.pruneOrphans,
                },
                { parent: this, dependsOn: [deployment, finish] },
            );
            this.jwtSecrets = this.kong.jwtSecrets;
        } else {
            this.jwtSecrets = pulumi.secret(pulumi.output({} as Record<string, string>));
        }

        this.registerOutputs({
            proxyServiceName: this.proxyServiceName,
            adminUrl: this.adminUrl,
            databaseSecretName: this.databaseSecretName,
            jwtSecrets: this.jwtSecrets,
        });
    }
}

/**
 * The proxy certificate's PEM from the Kubernetes TLS Secret `gateway.tls.secretName` (keys `tls.crt`, `tls.key` of
 * type kubernetes.io/tls, core/v1 SecretTypeTLS; cert-manager writes its Certificates' Secrets that way), read
 * through the stack's Kubernetes provider. The key stays a Pulumi secret.
 */
function tlsMaterial(model: GatewayModel, ns: pulumi.Input<string>, provider: k8s.Provider, parent: pulumi.Resource): KongConfigurationArgs["tlsMaterial"] {
    const tls = model.edge.tls;
    if (tls === undefined) {
        return undefined;
    }
    const secret = k8s.core.v1.Secret.get(`kong-tls-${tls.secretName}`, pulumi.interpolate`${ns}/${tls.secretName}`, { provider, parent });
    const field = (key: string): pulumi.Output<string> => secret.data.apply((d) => Buffer.from(d?.[key] ?? "", "base64").toString("utf8"));
    return { [tls.secretName]: { cert: field("tls.crt"), key: pulumi.secret(field("tls.key")) } };
}

/**
 * A relative kubeconfig path is the program's (relative to the project, as the Kubernetes provider reads it); the
 * Kong provider runs in another process whose working directory is not promised, so it gets the absolute path.
 * `~/` stays as it is: it is expanded where the operation runs.
 */
function programRelative(p: string | undefined): string | undefined {
    return p === undefined || p.startsWith("~/") || path.isAbsolute(p) ? p : path.resolve(p);
}

/** The Kong pods as the port-forward finds them: namespace, selector and the Admin API's loopback port. */
export function kongTunnelTarget(): { namespace: string; selector: string; port: number } {
    return { namespace: GATEWAY.namespace, selector: `app=${GATEWAY.app}`, port: GATEWAY.ports.admin };
}

/**
 * The provider's connection: a port-forward through the Kubernetes API with the stack's credentials (or the model's
 * direct URL), the retry bound, and the credentials as secrets.
 */
export function kongConnection(model: GatewayModel, secrets: GatewaySecrets, access?: KubernetesAccess): pulumi.Output<KongConnection> {
    const url = model.admin.url;
    if (url === undefined && access === undefined) {
        throw new Error("the gateway needs the stack's Kubernetes credentials to reach Kong's Admin API through a port-forward (or set gateway.admin.url)");
    }
    const hasSecret = secrets.kongAdminToken !== undefined || secrets.kongAdminClientKey !== undefined || access?.kubeconfig !== undefined;
    const conn = pulumi
        .all([secrets.kongAdminToken, secrets.kongAdminClientCert, secrets.kongAdminClientKey, access?.kubeconfig])
        .apply(([token, cert, key, kubeconfig]): KongConnection => {
            const tls = model.admin.caCertificate !== undefined || cert !== undefined ? { ca: model.admin.caCertificate, cert, key } : undefined;
            const tunnel =
                url === undefined && access !== undefined
                    ? { ...kongTunnelTarget(), context: access.context, ...(kubeconfig !== undefined ? { kubeconfig } : { kubeconfigPath: programRelative(access.kubeconfigPath) }) }
                    : undefined;
            return {
                ...(url !== undefined ? { adminUrl: url } : {}),
                ...(tunnel !== undefined ? { tunnel } : {}),
                ...(token !== undefined ? { token } : {}),
                ...(tls !== undefined ? { tls } : {}),
                retry: { attempts: model.admin.retryAttempts },
            };
        });
    return hasSecret ? pulumi.secret(conn) : conn;
}

export { POSTGRES };
