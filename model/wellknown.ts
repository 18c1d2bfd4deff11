/**
 * Facts several components must agree on: names, identities and ports of the platform's own workloads.
 * Each fact lives here once; components and tests import it rather than repeating the literal.
 */

/** Istio's root namespace: mesh-wide policies live here, and so do istiod, Jaeger and Kiali. */
export const MESH_ROOT_NAMESPACE = "istio-system";

/** Ports Istio's control plane and sidecars listen on (Istio "Ports used by Istio"). */
export const ISTIO_PORTS = {
    /** istiod XDS and CA over mTLS: every sidecar connects here. */
    istiodXds: 15012,
    /** istiod's own Prometheus metrics (http-monitoring). */
    istiodMonitoring: 15014,
    /** istiod webhook (sidecar injection, validation). */
    istiodWebhook: 15017,
    /** Envoy's Prometheus telemetry (`/stats/prometheus`). */
    envoyStats: 15090,
    /** istio-agent's merged Prometheus telemetry (app + Envoy + agent). */
    mergedMetrics: 15020,
    /** Health checks answered by the sidecar. */
    sidecarHealth: 15021,
} as const;

/** Label and annotation that switch sidecar injection, e.g. off for run-to-completion Jobs. */
export const SIDECAR_INJECT_ANNOTATION = "sidecar.istio.io/inject";
/** Pod-template annotation keyed to the active Istio revision: changing it rolls the pods, so they get the new sidecar. */
export const SIDECAR_REVISION_ANNOTATION = "platform.254carbon.io/sidecar-revision";
/** Istio's per-pod list of ports its sidecar leaves uncaptured inbound (annotation.SidecarTrafficExcludeInboundPorts). */
export const EXCLUDE_INBOUND_PORTS_ANNOTATION = "traffic.sidecar.istio.io/excludeInboundPorts";
export const REVISION_LABEL = "istio.io/rev";

/** The Kong gateway's identity in the mesh and its listeners. */
export const GATEWAY = {
    namespace: "kong",
    app: "kong",
    serviceAccount: "kong",
    proxyService: "kong-proxy",
    /** ClusterIP Service of the status listener, scraped by Prometheus through its port named `statusPortName`. */
    statusService: "kong-status",
    statusPortName: "status",
    ports: {
        proxyHttp: 8000,
        proxyHttps: 8443,
        /** The Admin API, on the pod's loopback only (KONG_ADMIN_LISTEN): no Service or pod-network policy names it. */
        admin: 8001,
        status: 8100,
    },
    /** Ports the Kubernetes Services expose for the proxy. */
    servicePorts: { http: 80, https: 443 },
    /** Label shared by every pod that talks to PostgreSQL (Kong and its migrations Jobs). */
    clientLabels: { "app.kubernetes.io/name": "kong" },
} as const;

/**
 * Where the monitoring stack runs by default. Who Prometheus is (labels, service account) depends on how it is
 * installed: that is model/workloads.ts (`workloads.byKey.prometheus`), never a literal here.
 */
export const MONITORING = {
    namespace: "monitoring",
} as const;

/** Kubernetes cluster DNS suffix used to build in-cluster URLs. */
export const CLUSTER_DOMAIN = "cluster.local";

/** In-cluster DNS name of a Service. */
export function serviceHost(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** SPIFFE-style principal Istio gives a workload's service account. */
export function principal(namespace: string, serviceAccount: string): string {
    return `${CLUSTER_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Labels on every Kubernetes object this program declares, so `kubectl get -l` finds them. */
export const COMMON_LABELS = {
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "254carbon-service-integration",
} as const;

/** A Kubernetes manifest as the program declares it (plain data, validated against upstream schemas in tests). */
export interface Manifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace?: string;
        readonly labels?: Readonly<Record<string, string>>;
        readonly annotations?: Readonly<Record<string, string>>;
    };
    readonly spec?: unknown;
}

export function metadata(name: string, namespace?: string, labels: Record<string, string> = {}): Manifest["metadata"] {
    return namespace === undefined ? { name, labels: { ...COMMON_LABELS, ...labels } } : { name, namespace, labels: { ...COMMON_LABELS, ...labels } };
}
