import { choices, Problems } from "./errors";
import { corsOriginProblem, kongRouteHostProblem, kongRoutePathProblem } from "./kong-rules";
import { checkK8sName } from "./k8s-rules";
import { Reader } from "./reader";

/**
 * The service catalog: the platform's namespaces and services. One service entry is enough for a
 * service to get its mesh policies, its Kong routes, its monitors, alerts and dashboard.
 */

export const LOAD_BALANCERS = ["LEAST_REQUEST", "ROUND_ROBIN"] as const;
export type LoadBalancer = (typeof LOAD_BALANCERS)[number];

export const PROTOCOLS = ["http", "grpc", "tcp"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Kubernetes DNS-1123 label: what a namespace or Service name must be. */
export const DNS_LABEL = { re: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, hint: "a DNS-1123 label (lower-case letters, digits and '-', at most 63)" };

export interface NamespaceSpec {
    readonly name: string;
    /** Sidecars are injected into every pod of the namespace (revision label). */
    readonly injected: boolean;
}

export interface RetryPolicy {
    readonly attempts: number;
    readonly perTryTimeoutMs: number;
    /** Envoy retry conditions; only idempotent-safe ones are accepted. */
    readonly retryOn: readonly string[];
}

export interface ConnectionPool {
    readonly maxConnections: number;
    readonly http1MaxPendingRequests: number;
    readonly http2MaxRequests: number;
    readonly maxRequestsPerConnection: number;
}

export interface GatewayRoute {
    readonly name: string;
    /** Prefix paths, or regex paths carrying Kong 3's `~` prefix. */
    readonly paths: readonly string[];
    readonly methods: readonly HttpMethod[];
    readonly hosts: readonly string[];
    readonly stripPath: boolean;
}

export interface GatewayExposure {
    readonly routes: readonly GatewayRoute[];
    /** Requests per minute per consumer (or per IP when anonymous); undefined means no limit plugin. */
    readonly rateLimitPerMinute?: number;
    /** Allowed browser origins; undefined means no cors plugin. */
    readonly corsOrigins?: readonly string[];
    /** Whether routes of this service may be anonymous even where the environment requires JWT (e.g. health). */
    readonly public: boolean;
}

export interface ServiceSlo {
    /** Alert when the share of 5xx responses over 5 minutes exceeds this (0..1). */
    readonly maxErrorRatio: number;
    /** Alert when p99 latency over 5 minutes exceeds this. */
    readonly p99LatencyMs: number;
}

/** A port reached without mTLS (no mesh identity), and who may send to it: L3 rules narrow it to exactly these. */
export interface PlaintextPort {
    readonly port: number;
    /** Peers: catalog service names, workload keys of model/workloads.ts (`kiali`), `edge` (the load balancer), `kong-migrations`. */
    readonly from: readonly string[];
}

/** Which workload of model/workloads.ts a catalog service is (its labels, identity and sidecar then come from there). */
export const BOUND_WORKLOADS = ["prometheus", "grafana", "kiali", "jaeger"] as const;
export type BoundWorkload = (typeof BOUND_WORKLOADS)[number];

export interface ServiceSpec {
    readonly name: string;
    readonly namespace: string;
    readonly port: number;
    readonly protocol: Protocol;
    /** Workload selector value for `app`; defaults to the service name. */
    readonly app: string;
    /** Kubernetes ServiceAccount the workload runs as (its mesh identity); defaults to `app`. */
    readonly serviceAccount: string;
    /** Labels its pods really carry, used by every selector; defaults to `{ app: <app> }`. */
    readonly labels: Readonly<Record<string, string>>;
    /** Whether its pods run an Istio sidecar; defaults to its namespace's injection. */
    readonly sidecar: boolean;
    /** A workload this program does not own (labels, identity, sidecar and controller come from model/workloads.ts). */
    readonly workload?: BoundWorkload;
    /** Deployment that runs it, when this program does not own it (sidecar roll-outs restart it). */
    readonly deployment?: string;
    readonly healthPath?: string;
    readonly loadBalancer: LoadBalancer;
    readonly connectionPool: ConnectionPool;
    /** Request timeout (HTTP/gRPC only). */
    readonly timeoutMs?: number;
    readonly retries?: RetryPolicy;
    /** Catalog services allowed to call this one (besides the gateway when exposed, and Prometheus). */
    readonly callers: readonly string[];
    /** Topic-catalog topics the service writes to and reads from: its Kafka user and ACLs (model/kafka-access.ts). */
    readonly produces: readonly string[];
    readonly consumes: readonly string[];
    /** Ports (on the workload) that accept traffic from outside the mesh, kept PERMISSIVE even under STRICT. */
    readonly plaintextPorts: readonly number[];
    /** The same ports with the peers allowed to send plaintext to each. */
    readonly plaintext: readonly PlaintextPort[];
    readonly gateway?: GatewayExposure;
    readonly slo: ServiceSlo;
}

export interface Catalog {
    readonly namespaces: readonly NamespaceSpec[];
    readonly services: readonly ServiceSpec[];
}

/** Retry conditions that are safe to retry for any method (no request reached the app or it was refused). */
export const IDEMPOTENT_RETRY_ON = ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes", "reset", "gateway-error", "5xx", "retriable-4xx"] as const;

const DEFAULT_POOL: ConnectionPool = { maxConnections: 100, http1MaxPendingRequests: 100, http2MaxRequests: 1000, maxRequestsPerConnection: 0 };
const DEFAULT_SLO: ServiceSlo = { maxErrorRatio: 0.05, p99LatencyMs: 1000 };
/** Istio caps at 3 attempts in this program: more multiplies load during an incident. */
export const MAX_RETRY_ATTEMPTS = 3;

function parseRoute(r: Reader, service: string): GatewayRoute {
    const route: GatewayRoute = {
        name: r.string("name", undefined, DNS_LABEL),
        paths: r.stringList("paths"),
        methods: r.stringList("methods", []).map((m) => m.toUpperCase()) as HttpMethod[],
        hosts: r.stringList("hosts", []),
        stripPath: r.boolean("stripPath", true),
    };
    if (route.paths.length === 0 && route.hosts.length === 0) {
        r.problems.add(r.at("paths"), undefined, `route of ${service} matches nothing`, "give it at least one path or host");
    }
    for (const m of route.methods) {
        if (!(HTTP_METHODS as readonly string[]).includes(m)) {
            r.problems.add(r.at("methods"), m, "is not an HTTP method Kong routes on", `use some of ${HTTP_METHODS.join(", ")}`);
        }
    }
    for (const p of route.paths) {
        const kong = kongRoutePathProblem(p);
        if (kong !== undefined) {
            r.problems.add(r.at("paths"), p, kong.message, kong.fix);
        } else if (!p.startsWith("~") && /[()[\]*+?^$|\\]/.test(p)) {
            r.problems.add(
                r.at("paths"),
                p,
                "looks like a regular expression but lacks Kong 3's ~ prefix, so Kong would match it as a literal prefix",
                `write it as "~${p}"`,
            );
        }
    }
    for (const h of route.hosts) {
        const problem = kongRouteHostProblem(h);
        if (problem !== undefined) {
            r.problems.add(r.at("hosts"), h, `${problem}, so Kong 3.9 refuses the route (typedefs.hosts)`, "use a host name like api.254carbon.com, or one wildcard label like *.254carbon.com");
        }
    }
    r.done();
    return route;
}

function parseGateway(r: Reader, service: string): GatewayExposure {
    const rate = r.optional("rateLimitPerMinute", () => r.int("rateLimitPerMinute", undefined, 1));
    const cors = r.optional("corsOrigins", () => r.stringList("corsOrigins"));
    for (const origin of cors ?? []) {
        const problem = corsOriginProblem(origin);
        if (problem !== undefined) {
            r.problems.add(r.at("corsOrigins"), origin, problem.message, problem.fix);
        }
    }
    const exposure: GatewayExposure = {
        routes: r.namedList("routes").map((rr) => parseRoute(rr, service)),
        rateLimitPerMinute: rate,
        corsOrigins: cors,
        public: r.boolean("public", false),
    };
    if (exposure.routes.length === 0) {
        r.problems.add(r.at("routes"), undefined, `${service} is exposed through the gateway with no route`, "add a route, or remove the gateway entry");
    }
    r.done();
    return exposure;
}

function parseService(r: Reader): ServiceSpec {
    // The name is the Kubernetes Service's name (DNS-1035), the app a pod label value.
    const name = r.k8sName("name", "DNS-1035 label");
    const protocol = r.oneOf("protocol", PROTOCOLS, "http");
    const app = r.has("app") ? r.k8sName("app", "label value") : (r.raw("app"), name);
    const pool = r.child("connectionPool");
    const connectionPool: ConnectionPool = {
        maxConnections: pool.int("maxConnections", DEFAULT_POOL.maxConnections, 1),
        http1MaxPendingRequests: pool.int("http1MaxPendingRequests", DEFAULT_POOL.http1MaxPendingRequests, 1),
        http2MaxRequests: pool.int("http2MaxRequests", DEFAULT_POOL.http2MaxRequests, 1),
        maxRequestsPerConnection: pool.int("maxRequestsPerConnection", DEFAULT_POOL.maxRequestsPerConnection, 0),
    };
    pool.done();
    const slo = r.child("slo");
    const plaintext = parsePlaintextPorts(r);
    const spec: ServiceSpec = {
        name,
        namespace: r.string("namespace"),
        port: r.int("port", undefined, 1, 65535),
        protocol,
        app,
        serviceAccount: r.has("serviceAccount") ? r.k8sName("serviceAccount", "DNS-1123 subdomain") : (r.raw("serviceAccount"), app),
        deployment: r.optional("deployment", () => r.k8sName("deployment", "DNS-1123 subdomain")),
        healthPath: r.optionalString("healthPath"),
        loadBalancer: r.oneOf("loadBalancer", LOAD_BALANCERS, "LEAST_REQUEST"),
        connectionPool,
        timeoutMs: r.optional("timeout", () => r.duration("timeout")),
        retries: r.optional("retries", () => parseRetries(r.child("retries"))),
        callers: r.stringList("callers"),
        produces: r.stringList("produces"),
        consumes: r.stringList("consumes"),
        labels: r.has("labels") ? parseLabels(r, "labels") : { app },
        sidecar: r.boolean("sidecar", true),
        workload: r.optional("workload", () => r.oneOf("workload", BOUND_WORKLOADS)),
        plaintext,
        plaintextPorts: plaintext.map((p) => p.port),
        gateway: r.optional("gateway", () => parseGateway(r.child("gateway"), name)),
        slo: {
            maxErrorRatio: slo.number("maxErrorRatio", DEFAULT_SLO.maxErrorRatio, 0.0001, 1),
            p99LatencyMs: slo.int("p99LatencyMs", DEFAULT_SLO.p99LatencyMs, 1),
        },
    };
    slo.done();
    if (protocol === "tcp" && (spec.timeoutMs !== undefined || spec.retries !== undefined || spec.gateway !== undefined)) {
        r.problems.add(r.at("protocol"), protocol, "tcp services cannot have timeouts, retries or gateway routes", "set protocol to http or grpc, or remove timeout, retries and gateway");
    }
    if (spec.retries && spec.timeoutMs !== undefined && spec.retries.attempts * spec.retries.perTryTimeoutMs > spec.timeoutMs) {
        r.problems.add(
            r.at("retries"),
            { attempts: spec.retries.attempts, perTryTimeoutMs: spec.retries.perTryTimeoutMs, timeoutMs: spec.timeoutMs },
            `attempts × perTryTimeout (${spec.retries.attempts * spec.retries.perTryTimeoutMs}ms) exceeds the request timeout (${spec.timeoutMs}ms), so the last attempts could never run`,
            "lower attempts or perTryTimeout, or raise timeout",
        );
    }
    if (spec.retries && spec.timeoutMs === undefined) {
        r.problems.add(r.at("timeout"), undefined, "is required when retries are set (retries need an overall bound)", "set timeout, e.g. \"15s\"");
    }
    r.done();
    return spec;
}

function parsePlaintextPorts(r: Reader): PlaintextPort[] {
    const raw = r.raw("plaintextPorts");
    if (Array.isArray(raw) && raw.some((p) => typeof p === "number")) {
        r.problems.add(r.at("plaintextPorts"), raw, "lists bare port numbers: a plaintext port without its senders is open to every pod", 'write each as { "port": 8000, "from": ["edge"] }');
        return [];
    }
    return r.list("plaintextPorts").map((pr) => {
        const port: PlaintextPort = { port: pr.int("port", undefined, 1, 65535), from: pr.stringList("from") };
        if (port.from.length === 0) {
            pr.problems.add(pr.at("from"), port.from, "names no sender: a plaintext port open to every pod cancels every narrower rule", 'list who sends plaintext here, e.g. ["edge"] or ["kong-migrations"]');
        }
        pr.done();
        return port;
    });
}

function parseLabels(r: Reader, key: string): Record<string, string> {
    const raw = r.raw(key);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw) || Object.keys(raw).length === 0 || Object.values(raw).some((v) => typeof v !== "string")) {
        r.problems.add(r.at(key), raw, "must be a non-empty mapping of label keys to string values", 'give the labels its pods really carry, e.g. { "app.kubernetes.io/name": "grafana" }');
        return {};
    }
    // They become pod selectors and NetworkPolicy/AuthorizationPolicy matchLabels: Kubernetes' own label rules apply.
    for (const [k, v] of Object.entries(raw as Record<string, string>)) {
        checkK8sName(r.problems, `${r.at(key)} key`, k, "qualified name");
        checkK8sName(r.problems, `${r.at(key)}.${k}`, v, "label value");
    }
    return raw as Record<string, string>;
}

