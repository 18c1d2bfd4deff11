/**
 * Kong's Admin API is configured through a port-forward the Kong provider opens itself: before anything changes, the
 * stack's Kubernetes identity must reach the API server and hold `list pods` and `get`+`create pods/portforward` in Kong's
 * namespace (a SelfSubjectAccessReview each, components/gateway/kong/tunnel.ts). No Kong pod needs to exist yet: on a
 * fresh environment the Deployment is created by the same `up`, and the Kong entities wait for it. When a Kong pod is
 * ready, the port-forward itself is tried and the Admin API must answer HTTP through it.
 */
import { kongTunnelTarget } from "../components/gateway";
import { checkTunnelPermissions, findReadyPod, KongTunnelForbiddenError, loadKubeConfig, withTunnel } from "../components/gateway/kong/tunnel";
import { request, Unreachable } from "../verify/http";
import { API_UNASKED, PreflightProblem } from "./problem";

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
        if ((await findReadyPod(kc, tunnel)).pod === undefined) {
            return [];
        }
        return await adminAnswers(tunnel, endpoint);
    } catch (e) {
        if (e instanceof KongTunnelForbiddenError) {
            return [{ endpoint, key: "service-integration:kubernetes.context", problem: e.message.split(". Configuring")[0], fix: `grant get and create on pods/portforward and list on pods in namespace ${tunnel.namespace} to this identity` }];
        }
        return [{ endpoint, key: "service-integration:kubernetes", problem: `${API_UNASKED} (${(e as Error).message})`, fix: "check kubernetes.context and the kubeconfig, and that the API server is reachable from here" }];
    }
}

/** Any HTTP answer of the Admin API through the port-forward (its status does not matter: it answered). */
async function adminAnswers(tunnel: Parameters<typeof withTunnel>[0], endpoint: string): Promise<PreflightProblem[]> {
    try {
        await withTunnel(tunnel, (url) => request(`${url}/status`, { timeoutMs: 10_000 }));
        return [];
    } catch (e) {
        const reason = e instanceof Unreachable ? e.reason : (e as Error).message;
        return [
            {
                endpoint,
                key: "service-integration:gateway.admin",
                problem: `the port-forward opened but the Admin API did not answer through it (${reason})`,
                fix: `check that Kong listens on 127.0.0.1:${tunnel.port} inside the pod (KONG_ADMIN_LISTEN) and the pod's logs`,
            },
        ];
    }
}
