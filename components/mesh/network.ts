import { ServiceSpec } from "../../model/catalog";
import { ISTIO_PORTS, Manifest, MESH_ROOT_NAMESPACE, metadata, MONITORING } from "../../model/wellknown";
import { Caller, Topology } from "./topology";

/**
 * Kubernetes NetworkPolicies for the injected namespaces: default-deny both ways, then exactly the flows
 * the mesh needs (DNS, istiod, Prometheus scraping) and the catalog's caller → service edges.
 * They hold even for pods whose sidecar is missing or bypassed.
 */

const NAMESPACE_LABEL = "kubernetes.io/metadata.name";

function peer(namespace: string, app?: string): Record<string, unknown> {
    return {
        namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: namespace } },
        ...(app === undefined ? {} : { podSelector: { matchLabels: { app } } }),
    };
}

function policy(name: string, namespace: string, spec: Record<string, unknown>): Manifest {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: metadata(name, namespace), spec };
}

export function networkPolicies(topology: Topology): Manifest[] {
    return topology.injectedNamespaces.flatMap((ns) => [
        policy("default-deny", ns, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
        policy("allow-dns", ns, {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [peer("kube-system")], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
        }),
        policy("allow-istiod", ns, {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [peer(MESH_ROOT_NAMESPACE, "istiod")], ports: [{ protocol: "TCP", port: ISTIO_PORTS.istiodXds }] }],
        }),
        policy("allow-prometheus-scrape", ns, {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [peer(MONITORING.namespace, MONITORING.prometheusApp)],
                    ports: [{ protocol: "TCP", port: ISTIO_PORTS.mergedMetrics }, { protocol: "TCP", port: ISTIO_PORTS.envoyStats }],
                },
            ],
        }),
        ...egressPolicy(ns, topology),
        ...topology.meshServices.filter((svc) => svc.namespace === ns).flatMap((svc) => ingressPolicy(svc, topology.callersOf(svc))),
    ]);
}

function ingressPolicy(svc: ServiceSpec, callers: readonly Caller[]): Manifest[] {
    const rules: unknown[] = [];
    if (callers.length > 0) {
        rules.push({ from: callers.map((c) => peer(c.namespace, c.app)), ports: [{ protocol: "TCP", port: svc.port }] });
    }
    if (svc.plaintextPorts.length > 0) {
        // Reached from outside the mesh (a load balancer or a sidecar-less Job): open at L3, identity-free by nature.
        rules.push({ ports: svc.plaintextPorts.map((port) => ({ protocol: "TCP", port })) });
    }
    if (rules.length === 0) {
        return [];
    }
    return [policy(`allow-${svc.name}-ingress`, svc.namespace, { podSelector: { matchLabels: { app: svc.app } }, policyTypes: ["Ingress"], ingress: rules })];
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
            egress: callees.map((svc) => ({ to: [peer(svc.namespace, svc.app)], ports: [{ protocol: "TCP", port: svc.port }] })),
        }),
    ];
}
