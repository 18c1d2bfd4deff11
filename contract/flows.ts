import { PlatformModel } from "../model";
import { ServiceSpec } from "../model/catalog";
import { GATEWAY, ISTIO_PORTS } from "../model/wellknown";
import { kafkaClients, WorkloadKey } from "../model/workloads";
import { API_SERVER_PEER, EDGE_PEER, MIGRATIONS_PEER, Peer, PeerSet, PodPeer } from "./peers";

/**
 * The connectivity contract's flows, derived from the catalog, the workload descriptions and the stack config:
 * what must flow (every caller edge, Kong's routes, every configured scrape, the sidecars' control plane and
 * tracing, Kafka, the mesh tools, the webhooks, the database, DNS) and what must not (the database, the Admin
 * API, services from non-callers, plaintext into STRICT namespaces). Nothing here is listed by hand twice: each
 * flow comes from one fact of the model.
 */

export type Expectation = "allow" | "deny";

export interface Flow {
    readonly id: string;
    readonly expect: Expectation;
    /** The fact of the model the flow comes from. */
    readonly why: string;
    readonly from: Peer;
    readonly to: Peer;
    readonly port: number;
    readonly protocol: "TCP" | "UDP";
    /** HTTP request the flow stands for, when authorization rules look at methods and paths. */
    readonly request?: { readonly method: string; readonly path: string };
}

/** Workloads with pods of their own that may carry a sidecar (Prometheus and Grafana are also catalog services). */
const WORKLOAD_PODS: readonly WorkloadKey[] = ["prometheus", "grafana", "kafkaBrokers", "kafkaControllers"];

class FlowList {
    readonly flows: Flow[] = [];
    private readonly ids = new Set<string>();

    add(expect: Expectation, why: string, from: Peer, to: Peer, port: number, extra: Partial<Pick<Flow, "protocol" | "request">> = {}): void {
        if (from.name === to.name && from.kind === "pod" && to.kind === "pod" && expect === "deny") {
            return;
        }
        const protocol = extra.protocol ?? "TCP";
        const id = `${from.name} → ${to.name}:${port}${protocol === "UDP" ? "/udp" : ""}`;
        if (this.ids.has(id)) {
            return;
        }
        this.ids.add(id);
        this.flows.push({ id, expect, why, from, to, port, protocol, ...(extra.request ? { request: extra.request } : {}) });
    }
}

/** Services that exist in this stack (the in-cluster database is absent when the database is external). */
export function presentServices(model: PlatformModel): ServiceSpec[] {
    const external = model.gateway?.database.mode === "external";
    return model.catalog.services.filter((s) => !(external && s.name === "kong-postgres") && !(s.namespace === GATEWAY.namespace && !model.gateway));
}

function portOf(hostPort: string): number | undefined {
    const m = /:(\d+)$/.exec(hostPort);
    return m ? Number(m[1]) : undefined;
}

/** Kafka client ports: the ones the stack's bootstrap servers name, else the workload's listeners. */
function kafkaClientPorts(model: PlatformModel): number[] {
    const fromConfig = (model.events?.connection.bootstrapServers ?? []).map(portOf).filter((p): p is number => p !== undefined);
    const listeners = Object.entries(model.workloads.byKey.kafkaBrokers.ports).filter(([k]) => k.startsWith("client-")).map(([, p]) => p.port);
    return [...new Set(fromConfig.length > 0 ? fromConfig : listeners)];
}

export interface Contract {
    readonly flows: readonly Flow[];
    readonly peers: PeerSet;
}

