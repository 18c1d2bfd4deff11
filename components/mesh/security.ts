import { ServiceSpec } from "../../model/catalog";
import { MeshModel } from "../../model/mesh";
import { ISTIO_PORTS, Manifest, MESH_ROOT_NAMESPACE, metadata, MONITORING, principal } from "../../model/wellknown";
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
    // Ports reached from outside the mesh (a load balancer, a sidecar-less Job) stay PERMISSIVE even under STRICT.
    const exceptions = topology.meshServices
        .filter((svc) => svc.plaintextPorts.length > 0)
        .map(
            (svc): Manifest => ({
                apiVersion: SECURITY_API,
                kind: "PeerAuthentication",
                metadata: metadata(`${svc.name}-plaintext-ports`, svc.namespace),
                spec: {
                    selector: { matchLabels: { app: svc.app } },
                    mtls: { mode: mesh.namespaceMtls[svc.namespace] },
                    portLevelMtls: Object.fromEntries(svc.plaintextPorts.map((p) => [String(p), { mode: "PERMISSIVE" }])),
                },
            }),
        );
    return [meshWide, ...perNamespace, ...exceptions];
}

/**
 * Default-deny per injected namespace (an ALLOW policy with an empty spec matches nothing),
 * then one ALLOW policy per service naming exactly its callers, and the scrape path for Prometheus.
 */
export function authorizationPolicies(mesh: MeshModel, topology: Topology): Manifest[] {
    const denyAll = topology.injectedNamespaces.map(
        (ns): Manifest => ({ apiVersion: SECURITY_API, kind: "AuthorizationPolicy", metadata: metadata("deny-all", ns), spec: {} }),
    );
    const prometheus = principal(MONITORING.namespace, MONITORING.prometheusServiceAccount);
    const scrape = topology.injectedNamespaces.map(
        (ns): Manifest => ({
            apiVersion: SECURITY_API,
            kind: "AuthorizationPolicy",
            metadata: metadata("allow-prometheus-scrape", ns),
            spec: {
                action: "ALLOW",
                rules: [
                    {
                        from: [{ source: { principals: [prometheus] } }],
                        to: [{ operation: { methods: ["GET"], ports: [String(ISTIO_PORTS.mergedMetrics), String(ISTIO_PORTS.envoyStats)] } }],
                    },
                ],
            },
        }),
    );
    const perService = topology.meshServices.flatMap((svc) => serviceAllow(svc, mesh, topology));
    return [...denyAll, ...scrape, ...perService];
}

function serviceAllow(svc: ServiceSpec, mesh: MeshModel, topology: Topology): Manifest[] {
    const callers = topology.callersOf(svc);
    const rules: unknown[] = [];
    if (callers.length > 0) {
        rules.push({
            from: [{ source: { principals: callers.map((c) => c.principal) } }],
            to: [{ operation: { ports: [String(svc.port)] } }],
        });
    }
    if (mesh.extraCallerNamespaces.length > 0) {
        rules.push({ from: [{ source: { namespaces: [...mesh.extraCallerNamespaces] } }], to: [{ operation: { ports: [String(svc.port)] } }] });
    }
    if (svc.plaintextPorts.length > 0) {
        // Traffic from outside the mesh carries no identity; L3 NetworkPolicies narrow who can reach these ports.
        rules.push({ to: [{ operation: { ports: svc.plaintextPorts.map(String) } }] });
    }
    if (rules.length === 0) {
        return [];
    }
    return [
        {
            apiVersion: SECURITY_API,
            kind: "AuthorizationPolicy",
            metadata: metadata(`allow-${svc.name}`, svc.namespace),
            spec: { selector: { matchLabels: { app: svc.app } }, action: "ALLOW", rules },
        },
    ];
}
