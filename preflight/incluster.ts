/** Names only the cluster's DNS resolves: `<svc>.<ns>.svc[.<domain>]` and `*.cluster.local`. */
export function isInClusterName(host: string): boolean {
    return /\.svc(\.[a-z0-9.-]+)?\.?$/i.test(host) || /\.cluster\.local\.?$/i.test(host);
}

export const RUNNER_HINT =
    "or run preview and up on a runner inside the cluster's network (the workflows' `runner` input)";
