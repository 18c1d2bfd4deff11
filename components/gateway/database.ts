/**
 * Kong's PostgreSQL 15 database: an in-cluster StatefulSet `kong-postgres`, or role/database/grants on an external
 * server through `@pulumi/postgresql`. Either way the connection settings end up in the Secret `kong-database`, which
 * the migrations Jobs and the Kong Deployment read with secretKeyRef.
 */
import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ExternalDatabase, InClusterDatabase, POSTGRES_UID } from "../../model/gateway";
import { COMMON_LABELS, GATEWAY, SIDECAR_INJECT_ANNOTATION, serviceHost } from "../../model/wellknown";
import { withEphemeralStorage } from "./workload";

export const POSTGRES = {
    name: "kong-postgres",
    port: 5432,
    /** Kong's own role and database, in both modes. */
    role: "kong",
    database: "kong",
    secretName: "kong-database",
} as const;

/** Keys of the `kong-database` Secret. */
export const DB_SECRET_KEYS = { host: "pg_host", port: "pg_port", user: "pg_user", database: "pg_database", password: "pg_password" } as const;

/** Label shared by every pod that talks to PostgreSQL (Kong and its migrations): the database's NetworkPolicy allows it. */
export const KONG_CLIENT_LABEL = GATEWAY.clientLabels;

export interface KongDatabase {
    /** Name of the Secret holding the DB connection (keys DB_SECRET_KEYS). */
    readonly secretName: pulumi.Output<string>;
    /** Plain (non-secret) Kong env for TLS to the database. */
    readonly tlsEnv: k8s.types.input.core.v1.EnvVar[];
    /** What must be ready before migrations run. */
    readonly ready: pulumi.Resource[];
}

interface Common {
    readonly namespace: pulumi.Output<string>;
    /** Pulumi `protect` on the stateful resources (data, role, database, password). */
    readonly protect: boolean;
    readonly parent: pulumi.Resource;
    readonly kubernetes: k8s.Provider;
}

function restrictedContainer(): k8s.types.input.core.v1.SecurityContext {
    return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } };
}

/** PostgreSQL 15 in the cluster: password from RandomPassword, hardened, no sidecar (the migrations Job has none either). */
export function inClusterDatabase(db: InClusterDatabase, c: Common, configPassword?: pulumi.Input<string>): KongDatabase {
    const opts = { parent: c.parent, provider: c.kubernetes };
    const password = { result: db.passwordSource === "config" ? pulumi.secret(configPassword!) : new random.RandomPassword("kong-postgres-password", { length: 32, special: false }, { parent: c.parent, protect: c.protect }).result };
    const labels = { ...COMMON_LABELS, app: POSTGRES.name, "app.kubernetes.io/name": POSTGRES.name, "app.kubernetes.io/component": "database" };
    const secret = new k8s.core.v1.Secret(
        POSTGRES.secretName,
        {
            metadata: { name: POSTGRES.secretName, namespace: c.namespace, labels },
            type: "Opaque",
            stringData: {
                [DB_SECRET_KEYS.host]: c.namespace.apply((ns) => serviceHost(POSTGRES.name, ns)),
                [DB_SECRET_KEYS.port]: String(POSTGRES.port),
                [DB_SECRET_KEYS.user]: POSTGRES.role,
                [DB_SECRET_KEYS.database]: POSTGRES.database,
                [DB_SECRET_KEYS.password]: password.result,
            },
        },
        opts,
    );
    const service = new k8s.core.v1.Service(
        POSTGRES.name,
        {
            metadata: { name: POSTGRES.name, namespace: c.namespace, labels },
            // Headless: the StatefulSet's governing Service (stable pod DNS); one replica, so clients reach the same pod.
            spec: { type: "ClusterIP", clusterIP: "None", selector: { app: POSTGRES.name }, ports: [{ name: "tcp-postgres", port: POSTGRES.port, targetPort: "postgres" }] },
        },
        opts,
    );
    const fromSecret = (key: string): k8s.types.input.core.v1.EnvVar["valueFrom"] => ({ secretKeyRef: { name: secret.metadata.name, key } });
    const pgIsReady = ["pg_isready", "-h", "127.0.0.1", "-U", POSTGRES.role, "-d", POSTGRES.database];
    const statefulSet = new k8s.apps.v1.StatefulSet(
        POSTGRES.name,
        {
            metadata: { name: POSTGRES.name, namespace: c.namespace, labels },
            spec: {
                serviceName: service.metadata.name,
                replicas: 1,
                selector: { matchLabels: { app: POSTGRES.name } },
                template: {
                    metadata: {
                        labels: { ...labels, [SIDECAR_INJECT_ANNOTATION]: "false" },
                        annotations: { [SIDECAR_INJECT_ANNOTATION]: "false" },
                    },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: POSTGRES_UID,
                            runAsGroup: POSTGRES_UID,
                            fsGroup: POSTGRES_UID,
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [
                            {
                                name: "postgres",
                                image: db.image,
                                ports: [{ name: "postgres", containerPort: POSTGRES.port }],
                                env: [
                                    { name: "POSTGRES_USER", valueFrom: fromSecret(DB_SECRET_KEYS.user) },
                                    { name: "POSTGRES_DB", valueFrom: fromSecret(DB_SECRET_KEYS.database) },
                                    { name: "POSTGRES_PASSWORD", valueFrom: fromSecret(DB_SECRET_KEYS.password) },
                                    // A subdirectory: the volume's root may hold lost+found, which initdb refuses.
                                    { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                                ],
                                securityContext: restrictedContainer(),
                                resources: withEphemeralStorage(db.resources),
                                // Ready when it accepts connections; alive while the port answers (a busy server that is
                                // slow to accept must not be restarted).
                                readinessProbe: { exec: { command: pgIsReady }, periodSeconds: 10, timeoutSeconds: 5 },
                                livenessProbe: { tcpSocket: { port: "postgres" }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                                volumeMounts: [
                                    { name: "data", mountPath: "/var/lib/postgresql/data" },
                                    { name: "run", mountPath: "/var/run/postgresql" },
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "run", emptyDir: {} },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "data", labels },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            ...(db.storageClass !== undefined ? { storageClassName: db.storageClass } : {}),
                            resources: { requests: { storage: db.storage } },
                        },
                    },
                ],
                // Keep the data when the StatefulSet goes (Kubernetes' default, stated on purpose).
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            },
        },
        { ...opts, protect: c.protect },
    );
    const networkPolicy = new k8s.networking.v1.NetworkPolicy(
        POSTGRES.name,
        {
            metadata: { name: POSTGRES.name, namespace: c.namespace, labels },
            spec: {
                podSelector: { matchLabels: { app: POSTGRES.name } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: { matchLabels: { ...KONG_CLIENT_LABEL } } }], ports: [{ protocol: "TCP", port: POSTGRES.port }] }],
            },
        },
        opts,
    );
    return { secretName: secret.metadata.name, tlsEnv: [], ready: [secret, service, statefulSet, networkPolicy] };
}

