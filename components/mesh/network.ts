import { ServiceSpec } from "../../model/catalog";
import { GATEWAY, ISTIO_PORTS, Manifest, metadata } from "../../model/wellknown";
import { kafkaClients, Workload, WorkloadPort } from "../../model/workloads";
import { Caller, Topology } from "./topology";

/**
 * Kubernetes NetworkPolicies for the injected namespaces: default-deny both ways, then exactly the flows the
 * platform needs — DNS, istiod, the OTLP receiver, Prometheus's scrapes, Kafka, and the catalog's caller →
 * service edges (plaintext ports only from their declared senders). Peers are selected by the labels their pods
 * really carry (model/workloads.ts). They hold even for pods whose sidecar is missing or bypassed.
 */

const NAMESPACE_LABEL = "kubernetes.io/metadata.name";

type Peer = Record<string, unknown>;
type PortRule = { protocol: "TCP" | "UDP"; port: number };

function pods(namespace: string, labels?: Readonly<Record<string, string>>): Peer {
    return {
        namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: namespace } },
        ...(labels === undefined ? {} : { podSelector: { matchLabels: { ...labels } } }),
    };
}

const workloadPeer = (w: Workload): Peer => pods(w.namespace, w.podLabels);
const tcp = (port: number): PortRule => ({ protocol: "TCP", port });
const portRule = (p: WorkloadPort): PortRule => ({ protocol: p.protocol, port: p.port });

/** Pods by namespace and labels; an address block by its CIDRs. */
function callerPeers(callers: readonly Caller[]): Peer[] {
    return callers.flatMap((c) => (c.kind === "addresses" ? c.cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [pods(c.namespace, c.labels)]));
}

function policy(name: string, namespace: string, spec: Record<string, unknown>): Manifest {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: metadata(name, namespace), spec };
}

export function networkPolicies(topology: Topology): Manifest[] {
    return topology.injectedNamespaces.flatMap((ns) => [
        policy("default-deny", ns, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
        ...meshBaseline(ns, topology),
        ...prometheusPolicies(ns, topology),
        ...kafkaPolicies(ns, topology),
        ...egressPolicy(ns, topology),
        ...topology.meshServices.filter((svc) => svc.namespace === ns).flatMap((svc) => ingressPolicy(svc, topology)),
    ]);
}

/** Every pod: DNS; every sidecar: istiod (XDS, CA) and the OTLP receiver the Telemetry exports spans to. */
function meshBaseline(ns: string, topology: Topology): Manifest[] {
    const w = topology.context.workloads.byKey;
    return [
        policy("allow-dns", ns, { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [workloadPeer(w.dns)], ports: Object.values(w.dns.ports).map(portRule) }] }),
        // Any revision's istiod (a canary upgrade runs two): the `app` label, not the revision label.
        policy("allow-istiod", ns, { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [pods(w.istiod.namespace, { app: w.istiod.podLabels.app })], ports: [portRule(w.istiod.ports.xds)] }] }),
        policy("allow-otlp", ns, { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [workloadPeer(w.jaeger)], ports: [portRule(w.jaeger.ports.otlpGrpc)] }] }),
    ];
}

/** Prometheus scrapes every sidecar (15020 merged, 15090 Envoy) in every injected namespace, and from its own: istiod, Kong's status, the API server. */
function prometheusPolicies(ns: string, topology: Topology): Manifest[] {
    const { workloads } = topology.context;
    const prom = workloads.byKey.prometheus;
    const scrapePorts = [tcp(ISTIO_PORTS.mergedMetrics), tcp(ISTIO_PORTS.envoyStats)];
    const scraped = policy("allow-prometheus-scrape", ns, { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [workloadPeer(prom)], ports: scrapePorts }] });
    if (ns !== prom.namespace) {
        return [scraped];
    }
    const istiod = workloads.byKey.istiod;
    const kong = topology.meshServices.find((s) => s.name === GATEWAY.proxyService);
    const egress: Record<string, unknown>[] = [
        { to: topology.injectedNamespaces.map((n) => pods(n, {})), ports: scrapePorts },
        { to: [pods(istiod.namespace, { app: istiod.podLabels.app })], ports: [portRule(istiod.ports.monitoring)] },
        ...(kong ? [{ to: [pods(kong.namespace, kong.labels)], ports: [tcp(GATEWAY.ports.status)] }] : []),
        ...(workloads.apiServer ? [{ to: workloads.apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [portRule(workloads.apiServer.ports.https)] }] : []),
    ];
    return [scraped, policy("allow-prometheus-egress", ns, { podSelector: { matchLabels: { ...prom.podLabels } }, policyTypes: ["Egress"], egress })];
}

