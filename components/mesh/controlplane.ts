import * as path from "path";
import { MeshModel, MeshRevision } from "../../model/mesh";
import { DEFAULT_TRACE_STORAGE, TraceStorage } from "../../model/observability";
import { HELM_REPOS, JAEGER } from "../../model/versions";
import { Manifest, MESH_ROOT_NAMESPACE, metadata, serviceHost } from "../../model/wellknown";
import { storageValues } from "./jaeger-storage";

/**
 * Helm releases of the mesh control plane and its tools, as plain data (chart, version, values):
 * the component turns them into `helm.v3.Release`s and the offline plan prints them as they are.
 */
export interface HelmReleaseSpec {
    /** Helm release name in the cluster. */
    readonly name: string;
    /** Chart name as published (base, cni, istiod, jaeger, kiali-server). */
    readonly chart: string;
    readonly version: string;
    /** Helm repository URL, when the chart comes from one. */
    readonly repo?: string;
    /** Local chart folder, when the chart comes from a directory (then `repo` is unset). */
    readonly path?: string;
    readonly namespace: string;
    readonly values: Record<string, unknown>;
}

/** Name of the mesh's OTLP tracing provider in meshConfig, referenced by the Telemetry resource. */
export const TRACING_PROVIDER = "jaeger-otlp";
/** Service names the Jaeger and Kiali charts create (pinned with fullnameOverride / instance_name). */
export const JAEGER_SERVICE = "jaeger";
export const KIALI_SERVICE = "kiali";
export const KIALI_PORT = 20001;

/** Where an Istio chart is installed from: Istio's repository, or the stack's chart directory. */
function istioChart(mesh: MeshModel, chart: "base" | "cni" | "istiod"): Pick<HelmReleaseSpec, "chart" | "repo" | "path"> {
    return mesh.charts.kind === "directory" ? { chart, path: path.join(mesh.charts.directory, chart) } : { chart, repo: HELM_REPOS.istio };
}

export function istioBase(mesh: MeshModel): HelmReleaseSpec {
    return {
        name: "istio-base",
        ...istioChart(mesh, "base"),
        version: mesh.active.release.version,
        namespace: MESH_ROOT_NAMESPACE,
        // The default revision owns the cluster-wide validating webhook.
        values: { defaultRevision: mesh.active.name },
    };
}

export function istioCni(mesh: MeshModel): HelmReleaseSpec {
    return {
        name: "istio-cni",
        ...istioChart(mesh, "cni"),
        version: mesh.active.release.version,
        namespace: MESH_ROOT_NAMESPACE,
        values: {
            // istio-cni replaces the privileged istio-init container, so app pods need no NET_ADMIN.
            revision: mesh.active.name,
            logging: { level: "info" },
        },
    };
}

export function istiod(mesh: MeshModel, revision: MeshRevision): HelmReleaseSpec {
    const isActive = revision.name === mesh.active.name;
    return {
        name: `istiod-${revision.name}`,
        ...istioChart(mesh, "istiod"),
        version: revision.release.version,
        namespace: MESH_ROOT_NAMESPACE,
        values: {
            revision: revision.name,
            // The tag namespaces carry points at the active revision only; moving it is a canary switch-over.
            revisionTags: isActive ? [mesh.revisionTag] : [],
            // Since Istio 1.24 the istiod chart's settings are top-level (no `pilot.` prefix).
            autoscaleEnabled: false,
            replicaCount: mesh.istiodReplicas,
            cni: { enabled: true },
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
            global: {
                proxy: {
                    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                },
            },
            meshConfig: {
                accessLogFile: "/dev/stdout",
                accessLogEncoding: "JSON",
                enablePrometheusMerge: true,
                outboundTrafficPolicy: { mode: mesh.outboundPolicy },
                defaultConfig: {
                    holdApplicationUntilProxyStarts: true,
                    // The sidecar answers DNS and istiod allocates addresses for ServiceEntries, so a TCP
                    // ServiceEntry (the external PostgreSQL) gets its own address instead of a 0.0.0.0:port listener.
                    proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true", ISTIO_META_DNS_AUTO_ALLOCATE: "true" },
                },
                extensionProviders: [
                    {
                        name: TRACING_PROVIDER,
                        opentelemetry: { service: serviceHost(JAEGER_SERVICE, MESH_ROOT_NAMESPACE), port: JAEGER.otlpGrpcPort },
                    },
                ],
            },
        },
    };
}

/**
 * Jaeger v2 with persistent storage (components/mesh/jaeger-storage.ts): Badger on a PersistentVolumeClaim by default,
 * or the external Elasticsearch/OpenSearch/Cassandra the stack selects (`observability.traces`), with its retention.
 */
export function jaeger(traces: TraceStorage = DEFAULT_TRACE_STORAGE): HelmReleaseSpec {
    const storage = storageValues(traces);
    return {
        name: "jaeger",
        chart: "jaeger",
        version: JAEGER.chart,
        repo: HELM_REPOS.jaeger,
        namespace: MESH_ROOT_NAMESPACE,
        values: {
            fullnameOverride: JAEGER_SERVICE,
            jaeger: {
                image: { tag: JAEGER.appVersion, pullPolicy: "IfNotPresent" },
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                ...storage.jaeger,
            },
            ...storage.top,
        },
    };
}

export function kiali(mesh: MeshModel): HelmReleaseSpec {
    const release = mesh.active.release;
    return {
        name: "kiali-server",
        chart: "kiali-server",
        version: release.kialiChart,
        repo: HELM_REPOS.kiali,
        namespace: MESH_ROOT_NAMESPACE,
        values: {
            auth: { strategy: "token" },
            deployment: {
                instance_name: KIALI_SERVICE,
                // Pinned to the chart's own release: an image tag that exists, never `latest`.
                image_name: "quay.io/kiali/kiali",
                image_version: release.kialiImage,
                image_pull_policy: "IfNotPresent",
                resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
            },
            external_services: {
                istio: { root_namespace: MESH_ROOT_NAMESPACE },
                prometheus: { url: mesh.prometheusUrl },
                tracing: {
                    enabled: true,
                    provider: "jaeger",
                    use_grpc: true,
                    internal_url: `http://${serviceHost(JAEGER_SERVICE, MESH_ROOT_NAMESPACE)}:${JAEGER.queryGrpcPort}`,
                },
            },
        },
    };
}

/** Mesh-default Telemetry: traces to the OTLP provider at the configured sampling rate, Envoy access logs on. */
export function meshTelemetry(mesh: MeshModel): Manifest {
    return {
        apiVersion: "telemetry.istio.io/v1",
        kind: "Telemetry",
        metadata: metadata("mesh-default", MESH_ROOT_NAMESPACE),
        spec: {
            tracing: [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: mesh.tracingSamplingPercent }],
            accessLogging: [{ providers: [{ name: "envoy" }] }],
        },
    };
}

/** In-cluster URLs other stacks consume. */
export function meshUrls(): { tracing: string; kiali: string; otlp: string } {
    return {
        tracing: `http://${serviceHost(JAEGER_SERVICE, MESH_ROOT_NAMESPACE)}:${JAEGER.queryHttpPort}`,
        kiali: `http://${serviceHost(KIALI_SERVICE, MESH_ROOT_NAMESPACE)}:${KIALI_PORT}`,
        otlp: `http://${serviceHost(JAEGER_SERVICE, MESH_ROOT_NAMESPACE)}:${JAEGER.otlpGrpcPort}`,
    };
}