function parseRetries(r: Reader): RetryPolicy {
    const policy: RetryPolicy = {
        attempts: r.int("attempts", undefined, 1, MAX_RETRY_ATTEMPTS),
        perTryTimeoutMs: r.duration("perTryTimeout"),
        retryOn: r.stringList("retryOn", ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"]),
    };
    for (const cond of policy.retryOn) {
        if (!(IDEMPOTENT_RETRY_ON as readonly string[]).includes(cond)) {
            r.problems.add(r.at("retryOn"), cond, "is not a retry condition this program allows", `use some of ${IDEMPOTENT_RETRY_ON.join(", ")}`);
        }
    }
    r.done();
    return policy;
}

/**
 * Reads and cross-checks a catalog. `source` names the file in error messages.
 * Throws one ConfigError listing every problem.
 */
export function parseCatalog(raw: unknown, source: string): Catalog {
    const problems = new Problems();
    const catalog = readCatalog(raw, problems);
    problems.throwIfAny(`service catalog ${source}`);
    return catalog;
}

/**
 * Reads and cross-checks a catalog, recording every problem on `problems` (the one pass of buildModel) and returning
 * its best reading. Entries are named by their name (`services.portal-services.port`), not by their index.
 */
export function readCatalog(raw: unknown, problems: Problems): Catalog {
    const root = Reader.root("", raw, problems);
    if (!root.has("namespaces")) {
        problems.add("namespaces", undefined, "is required: the catalog declares no namespace", 'declare the namespaces, e.g. [{ "name": "istio-system", "injected": false }, { "name": "data-platform" }]');
    }
    if (!root.has("services")) {
        problems.add("services", undefined, "is required: the catalog declares no service", 'declare the services, e.g. [{ "name": "portal-services", "namespace": "data-platform", "port": 8080 }]');
    }
    const nsReaders = root.namedList("namespaces");
    const namespaces = nsReaders.map((n) => {
        const ns: NamespaceSpec = { name: n.k8sName("name", "DNS-1123 label"), injected: n.boolean("injected", true) };
        n.done();
        return ns;
    });
    const svcReaders = root.namedList("services");
    const injectedNs = new Set(namespaces.filter((n) => n.injected).map((n) => n.name));
    // A sidecar needs an injected namespace; `sidecar: false` opts a workload out (sidecar.istio.io/inject: "false").
    const services = svcReaders.map(parseService).map((svc) => ({ ...svc, sidecar: svc.sidecar && injectedNs.has(svc.namespace) }));
    root.done();

    const nsNames = new Set<string>();
    namespaces.forEach((ns, i) => {
        if (nsNames.has(ns.name)) {
            problems.add(`${nsReaders[i].path}.name`, ns.name, "is declared twice", "remove the duplicate namespace entry");
        }
        nsNames.add(ns.name);
    });
    const byName = new Map<string, number>();
    services.forEach((svc, i) => {
        const at = svcReaders[i].path;
        if (byName.has(svc.name)) {
            problems.add(`${at}.name`, svc.name, `is declared twice (first at ${svcReaders[byName.get(svc.name)!].path})`, "give every service a unique name");
        } else {
            byName.set(svc.name, i);
        }
        if (!nsNames.has(svc.namespace)) {
            problems.add(`${at}.namespace`, svc.namespace, "is not a declared namespace", `declare it under namespaces, or use one of ${choices([...nsNames], "(the catalog declares no namespace yet)")}`);
        }
    });
    services.forEach((svc, i) => {
        svc.callers.forEach((caller) => {
            if (!byName.has(caller)) {
                problems.add(`${svcReaders[i].path}.callers`, caller, `names no service in the catalog`, `use one of the catalog's service names, or add a service named ${caller}`);
            }
        });
    });
    checkGatewayCollisions(services, svcReaders.map((r) => r.path), problems);
    return { namespaces, services };
}

/** Two routes with the same host and path would make Kong's choice between them arbitrary. */
function checkGatewayCollisions(services: readonly ServiceSpec[], paths: readonly string[], problems: Problems): void {
    const owner = new Map<string, string>();
    services.forEach((svc, i) => {
        svc.gateway?.routes.forEach((route) => {
            const at = `${paths[i]}.gateway.routes.${route.name}`;
            const hosts = route.hosts.length > 0 ? route.hosts : ["*"];
            for (const host of hosts) {
                for (const path of route.paths.length > 0 ? route.paths : ["/"]) {
                    const key = `${host} ${path}`;
                    const where = `${svc.name}/${route.name}`;
                    const first = owner.get(key);
                    if (first !== undefined) {
                        problems.add(`${at}.paths`, path, `host ${host} and path ${path} are already routed by ${first}`, "give one of the routes another path or host");
                    } else {
                        owner.set(key, where);
                    }
                }
            }
            if (svc.gateway!.routes.filter((r) => r.name === route.name).length > 1 && svc.gateway!.routes.find((r) => r.name === route.name) !== route) {
                problems.add(`${at}.name`, route.name, "is used by two routes of the same service", "give every route of a service its own name");
            }
        });
    });
}
