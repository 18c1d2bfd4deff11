/**
 * Kong's Admin API is configured through a port-forward the Kong provider opens itself: before anything changes, the
 * stack's Kubernetes identity must reach the API server and hold `list pods` and `get`+`create pods/portforward` in Kong's
 * namespace (a SelfSubjectAccessReview each, components/gateway/kong/tunnel.ts). No Kong pod needs to exist yet: on a
 * fresh environment the Deployment is created by the same `up`, and the Kong entities wait for it.
 */
import { kongTunnelTarget } from "../components/gateway";
import { checkTunnelPermissions, KongTunnelForbiddenError, loadKubeConfig } from "../components/gateway/kong/tunnel";
import { PreflightProblem } from "./problem";

export interface KongAccess {
    readonly kubeconfig?: string;
    readonly kubeconfigPath?: string;
    readonly context: string;
}

export async function kongAccessPreflight(a: KongAccess): Promise<PreflightProblem[]> {
    const tunnel = { ...kongTunnelTarget(), ...a };
    const endpoint = `the Kubernetes API of context ${a.context} (port-forward to ${tunnel.namespace}/${tunnel.selector}:${tunnel.port})`;
    try {
        const kc = loadKubeConfig(tunnel);
        await checkTunnelPermissions(kc, tunnel);
        return [];
    } catch (e) {
        if (e instanceof KongTunnelForbiddenError) {
            return [{ endpoint, key: "service-integration:kubernetes.context", problem: e.message.split(". Configuring")[0], fix: `grant get and create on pods/portforward and list on pods in namespace ${tunnel.namespace} to this identity` }];
        }
        return [{ endpoint, key: "service-integration:kubernetes", problem: `the API server could not be asked (${(e as Error).message})`, fix: "check kubernetes.context and the kubeconfig, and that the API server is reachable from here" }];
    }
}
