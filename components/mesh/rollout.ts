import { Catalog } from "../../model/catalog";
import { MeshModel } from "../../model/mesh";
import { SIDECAR_REVISION_ANNOTATION } from "../../model/wellknown";

/**
 * Sidecar coverage for workloads this program does not own: the seed injected only 3 pods because existing
 * Deployments were never restarted. Each Deployment the catalog names in an injected namespace gets a patch of
 * one pod-template annotation keyed to the active revision, so a new revision (or first injection) rolls it
 * exactly once, and nothing else about the Deployment is touched.
 */

/** Pod-template annotation whose change makes Kubernetes roll the Deployment (one definition, in model/wellknown.ts). */
export { SIDECAR_REVISION_ANNOTATION };

export interface RolloutPatch {
    readonly namespace: string;
    readonly deployment: string;
    readonly revision: string;
}

export function sidecarRollouts(mesh: MeshModel, catalog: Catalog): RolloutPatch[] {
    const seen = new Set<string>();
    // Only pods that get a sidecar; a workload run by an operator has no `deployment` (model/workloads.ts bindWorkloads).
    return catalog.services
        .filter((svc) => svc.sidecar && svc.deployment !== undefined)
        .map((svc) => ({ namespace: svc.namespace, deployment: svc.deployment!, revision: mesh.active.name }))
        .filter((p) => {
            const key = `${p.namespace}/${p.deployment}`;
            return seen.has(key) ? false : (seen.add(key), true);
        });
}

/**
 * The server-side-apply patch body: only the annotation. (No `istio.io/rev` pod label: pods must keep following
 * the namespace's revision tag, which is what a canary switch moves.)
 */
export function rolloutPatchSpec(patch: RolloutPatch): { template: { metadata: { annotations: Record<string, string> } } } {
    return { template: { metadata: { annotations: { [SIDECAR_REVISION_ANNOTATION]: patch.revision } } } };
}