export function deriveFlows(model: PlatformModel): Contract {
    const peers = new PeerSet(model);
    const list = new FlowList();
    const services = presentServices(model);
    const byName = new Map(services.map((s) => [s.name, s]));
    const meshOn = model.components.mesh;
    const w = model.workloads.byKey;
    const kong = byName.get(GATEWAY.proxyService);
    const podsOfServices = services.map((s) => peers.service(s));

    // Required: the catalog's caller → service edges, and Kong → each routed service.
    for (const svc of services) {
        for (const caller of svc.callers) {
            const c = byName.get(caller);
            if (c) {
                list.add("allow", `catalog: ${svc.name} lists ${caller} as a caller`, peers.service(c), peers.service(svc), svc.port);
            }
        }
        if (svc.gateway && kong) {
            list.add("allow", `catalog: ${svc.name} has gateway routes`, peers.service(kong), peers.service(svc), svc.port);
        }
        for (const p of svc.plaintext) {
            for (const sender of p.from) {
                const from = sender === EDGE_PEER ? (model.workloads.edge ? peers.external(EDGE_PEER, model.workloads.edge.cidrs) : undefined) : sender === MIGRATIONS_PEER ? peers.migrations() : byName.get(sender) ? peers.service(byName.get(sender)!) : undefined;
                if (from) {
                    list.add("allow", `catalog: ${svc.name} takes plaintext on ${p.port} from ${sender}`, from, peers.service(svc), p.port);
                }
            }
        }
    }

    // Kong's migrations read the same database as Kong (in-cluster database only: otherwise it is outside the cluster).
    const db = byName.get("kong-postgres");
    if (db && model.gateway) {
        list.add("allow", "gateway: kong migrations bootstrap/up/finish", peers.migrations(), peers.service(db), db.port);
    }

    const sidecarPods = (): PodPeer[] => [...podsOfServices, ...WORKLOAD_PODS.map((k) => peers.workload(k))].filter((p) => p.sidecar);

    if (meshOn) {
        const istiod = peers.workload("istiod");
        const jaeger = peers.workload("jaeger");
        const { jaeger: jaegerOn, kiali: kialiOn } = model.mesh.addons;
        // Every sidecar: XDS and certificates from istiod, spans to the OTLP receiver the mesh config names.
        for (const p of sidecarPods()) {
            list.add("allow", "mesh: every sidecar connects to istiod (XDS, CA)", p, istiod, ISTIO_PORTS.istiodXds);
            if (jaegerOn) {
                list.add("allow", "mesh: the Telemetry sends every sidecar's spans to Jaeger's OTLP gRPC receiver", p, jaeger, w.jaeger.ports.otlpGrpc.port);
            }
        }
        // The API server calls istiod's injection and validation webhooks.
        if (model.workloads.apiServer) {
            list.add("allow", "mesh: the API server calls istiod's webhooks (injection, validation)", peers.external(API_SERVER_PEER, model.workloads.apiServer.cidrs), istiod, w.istiod.ports.webhook.port);
        }
        // Kiali: Prometheus, istiod, Jaeger's gRPC query API (controlplane.ts configures all three).
        if (kialiOn) {
            const kiali = peers.workload("kiali");
            list.add("allow", "mesh: Kiali queries istiod", kiali, istiod, w.istiod.ports.monitoring.port);
            if (jaegerOn) {
                list.add("allow", "mesh: Kiali queries Jaeger (gRPC)", kiali, jaeger, w.jaeger.ports.queryGrpc.port);
            }
            list.add("allow", "mesh: Kiali queries Prometheus", kiali, peers.workload("prometheus"), w.prometheus.ports.web.port);
        }
    }

    if (model.observability) {
        const prometheus = peers.workload("prometheus");
        const grafana = peers.workload("grafana");
        list.add("allow", "observability: Grafana's Prometheus datasource", grafana, prometheus, w.prometheus.ports.web.port);
        if (!meshOn || model.mesh.addons.jaeger) {
            list.add("allow", "observability: Grafana's Jaeger datasource", grafana, peers.workload("jaeger"), w.jaeger.ports.queryHttp.port);
        }
        const scrape = { method: "GET", path: "/stats/prometheus" };
        if (meshOn) {
            for (const p of sidecarPods().filter((p) => p.name !== "prometheus")) {
                list.add("allow", "observability: the PodMonitor scrapes every Envoy sidecar", prometheus, p, ISTIO_PORTS.envoyStats, { request: scrape });
            }
            list.add("allow", "observability: the ServiceMonitor scrapes istiod", prometheus, peers.workload("istiod"), ISTIO_PORTS.istiodMonitoring, { request: { method: "GET", path: "/metrics" } });
        }
        if (kong) {
            list.add("allow", "observability: the ServiceMonitor scrapes Kong's status listener", prometheus, peers.service(kong), GATEWAY.ports.status, { request: { method: "GET", path: "/metrics" } });
        }
        if (model.workloads.apiServer) {
            list.add("allow", "observability: Prometheus discovers its targets through the API server", prometheus, peers.external(API_SERVER_PEER, model.workloads.apiServer.cidrs), model.workloads.apiServer.ports.https.port);
        }
    }

    // Kafka: every service that produces or consumes is a client; brokers replicate; every node talks to the controllers.
    if (model.events) {
        const brokers = peers.workload("kafkaBrokers");
        const controllers = peers.workload("kafkaControllers");
        for (const svc of kafkaClients(services)) {
            for (const port of kafkaClientPorts(model)) {
                list.add("allow", `events: ${svc.name} produces or consumes (catalog), bootstrap port ${port}`, peers.service(svc), brokers, port);
            }
        }
        list.add("allow", "events: brokers replicate to each other", brokers, peers.pod("kafkaBrokers#2", brokers.namespace, brokers.podLabels, brokers.sidecar, w.kafkaBrokers.serviceAccount), w.kafkaBrokers.ports.replication.port);
        list.add("allow", "events: brokers reach the KRaft controllers", brokers, controllers, w.kafkaControllers.ports.controlplane.port);
        list.add("allow", "events: controllers reach each other (KRaft quorum)", controllers, peers.pod("kafkaControllers#2", controllers.namespace, controllers.podLabels, controllers.sidecar, w.kafkaControllers.serviceAccount), w.kafkaControllers.ports.controlplane.port);
    }

    // DNS from every modelled pod.
    const dns = peers.workload("dns");
    for (const p of [...podsOfServices, ...(model.gateway ? [peers.migrations()] : [])]) {
        list.add("allow", "cluster: every pod resolves names", p, dns, 53, { protocol: "UDP" });
        list.add("allow", "cluster: every pod resolves names (TCP fallback)", p, dns, 53);
    }

    // Namespaces the stack lets call every meshed HTTP/gRPC service (an ingress controller's).
    if (meshOn) {
        const injected = new Set(model.catalog.namespaces.filter((n) => n.injected).map((n) => n.name));
        for (const ns of model.mesh.extraCallerNamespaces) {
            for (const svc of services.filter((s) => injected.has(s.namespace) && s.protocol !== "tcp")) {
                list.add("allow", `mesh: extraCallerNamespaces lets ${ns} call every meshed HTTP service`, peers.stranger(ns), peers.service(svc), svc.port);
            }
        }
    }

    forbiddenFlows(model, peers, list, services);
    return { flows: list.flows, peers };
}