/**
 * An existing PostgreSQL server: role `kong` (random password) owning database `kong`, plus CREATE/USAGE on schema
 * `public` — PostgreSQL 15 no longer grants CREATE on `public` to every role, and Kong's migrations create tables there.
 */
/** `lua_ssl_trusted_certificate`: the system bundle, then each certificate of the configured CA, base64-encoded. */
export function trustedCertificates(caPem: string | undefined): string {
    const blocks = caPem?.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    return ["system", ...blocks.map((b) => Buffer.from(`${b}\n`).toString("base64"))].join(",");
}

export function externalDatabase(db: ExternalDatabase, adminPassword: pulumi.Input<string>, c: Common): KongDatabase {
    const provider = new postgresql.Provider(
        "kong-postgres-admin",
        {
            host: db.host,
            port: db.port,
            username: db.adminUser,
            password: pulumi.secret(adminPassword),
            database: db.adminDatabase,
            sslmode: db.sslmode,
            superuser: db.superuser,
            connectTimeout: 15,
        },
        { parent: c.parent },
    );
    const pgOpts = { parent: c.parent, provider, protect: c.protect };
    const password = new random.RandomPassword("kong-postgres-password", { length: 32, special: false }, { parent: c.parent, protect: c.protect });
    const role = new postgresql.Role(POSTGRES.role, { name: POSTGRES.role, login: true, password: password.result }, pgOpts);
    const database = new postgresql.Database(POSTGRES.database, { name: POSTGRES.database, owner: role.name, encoding: "UTF8" }, pgOpts);
    const grant = new postgresql.Grant(
        "kong-public-schema",
        { database: database.name, role: role.name, schema: "public", objectType: "schema", privileges: ["CREATE", "USAGE"] },
        { parent: c.parent, provider },
    );
    const secret = new k8s.core.v1.Secret(
        POSTGRES.secretName,
        {
            metadata: { name: POSTGRES.secretName, namespace: c.namespace, labels: { ...COMMON_LABELS, "app.kubernetes.io/component": "database" } },
            type: "Opaque",
            stringData: {
                [DB_SECRET_KEYS.host]: db.host,
                [DB_SECRET_KEYS.port]: String(db.port),
                [DB_SECRET_KEYS.user]: role.name,
                [DB_SECRET_KEYS.database]: database.name,
                [DB_SECRET_KEYS.password]: password.result,
            },
        },
        { parent: c.parent, provider: c.kubernetes },
    );
    // Kong's pg_ssl / pg_ssl_verify (kong.conf). Verification trusts the system bundle and, when configured, the
    // database's own CA: Kong 3.9.3 kong/conf_loader/parse.lua reads each lua_ssl_trusted_certificate entry that is
    // not a file as base64 (`try_decode_base64`) and parses it as one X.509 certificate, so each PEM block of the CA
    // goes in as its own base64 entry — no file to mount.
    const verify = db.sslmode === "verify-ca" || db.sslmode === "verify-full";
    const tlsEnv: k8s.types.input.core.v1.EnvVar[] = [
        { name: "KONG_PG_SSL", value: db.sslmode === "disable" ? "off" : "on" },
        { name: "KONG_PG_SSL_VERIFY", value: verify ? "on" : "off" },
        ...(verify ? [{ name: "KONG_LUA_SSL_TRUSTED_CERTIFICATE", value: trustedCertificates(db.caCertificate) }] : []),
    ];
    return { secretName: secret.metadata.name, tlsEnv, ready: [role, database, grant, secret] };
}
