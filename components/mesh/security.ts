import { ServiceSpec } from "../../model/catalog";
import { MeshModel } from "../../model/mesh";
import { Manifest, MESH_ROOT_NAMESPACE, metadata, principal } from "../../model/wellknown";
import { kafkaClients } from "../../model/workloads";
import { Topology } from "./topology";

/** Istio security policies (security.istio.io/v1): mutual TLS and who may call whom. */

const SECURITY_API = "security.istio.io/v1";

/** Mesh-wide PeerAuthentication (in the root namespace), then one per injected namespace so modes can move one namespace at a time. */
export function peerAuthentications(mesh: MeshModel, topology: Topology): Manifest[] {
    const meshWide: Manifest = {
        apiVersion: SECURITY_API,
        kind: "PeerAuthentication",
        metadata: metadata("default", MESH_ROOT_NAMESPACE),
        spec: { mtls: { mode: mesh.mtlsMode } },
    };
    const perNamespace = topology.injectedNamespaces.map(
        (ns): Manifest => ({
            apiVersion: SECURITY_API,
            kind: "PeerAuthentication",
            metadata: metadata("default", ns),
            spec: { mtls: { mode: mesh.namespaceMtls[ns] } },
        }),
    );
    // Ports reached without mTLS (a load balancer, a sidecar-less Job or tool) stay PERMISSIVE even under STRICT;
    // only where a sidecar enforces anything.
    const exceptions = topology.meshServices
        .filter((svc) => svc.sidecar && topology.plaintextOf(svc).length > 0)
        .map(
            (svc): Manifest => ({
                apiVersion: SECURITY_API,
                kind: "PeerAuthentication",
                metadata: metadata(`${svc.name}-plaintext-ports`, svc.namespace),
                spec: {
                    selector: { matchLabels: { ...svc.labels } },
                    mtls: { mode: mesh.namespaceMtls[svc.namespace] },
                    portLevelMtls: Object.fromEntries(topology.plaintextOf(svc).map((p) => [String(p.port), { mode: "PERMISSIVE" }])),
                },
            }),
        );
    return [meshWide, ...perNamespace, ...exceptions];
}

/**
 * Default-deny per injected namespace (an ALLOW policy with an empty spec matches nothing), then one ALLOW policy
 * per service with a sidecar naming exactly its callers' principals; its plaintext ports admit only plaintext
 * (`notPrincipals: ["*"]`, no identity to check: the NetworkPolicies name the senders). Prometheus's scrape ports
 * (15020, 15090) need no rule: the sidecar never captures them.
 */
export function authorizationPolicies(topology: Topology): Manifest[] {
    const denyAll = topology.injectedNamespaces.map(
        (ns): Manifest => ({ apiVersion: SECURITY_API, kind: "AuthorizationPolicy", metadata: metadata("deny-all", ns), spec: {} }),
    );
    const perService = topology.meshServices.filter((svc) => svc.sidecar).flatMap((svc) => serviceAllow(svc, topology));
    return [...denyAll, ...perService, ...kafkaAllows(topology)];
}

function allow(name: string, namespace: string, labels: Readonly<Record<string, string>>, rules: unknown[]): Manifest {
    return { apiVersion: SECURITY_API, kind: "AuthorizationPolicy", metadata: metadata(name, namespace), spec: { selector: { matchLabels: { ...labels } }, action: "ALLOW", rules } };
}

/** Kafka in an injected namespace: the principals of the services that produce or consume on the bootstrap ports, the brokers' on replication, every node's on the quorum port. */
function kafkaAllows(topology: Topology): Manifest[] {
    const w = topology.context.workloads.byKey;
    const brokers = w.kafkaBrokers;
    const controllers = w.kafkaControllers;
    if (!brokers.sidecar || !topology.injectedNamespaces.includes(brokers.namespace)) {
        return [];
    }
    const clients = kafkaClients(topology.meshServices).filter((s) => s.sidecar).map((s) => principal(s.namespace, s.serviceAccount));
    const brokerPrincipal = principal(brokers.namespace, brokers.serviceAccount);
    const controllerPrincipal = principal(controllers.namespace, controllers.serviceAccount);
    const ports = (list: readonly number[]): { operation: { ports: string[] } }[] => [{ operation: { ports: list.map(String) } }];
    return [
        allow("allow-kafka-brokers", brokers.namespace, brokers.podLabels, [
            ...(clients.length > 0 ? [{ from: [{ source: { principals: clients } }], to: ports(topology.context.kafkaClientPorts) }] : []),
            { from: [{ source: { principals: [brokerPrincipal] } }], to: ports([brokers.ports.replication.port]) },
        ]),
        allow("allow-kafka-controllers", controllers.namespace, controllers.podLabels, [
            { from: [{ source: { principals: [...new Set([brokerPrincipal, controllerPrincipal])] } }], to: ports([controllers.ports.controlplane.port]) },
        ]),
    ];
}

function serviceAllow(svc: ServiceSpec, topology: Topology): Manifest[] {
    const principals = topology.callersOf(svc).flatMap((c) => (c.kind === "pods" && c.principal !== undefined ? [c.principal] : []));
    const rules: unknown[] = [];
    if (principals.length > 0) {
        rules.push({ from: [{ source: { principals } }], to: [{ operation: { ports: [String(svc.port)] } }] });
    }
    const extra = topology.context.extraCallerNamespaces;
    if (extra.length > 0 && svc.protocol !== "tcp") {
        rules.push({ from: [{ source: { namespaces: [...extra] } }], to: [{ operation: { ports: [String(svc.port)] } }] });
    }
    const plaintext = topology.plaintextOf(svc).map((p) => String(p.port));
    if (plaintext.length > 0) {
        rules.push({ from: [{ source: { notPrincipals: ["*"] } }], to: [{ operation: { ports: [...new Set(plaintext)] } }] });
    }
    if (rules.length === 0) {
        return [];
    }
    return [
        {
            apiVersion: SECURITY_API,
            kind: "AuthorizationPolicy",
            metadata: metadata(`allow-${svc.name}`, svc.namespace),
            spec: { selector: { matchLabels: { ...svc.labels } }, action: "ALLOW", rules },
        },
    ];
}
