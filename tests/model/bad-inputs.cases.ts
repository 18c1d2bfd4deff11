/**
 * Bad inputs and the message fragment each must produce, one line per case (tests/model/bad-inputs.test.ts runs
 * them). A case changes the default inputs and expects every `expect` fragment in the one ConfigError:
 * - `config`: top-level stack config keys set over tests/support/fixtures baseConfig (`null` removes a key);
 * - `catalog` / `topics`: edits of catalog/services.json / catalog/topics.json, `path → value`, where a path
 *   segment `name[x]` picks the list element named x (`services[portal-services].port`); the path "" replaces all;
 * - `files`: files written to a temporary folder first; `$TMP` in a config string is that folder;
 * - `absent`: text the message must not contain (a file's content, a secret).
 * New case: one more line.
 */

export interface BadInputCase {
    readonly case: string;
    readonly config?: Readonly<Record<string, unknown>>;
    readonly catalog?: Readonly<Record<string, unknown>>;
    readonly topics?: Readonly<Record<string, unknown>>;
    readonly files?: Readonly<Record<string, string>>;
    readonly plaintextSecretKeys?: readonly string[];
    readonly expect: string | readonly string[];
    readonly absent?: string;
}

const PORTAL = "services[portal-services]";
const ROUTE = `${PORTAL}.gateway.routes[portal-api]`;
const INGESTION = "topics[data-ingestion]";
const LONG = "a".repeat(64);
const CONSUMER = { admin: { url: "http://127.0.0.1:8001" }, database: { mode: "in-cluster" }, consumers: [{ name: "portal", jwt: [{ key: "portal-issuer", algorithm: "HS256", secret: "config" }] }] };

