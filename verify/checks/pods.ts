/**
 * The slice of the Kubernetes Pod and Namespace objects the mesh checks read (core/v1; field names from the API
 * reference https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/), and how a pod's sidecar
 * is recognised:
 * - a regular container named `istio-proxy`, or
 * - a native sidecar: an init container named `istio-proxy` with `restartPolicy: Always` (Kubernetes 1.28+ sidecar
 *   containers; Istio injects this form when ENABLE_NATIVE_SIDECARS is on or auto-detected).
 * Istio records the injection in the `sidecar.istio.io/status` annotation, a JSON object whose `revision` is the
 * control-plane revision that injected it (istio/istio pkg/kube/inject/inject.go `SidecarInjectionStatus`).
 */
import { REVISION_LABEL, SIDECAR_INJECT_ANNOTATION } from "../../model/wellknown";

export const SIDECAR_CONTAINER = "istio-proxy";
export const SIDECAR_STATUS_ANNOTATION = "sidecar.istio.io/status";

export interface ObjectMeta {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
    readonly creationTimestamp?: string;
}

export interface Pod {
    readonly metadata: ObjectMeta;
    readonly spec?: {
        readonly containers?: readonly { readonly name: string }[];
        readonly initContainers?: readonly { readonly name: string; readonly restartPolicy?: string }[];
        readonly hostNetwork?: boolean;
    };
    readonly status?: { readonly phase?: string };
}

export interface Namespace {
    readonly metadata: ObjectMeta;
}

export type SidecarKind = "container" | "native" | undefined;

export function sidecarKind(pod: Pod): SidecarKind {
    if ((pod.spec?.containers ?? []).some((c) => c.name === SIDECAR_CONTAINER)) {
        return "container";
    }
    if ((pod.spec?.initContainers ?? []).some((c) => c.name === SIDECAR_CONTAINER && c.restartPolicy === "Always")) {
        return "native";
    }
    return undefined;
}

/** Why a pod deliberately has no sidecar, or undefined. */
export function optOutReason(pod: Pod): string | undefined {
    const v = pod.metadata.annotations?.[SIDECAR_INJECT_ANNOTATION] ?? pod.metadata.labels?.[SIDECAR_INJECT_ANNOTATION];
    if (v === "false") {
        return `${SIDECAR_INJECT_ANNOTATION}=false`;
    }
    if (pod.spec?.hostNetwork === true) {
        return "hostNetwork (never injected)";
    }
    return undefined;
}

/** The revision that injected the sidecar (from the status annotation), if recorded. */
export function injectedRevision(pod: Pod): string | undefined {
    const raw = pod.metadata.annotations?.[SIDECAR_STATUS_ANNOTATION];
    if (raw === undefined) return undefined;
    try {
        const rev = (JSON.parse(raw) as { revision?: unknown }).revision;
        return typeof rev === "string" && rev !== "" ? rev : undefined;
    } catch {
        return undefined;
    }
}

/** Pods that finished (Job pods) carry no traffic; only live ones are judged. */
export function isLive(pod: Pod): boolean {
    const phase = pod.status?.phase;
    return phase !== "Succeeded" && phase !== "Failed";
}

/** The workload that owns a pod, as `kind/name` (ReplicaSet → its Deployment via pod-template-hash). */
export function ownerOf(pod: Pod): { kind: string; name: string } | undefined {
    const owner = pod.metadata.ownerReferences?.[0];
    if (owner === undefined) return undefined;
    const hash = pod.metadata.labels?.["pod-template-hash"];
    if (owner.kind === "ReplicaSet" && hash !== undefined && owner.name.endsWith(`-${hash}`)) {
        return { kind: "Deployment", name: owner.name.slice(0, -(hash.length + 1)) };
    }
    return { kind: owner.kind, name: owner.name };
}

/** `kubectl rollout restart` applies to these kinds. */
const RESTARTABLE = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

export function restartCommand(namespace: string, owner: { kind: string; name: string } | undefined): string | undefined {
    return owner !== undefined && RESTARTABLE.has(owner.kind) ? `kubectl -n ${namespace} rollout restart ${owner.kind.toLowerCase()}/${owner.name}` : undefined;
}

export { REVISION_LABEL };
