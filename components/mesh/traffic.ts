import { ServiceSpec } from "../../model/catalog";
import { MeshModel } from "../../model/mesh";
import { formatDuration } from "../../model/reader";
import { GATEWAY, Manifest, MESH_ROOT_NAMESPACE, metadata } from "../../model/wellknown";
import { fqdn, Topology } from "./topology";

/** Istio traffic policies (networking.istio.io/v1): resilience per service and egress scoping per namespace. */

const NETWORKING_API = "networking.istio.io/v1";

/** Seed behaviour: eject a host after 5 consecutive 5xx; never eject more than half of a service. */
export const OUTLIER_DETECTION = { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 } as const;

export function destinationRule(svc: ServiceSpec): Manifest {
    const pool = svc.connectionPool;
    const connectionPool =
        svc.protocol === "tcp"
            ? { tcp: { maxConnections: pool.maxConnections, connectTimeout: "5s" } }
            : {
                  tcp: { maxConnections: pool.maxConnections, connectTimeout: "5s" },
                  http: {
                      http1MaxPendingRequests: pool.http1MaxPendingRequests,
                      http2MaxRequests: pool.http2MaxRequests,
                      ...(pool.maxRequestsPerConnection > 0 ? { maxRequestsPerConnection: pool.maxRequestsPerConnection } : {}),
                  },
              };
    // Kong's proxy ports are not captured by its sidecar (the client address must reach Kong): meshed clients
    // must not originate mTLS to them, or Kong would receive TLS it cannot read.
    const uncaptured = svc.name === GATEWAY.proxyService ? [GATEWAY.servicePorts.http, GATEWAY.servicePorts.https] : [];
    return {
        apiVersion: NETWORKING_API,
        kind: "DestinationRule",
        metadata: metadata(svc.name, svc.namespace),
        spec: {
            host: fqdn(svc),
            trafficPolicy: {
                loadBalancer: { simple: svc.loadBalancer },
                connectionPool,
                outlierDetection: { ...OUTLIER_DETECTION },
                ...(uncaptured.length > 0 ? { portLevelSettings: uncaptured.map((number) => ({ port: { number }, tls: { mode: "DISABLE" } })) } : {}),
            },
        },
    };
}

/** Only services with a timeout get a VirtualService: it is where timeouts and retries live. */
export function virtualService(svc: ServiceSpec): Manifest | undefined {
    if (svc.timeoutMs === undefined || svc.protocol === "tcp") {
        return undefined;
    }
    const route: Record<string, unknown> = {
        route: [{ destination: { host: fqdn(svc), port: { number: svc.port } } }],
        timeout: formatDuration(svc.timeoutMs),
    };
    route.retries = svc.retries
        ? { attempts: svc.retries.attempts, perTryTimeout: formatDuration(svc.retries.perTryTimeoutMs), retryOn: svc.retries.retryOn.join(",") }
        : { attempts: 0 };
    return {
        apiVersion: NETWORKING_API,
        kind: "VirtualService",
        metadata: metadata(svc.name, svc.namespace),
        spec: { hosts: [fqdn(svc)], http: [route] },
    };
}

/**
 * One Sidecar per injected namespace: its proxies only learn the hosts they call (own namespace,
 * the control plane, and the catalog services their workloads are declared callers of).
 */
export function sidecars(mesh: MeshModel, topology: Topology): Manifest[] {
    return topology.injectedNamespaces.map((ns): Manifest => {
        // Hosts in this namespace and in the root namespace are already covered by the wildcards.
        const remote = topology
            .calleesFrom(ns)
            .filter((svc) => svc.namespace !== ns && svc.namespace !== MESH_ROOT_NAMESPACE)
            .map((svc) => `${svc.namespace}/${fqdn(svc)}`);
        return {
            apiVersion: NETWORKING_API,
            kind: "Sidecar",
            metadata: metadata("default", ns),
            spec: {
                egress: [{ hosts: ["./*", `${MESH_ROOT_NAMESPACE}/*`, ...[...new Set(remote)].sort()] }],
                outboundTrafficPolicy: { mode: mesh.outboundPolicy },
            },
        };
    });
}
