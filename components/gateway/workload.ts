import { ContainerResources } from "../../model/gateway";
import { EXCLUDE_INBOUND_PORTS_ANNOTATION, GATEWAY, principal, SIDECAR_REVISION_ANNOTATION } from "../../model/wellknown";
import { WorkloadsModel } from "../../model/workloads";

/**
 * Scratch space every gateway container may use (Kong's nginx prefix and /tmp are emptyDirs, PostgreSQL's
 * runtime files): requested so the scheduler counts it, limited so a runaway log cannot fill the node.
 */
export const EPHEMERAL_STORAGE = { request: "128Mi", limit: "1Gi" } as const;

export function withEphemeralStorage(r: ContainerResources): { requests: Record<string, string>; limits: Record<string, string> } {
    return {
        requests: { ...r.requests, "ephemeral-storage": EPHEMERAL_STORAGE.request },
        limits: { ...r.limits, "ephemeral-storage": EPHEMERAL_STORAGE.limit },
    };
}

/**
 * What the Kong pods need from the mesh and the edge (the rest of the Deployment is in index.ts):
 * - the active revision as a pod-template annotation, so a revision change rolls Kong onto the new sidecar;
 * - the proxy ports left uncaptured by the sidecar (Istio's `traffic.sidecar.istio.io/excludeInboundPorts`),
 *   so Kong sees the connecting address rather than the sidecar's 127.0.0.6;
 * - `trusted_ips` / `real_ip_header` (kong.conf) for the load balancer's range, so that address becomes the
 *   client's (per-IP rate limits are per client, not one bucket).
 */
export function kongPodAnnotations(meshRevision: string | undefined): Record<string, string> {
    if (meshRevision === undefined) {
        return {};
    }
    return {
        [SIDECAR_REVISION_ANNOTATION]: meshRevision,
        [EXCLUDE_INBOUND_PORTS_ANNOTATION]: [GATEWAY.ports.proxyHttp, GATEWAY.ports.proxyHttps].join(","),
    };
}

export function clientAddressEnv(edge: WorkloadsModel["edge"]): { name: string; value: string }[] {
    if (edge === undefined) {
        return [];
    }
    return [
        { name: "KONG_TRUSTED_IPS", value: edge.cidrs.join(",") },
        { name: "KONG_REAL_IP_HEADER", value: edge.realIpHeader },
        { name: "KONG_REAL_IP_RECURSIVE", value: "on" },
    ];
}

/** Prometheus as the gateway's policies name it: its pods' real labels, namespace and mesh principal. */
export function prometheusScraper(workloads: WorkloadsModel): { peer: Record<string, unknown>; principal: string } {
    const prom = workloads.byKey.prometheus;
    return {
        peer: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": prom.namespace } }, podSelector: { matchLabels: { ...prom.podLabels } } },
        principal: principal(prom.namespace, prom.serviceAccount),
    };
}
