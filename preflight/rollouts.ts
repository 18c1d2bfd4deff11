/**
 * The Deployments the mesh rolls for sidecar coverage (components/mesh/rollout.ts) are the platform's own services,
 * deployed by their teams, not by this program. A roll-out patch of a Deployment that does not exist would reach
 * the API server as a server-side apply of a partial Deployment, which fails late and obscurely ("spec.selector:
 * Required value") or, worse, creates half an object. So before anything changes, each one must exist.
 */
import { clientNode, loadKubeConfig } from "../components/gateway/kong/tunnel";
import { RolloutPatch } from "../components/mesh/rollout";
import { API_UNASKED, PreflightProblem } from "./problem";

export interface RolloutTargets {
    readonly kubeconfig?: string;
    readonly kubeconfigPath?: string;
    readonly context: string;
    readonly deployments: readonly RolloutPatch[];
}

export async function rolloutPreflight(t: RolloutTargets): Promise<PreflightProblem[]> {
    if (t.deployments.length === 0) {
        return [];
    }
    const kc = loadKubeConfig(t);
    const apps = kc.makeApiClient(clientNode().AppsV1Api);
    const endpoint = `the Kubernetes API of context ${t.context}`;
    const results = await Promise.all(
        t.deployments.map(async (d): Promise<{ d: RolloutPatch; code?: number; error?: string }> => {
            try {
                await apps.readNamespacedDeployment({ name: d.deployment, namespace: d.namespace });
                return { d };
            } catch (e) {
                // An HTTP answer carries its status as a number; a connection error carries a string (ECONNREFUSED).
                const code = (e as { code?: unknown }).code;
                return { d, code: typeof code === "number" ? code : undefined, error: (e as Error).message };
            }
        }),
    );
    // An API server that cannot be asked is one problem, not one per Deployment.
    const unasked = results.find((r) => r.error !== undefined && r.code === undefined);
    if (unasked !== undefined) {
        return [{ endpoint, key: "service-integration:kubernetes", problem: `${API_UNASKED} (${unasked.error})`, fix: "check kubernetes.context and the kubeconfig, and that the API server is reachable from here" }];
    }
    const found = results.map(({ d, code }): PreflightProblem | undefined =>
        code === undefined
            ? undefined
            : {
                  endpoint,
                  key: "service-integration:catalog",
                  problem: code === 404 ? `Deployment ${d.namespace}/${d.deployment} does not exist, so its sidecar roll-out cannot be applied` : `Deployment ${d.namespace}/${d.deployment} could not be read (HTTP ${code})`,
                  fix: "deploy the service first, or correct (or remove) the `deployment` of its catalog entry",
              },
    );
    return found.filter((p): p is PreflightProblem => p !== undefined);
}