function forbiddenFlows(model: PlatformModel, peers: PeerSet, list: FlowList, services: readonly ServiceSpec[]): void {
    const namespaces = model.catalog.namespaces.map((n) => n.name);
    const strangers = [...namespaces, "default"].map((ns) => peers.stranger(ns));
    const senders: Peer[] = [
        ...services.map((s) => peers.service(s)),
        ...(model.gateway ? [peers.migrations()] : []),
        ...strangers,
        ...model.mesh.extraCallerNamespaces.map((ns) => peers.stranger(ns)),
        ...(model.workloads.edge ? [peers.external(EDGE_PEER, model.workloads.edge.cidrs)] : []),
    ];
    const db = services.find((s) => s.name === "kong-postgres");
    if (db) {
        for (const s of senders.filter((s) => s.name !== GATEWAY.proxyService && s.name !== MIGRATIONS_PEER)) {
            list.add("deny", "gateway: only Kong and its migrations reach the database", s, peers.service(db), db.port);
        }
    }
    const kong = services.find((s) => s.name === GATEWAY.proxyService);
    if (kong && model.gateway) {
        // Kong's own namespace included: no policy opens the Admin API to anyone (it listens on the pod's loopback only).
        for (const s of senders) {
            list.add("deny", "gateway: the Admin API listens on the pod's loopback only; nothing on the pod network reaches it", s, peers.service(kong), GATEWAY.ports.admin, { request: { method: "GET", path: "/" } });
        }
    }
    // Only the catalog's producers and consumers reach the brokers.
    const clients = new Set(kafkaClients(services).map((s) => s.name));
    const brokers = peers.workload("kafkaBrokers");
    for (const s of senders.filter((s) => !clients.has(s.name))) {
        for (const port of kafkaClientPorts(model)) {
            list.add("deny", "events: only services that produce or consume (catalog) reach the brokers", s, brokers, port);
        }
    }
    if (!model.components.mesh) {
        return;
    }
    const injected = new Set(model.catalog.namespaces.filter((n) => n.injected).map((n) => n.name));
    const extra = new Set(model.mesh.extraCallerNamespaces);
    for (const svc of services.filter((s) => injected.has(s.namespace) && s.sidecar)) {
        const allowed = new Set([...svc.callers, ...(svc.gateway ? [GATEWAY.proxyService] : []), ...svc.plaintext.flatMap((p) => p.from), svc.name]);
        for (const s of senders) {
            if (allowed.has(s.name) || (s.kind === "pod" && extra.has(s.namespace) && svc.protocol !== "tcp")) {
                continue;
            }
            const plaintext = s.kind === "external" || !s.sidecar;
            const strict = model.mesh.namespaceMtls[svc.namespace] === "STRICT";
            const why = plaintext && strict ? `mesh: no plaintext into the STRICT namespace ${svc.namespace}` : `catalog: ${svc.name} does not list ${s.name} as a caller`;
            list.add("deny", why, s, peers.service(svc), svc.port);
        }
    }
}