/**
 * Kafka: every service that produces or consumes (catalog) is a client on the bootstrap ports; brokers replicate to
 * each other; brokers and controllers reach the controllers' quorum port.
 */
function kafkaPolicies(ns: string, topology: Topology): Manifest[] {
    const w = topology.context.workloads.byKey;
    const brokers = w.kafkaBrokers;
    const controllers = w.kafkaControllers;
    const clientPorts = topology.context.kafkaClientPorts.map(tcp);
    const clients = kafkaClients(topology.meshServices);
    const out: Manifest[] = [];
    const egress: Record<string, unknown>[] = [];
    if (clients.some((c) => c.namespace === ns)) {
        egress.push({ to: [workloadPeer(brokers)], ports: clientPorts });
    }
    if (ns === brokers.namespace) {
        egress.push({ to: [workloadPeer(brokers)], ports: [portRule(brokers.ports.replication)] }, { to: [workloadPeer(controllers)], ports: [portRule(controllers.ports.controlplane)] });
        out.push(
            policy("allow-kafka-brokers-ingress", ns, {
                podSelector: { matchLabels: { ...brokers.podLabels } },
                policyTypes: ["Ingress"],
                ingress: [
                    ...(clients.length > 0 ? [{ from: clients.map((c) => pods(c.namespace, c.labels)), ports: clientPorts }] : []),
                    { from: [workloadPeer(brokers)], ports: [portRule(brokers.ports.replication)] },
                ],
            }),
            policy("allow-kafka-controllers-ingress", ns, {
                podSelector: { matchLabels: { ...controllers.podLabels } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [workloadPeer(brokers), workloadPeer(controllers)], ports: [portRule(controllers.ports.controlplane)] }],
            }),
        );
    }
    return egress.length > 0 ? [policy("allow-kafka-egress", ns, { podSelector: {}, policyTypes: ["Egress"], egress }), ...out] : out;
}

function ingressPolicy(svc: ServiceSpec, topology: Topology): Manifest[] {
    const rules: unknown[] = [];
    const callers = topology.callersOf(svc);
    if (callers.length > 0) {
        rules.push({ from: callerPeers(callers), ports: [tcp(svc.port)] });
    }
    for (const p of topology.plaintextOf(svc)) {
        if (p.from.length > 0) {
            // Reached without mTLS: open at L3 for exactly its declared senders.
            rules.push({ from: callerPeers(p.from), ports: [tcp(p.port)] });
        }
    }
    const extra = topology.context.extraCallerNamespaces;
    if (extra.length > 0 && svc.protocol !== "tcp") {
        // Namespaces such as an ingress controller's call every meshed HTTP/gRPC service; never a database.
        rules.push({ from: extra.map((n) => pods(n)), ports: [tcp(svc.port)] });
    }
    if (rules.length === 0) {
        return [];
    }
    return [policy(`allow-${svc.name}-ingress`, svc.namespace, { podSelector: { matchLabels: { ...svc.labels } }, policyTypes: ["Ingress"], ingress: rules })];
}

function egressPolicy(ns: string, topology: Topology): Manifest[] {
    const callees = topology.calleesFrom(ns);
    if (callees.length === 0) {
        return [];
    }
    return [
        policy("allow-egress-to-callees", ns, {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: callees.map((svc) => ({ to: [pods(svc.namespace, svc.labels)], ports: [tcp(svc.port)] })),
        }),
    ];
}