export const BAD_INPUTS: readonly BadInputCase[] = [
    // Reporting: every file in one run, entries by name, no empty lists in messages.
    { case: "problems of config, catalog and topic catalog in one run", config: { protect: "yes" }, catalog: { [`${PORTAL}.port`]: 0 }, topics: { [`${INGESTION}.partitions`]: 0 }, expect: ["service-integration:protect: must be true or false", "catalog/services.json: services.portal-services.port: must be a whole number from 1 to 65535", "catalog/topics.json: topics.data-ingestion.partitions: must be at least 1"] },
    { case: "a catalog entry is named by its service, not its index", catalog: { [`${PORTAL}.loadBalancer`]: "RANDOM" }, expect: "services.portal-services.loadBalancer: must be one of LEAST_REQUEST, ROUND_ROBIN" },
    { case: "an empty catalog says what is missing, with no empty list", catalog: { "": {} }, expect: ["catalog/services.json: namespaces: is required: the catalog declares no namespace", "services: is required"], absent: "some of , or" },
    { case: "a typo in a catalog key suggests the right one", catalog: { [`${PORTAL}.timout`]: "5s" }, expect: "services.portal-services.timout: is not a known key (found \"5s\"). Fix: did you mean timeout?" },
    { case: "a typo in a top-level config key suggests the right one", config: { protcet: true }, expect: "service-integration:protcet: is not a setting this program reads (found \"(set)\"). Fix: did you mean service-integration:protect?" },
    { case: "a swapped-letter top-level key", config: { mseh: { mtls: { mode: "STRICT" } } }, expect: "service-integration:mseh: is not a setting this program reads (found \"(set)\"). Fix: did you mean service-integration:mesh?" },
    // Silently accepted before.
    { case: "a typo in the project prefix", config: { "service-integraton:protect": true }, expect: "service-integraton:protect: is not read: its prefix service-integraton: is not this project's (service-integration:) (found \"(set)\"). Fix: rename it to service-integration:protect" },
    { case: "one of our keys under an unknown prefix", config: { "svc-int:kubeconfig": "(set)" }, expect: "svc-int:kubeconfig: is not read" },
    { case: "another project's keys pass (providers, the engine)", config: { "pulumi:tags": "(set)", "kubernetes:context": "(set)", protect: 1 }, expect: "service-integration:protect: must be true or false", absent: "pulumi:tags" },
    { case: "a jwtSecret-<key> for no declared credential", config: { "jwtSecret-ghost": "[secret]" }, expect: "service-integration:jwtSecret-ghost: belongs to no JWT credential of gateway.consumers" },
    { case: "a jwtSecret-<key> one typo off a credential", config: { gateway: CONSUMER, "jwtSecret-portal-isuer": "[secret]" }, expect: "did you mean service-integration:jwtSecret-portal-issuer?" },
    { case: "a jwtSecret-<key> for a credential that generates its secret", config: { gateway: { ...CONSUMER, consumers: [{ name: "portal", jwt: [{ key: "portal-issuer" }] }] }, "jwtSecret-portal-issuer": "[secret]" }, expect: "jwtSecret-portal-issuer: is never read: credential portal-issuer of consumer portal generates its secret" },
    { case: "a secret key in plaintext in the stack file", plaintextSecretKeys: ["kongAdminToken"], expect: "service-integration:kongAdminToken: holds a secret in plaintext in the stack file", absent: "hunter2" },
    { case: "a catalog path outside the project", config: { catalog: "../../etc/passwd" }, expect: "service-integration:catalog: points outside the project (found \"../../etc/passwd\")" },
    { case: "a catalog file that is not JSON: named, never quoted", config: { catalog: "$TMP/catalog.json" }, files: { "catalog.json": "root:x:0:0:root:/root:/bin/bash" }, expect: "service-integration:catalog: is not valid JSON at line 1, column 1", absent: "root:x" },
    { case: "a catalog file that cannot be read", config: { catalog: "$TMP/missing.json" }, expect: "service-integration:catalog: cannot be read (ENOENT)" },
    { case: "a partition key its schema lacks", topics: { [`${INGESTION}.partitionKey`]: "datasetIdd" }, expect: "catalog/topics.json: topics.data-ingestion.partitionKey: is not a field of com.carbon254.events.data.DataIngestion (schemas/data/DataIngestion.avsc): the record has no field datasetIdd" },
    { case: "a nested partition key through a named record", topics: { "topics[audit-user-actions].partitionKey": "actor.nope" }, expect: "topics.audit-user-actions.partitionKey: is not a field of com.carbon254.events.audit.UserAction" },
    { case: "a topic schema with no .avsc file", topics: { [`${INGESTION}.schema`]: "com.carbon254.events.data.DataIngestionV2" }, expect: "topics.data-ingestion.schema: has no record definition in any .avsc file under schemas/" },
    { case: "route path ~ (was a match-all)", catalog: { [`${ROUTE}.paths`]: ["~"] }, expect: "services.portal-services.gateway.routes.portal-api.paths: should start with / (a fixed path) or ~/ (a regex path)" },
    { case: "route path ~foo (was a match-all)", catalog: { [`${ROUTE}.paths`]: ["~foo"] }, expect: "paths: should start with / (a fixed path) or ~/ (a regex path), as Kong 3.9 requires (typedefs.router_path) (found \"~foo\"). Fix: write it as \"~/foo\"" },
    { case: "route path with an empty segment", catalog: { [`${ROUTE}.paths`]: ["/api//portal"] }, expect: "must not have empty segments (//)" },
    { case: "route path not normalized", catalog: { [`${ROUTE}.paths`]: ["/api/./portal"] }, expect: "is not in normalized form, so Kong 3.9 refuses it (non-normalized path) (found \"/api/./portal\"). Fix: write it as \"/api/portal\"" },
    { case: "route path with an encoded unreserved character", catalog: { [`${ROUTE}.paths`]: ["/api/%70ortal"] }, expect: "Fix: write it as \"/api/portal\"" },
    { case: "route path with a bad escape", catalog: { [`${ROUTE}.paths`]: ["/api/100%"] }, expect: "has a bad percent-encoding" },
    { case: "route regex that does not compile", catalog: { [`${ROUTE}.paths`]: ["~/api/(portal"] }, expect: "is not a valid regular expression" },
    { case: "route host with spaces", catalog: { [`${ROUTE}.hosts`]: ["bad host!"] }, expect: "routes.portal-api.hosts: is not a valid hostname" },
    { case: "route host with two wildcards", catalog: { [`${ROUTE}.hosts`]: ["*.api.*"] }, expect: "has more than one wildcard" },
    { case: "route host with a wildcard in the middle", catalog: { [`${ROUTE}.hosts`]: ["api.*.com"] }, expect: "not the leftmost or rightmost label" },
    { case: "route host with a port beyond 65535", catalog: { [`${ROUTE}.hosts`]: ["api.254carbon.com:70000"] }, expect: "has an invalid port number" },
    { case: "route host label ending in -", catalog: { [`${ROUTE}.hosts`]: ["api-.254carbon.com"] }, expect: "a label is empty or ends with '-'" },
    { case: "CORS origin *", catalog: { [`${PORTAL}.gateway.corsOrigins`]: ["*"] }, expect: "services.portal-services.gateway.corsOrigins: allows every origin" },
    { case: "CORS origin that is not a URL", catalog: { [`${PORTAL}.gateway.corsOrigins`]: ["not a url"] }, expect: "Kong would treat it as a regex, and it is not anchored to an http(s) scheme" },
    { case: "CORS origin without a scheme", catalog: { [`${PORTAL}.gateway.corsOrigins`]: ["portal.254carbon.com"] }, expect: "is not an origin (scheme://host[:port])" },
    { case: "CORS origin with a path", catalog: { [`${PORTAL}.gateway.corsOrigins`]: ["https://portal.254carbon.com/app"] }, expect: "has a path; an origin is only scheme://host[:port]" },
    { case: "CORS regex that does not compile", catalog: { [`${PORTAL}.gateway.corsOrigins`]: ["^https://(portal"] }, expect: "nor a valid regular expression" },
    // Kubernetes' own rules (k8s.io/apimachinery v0.37.2).
    { case: "namespace name with upper case and _", catalog: { "namespaces[data-platform].name": "Data_Platform" }, expect: "namespaces.Data_Platform.name: is not a valid Kubernetes DNS-1123 label" },
    { case: "namespace name of 64 characters", catalog: { "namespaces[data-platform].name": LONG }, expect: "must be no more than 63 bytes" },
    { case: "service name with upper case", catalog: { [`${PORTAL}.name`]: "Portal" }, expect: "services.Portal.name: is not a valid Kubernetes DNS-1035 label" },
    { case: "service name starting with a digit", catalog: { [`${PORTAL}.name`]: "1portal" }, expect: "start with an alphabetic character" },
    { case: "service name of 64 characters", catalog: { [`${PORTAL}.name`]: LONG }, expect: `services.${LONG}.name: is not a valid Kubernetes DNS-1035 label: must be no more than 63 bytes` },
    { case: "app label value with a space", catalog: { [`${PORTAL}.app`]: "portal services" }, expect: "services.portal-services.app: is not a valid Kubernetes label value" },
    { case: "app label value of 64 characters", catalog: { [`${PORTAL}.app`]: LONG }, expect: "label value: must be no more than 63 bytes" },
    { case: "app label value ending in -", catalog: { [`${PORTAL}.app`]: "portal-" }, expect: "must start and end with an alphanumeric character" },
    { case: "service account with upper case", catalog: { [`${PORTAL}.serviceAccount`]: "Portal_SA" }, expect: "services.portal-services.serviceAccount: is not a valid Kubernetes DNS-1123 subdomain" },
    { case: "deployment name with ..", catalog: { [`${PORTAL}.deployment`]: "portal..services" }, expect: "services.portal-services.deployment: is not a valid Kubernetes DNS-1123 subdomain" },
    { case: "service label key with two /", catalog: { [`${PORTAL}.labels`]: { "a/b/c": "portal" } }, expect: "services.portal-services.labels key: is not a valid Kubernetes qualified name" },
    { case: "service label value with a space", catalog: { [`${PORTAL}.labels`]: { app: "portal services" } }, expect: "services.portal-services.labels.app: is not a valid Kubernetes label value" },
    { case: "extra caller namespace with _", config: { mesh: { mtls: { mode: "PERMISSIVE" }, extraCallerNamespaces: ["ingress_nginx"] } }, expect: "service-integration:mesh.extraCallerNamespaces: is not a valid Kubernetes DNS-1123 label" },
    { case: "proxy annotation key with a space", config: { gateway: { ...CONSUMER, proxy: { annotations: { "bad key": "x" } } } }, expect: "service-integration:gateway.proxy.annotations.bad key: is not a valid Kubernetes annotation key" },
    { case: "proxy annotation key with two /", config: { gateway: { ...CONSUMER, proxy: { annotations: { "a/b/c": "x" } } } }, expect: "a qualified name must be a name with an optional DNS subdomain prefix and one '/'" },
    { case: "proxy annotation key with a bad prefix", config: { gateway: { ...CONSUMER, proxy: { annotations: { "Example_Com/x": "y" } } } }, expect: "prefix part a lowercase RFC 1123 subdomain" },
    { case: "proxy annotation name part of 64 characters", config: { gateway: { ...CONSUMER, proxy: { annotations: { [`example.com/${LONG}`]: "y" } } } }, expect: "name part must be no more than 63 bytes" },
    { case: "proxy annotations above 256 KiB", config: { gateway: { ...CONSUMER, proxy: { annotations: { "example.com/big": "x".repeat(262_145) } } } }, expect: "more than Kubernetes' limit of 262144" },
    // Removed keys: the Admin API listens on the pod's loopback only (no kong-admin Service, no policy opens it).
    { case: "gateway.admin.allowedNamespaces, removed", config: { gateway: { ...CONSUMER, admin: { url: "http://127.0.0.1:8001", allowedNamespaces: ["kong"] } } }, expect: "service-integration:gateway.admin.allowedNamespaces: was removed: the Admin API listens on the pod's loopback only (found [\"kong\"]). Fix: delete it; grant pods/portforward (get, create) in the kong namespace to whoever may configure Kong instead", absent: "is not a known key" },
    { case: "gateway.admin.serviceType, removed", config: { gateway: { ...CONSUMER, admin: { url: "http://127.0.0.1:8001", serviceType: "ClusterIP" } } }, expect: "service-integration:gateway.admin.serviceType: was removed: the Admin API listens on the pod's loopback only, so there is no kong-admin Service to type (found \"ClusterIP\"). Fix: delete it", absent: "is not a known key" },
    { case: "storage class with a space", config: { gateway: { admin: { url: "http://127.0.0.1:8001" }, database: { mode: "in-cluster", storageClass: "fast ssd" } } }, expect: "service-integration:gateway.database.storageClass: is not a valid Kubernetes DNS-1123 subdomain" },
    { case: "timeout beyond protobuf's Duration", catalog: { [`${PORTAL}.timeout`]: "99999999999999h", [`${PORTAL}.retries`]: null }, expect: "services.portal-services.timeout: is longer than a protobuf Duration can hold" },
    { case: "per-try timeout below a millisecond", catalog: { [`${PORTAL}.retries.perTryTimeout`]: "0.5ms" }, expect: "services.portal-services.retries.perTryTimeout: is not a whole number of milliseconds" },
    { case: "topic retention beyond a Java long", topics: { [`${INGESTION}.retention`]: "999999999999999d" }, expect: "topics.data-ingestion.retention: is more than Kafka's retention.ms can hold (a Java long)" },
    { case: "family retention beyond 2^53 ms", topics: { "families.data.retention": "9999999999999999ms" }, expect: "families.data.retention: is too long to be kept exact" },
    { case: "stack retention beyond a Java long", config: { events: { bootstrapServers: ["127.0.0.1:9092"], tlsEnabled: false, kafkaVersion: "4.2.0", replicationFactor: 1, minInsyncReplicas: 1, retention: { audit: "99999999999999999d" } } }, expect: "service-integration:events.retention.audit: is more than Kafka's retention.ms can hold" },
];
