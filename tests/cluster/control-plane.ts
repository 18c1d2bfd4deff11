/**
 * The local control plane of scripts/cluster/cluster.sh from a test: whether its binaries are built, start/stop, and a
 * bounded kubectl against it. Each call names the script that builds what is missing.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO } from "../e2e/pulumi-cli";

const CLUSTER_SH = path.join(REPO, "scripts/cluster/cluster.sh");
const TOOLS_BIN = spawnSync("bash", [path.join(REPO, "scripts/tools/env.sh"), "--bin"], { encoding: "utf8" }).stdout.trim();
const REQUIRED = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok", "pulumi-resource-kubernetes"];

/** A string naming what is missing and the script that builds it, or undefined when every binary is there. */
export function missingClusterTools(): string | undefined {
    const missing = REQUIRED.filter((b) => !fs.existsSync(path.join(TOOLS_BIN, b)));
    return missing.length === 0 ? undefined : `${missing.join(", ")} not built in ${TOOLS_BIN}: run scripts/tools/install-cluster.sh (about 15 min cold, cached after)`;
}

export interface ControlPlane {
    readonly stateDir: string;
    readonly adminKubeconfig: string;
    readonly restrictedKubeconfig: string;
    readonly server: string;
}

function clusterSh(args: readonly string[], env: NodeJS.ProcessEnv): string {
    const r = spawnSync("bash", [CLUSTER_SH, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 180_000 });
    if (r.status !== 0) {
        throw new Error(`cluster.sh ${args.join(" ")} exited ${r.status}:\n${r.stderr.slice(-4000)}`);
    }
    return r.stdout;
}

/**
 * Ports of one control plane. Test files run in parallel processes, each with its own control plane: the ports
 * are derived from the process id so two never collide (cluster.sh's defaults, 6443 etc., stay for people).
 */
function portsFor(pid: number): Record<string, string> {
    const base = 20_000 + (pid % 1_500) * 8;
    return {
        CLUSTER_APISERVER_PORT: String(base),
        CLUSTER_ETCD_PORT: String(base + 1), // and base + 2, the peer port
        CLUSTER_KWOK_PORT: String(base + 3),
        CLUSTER_CM_PORT: String(base + 4),
        CLUSTER_SCHEDULER_PORT: String(base + 5),
    };
}

/** Starts (or reuses) the control plane in `stateDir` and returns where its kubeconfigs are. */
export function startControlPlane(stateDir: string, fresh = true): ControlPlane {
    const env: Record<string, string> = { CLUSTER_STATE_DIR: stateDir, ...portsFor(process.pid) };
    fs.writeFileSync(path.join(stateDir, "ports.json"), JSON.stringify(env));
    clusterSh(["start", ...(fresh ? ["--fresh"] : [])], env);
    return {
        stateDir,
        adminKubeconfig: path.join(stateDir, "admin.kubeconfig"),
        restrictedKubeconfig: path.join(stateDir, "restricted.kubeconfig"),
        server: `https://127.0.0.1:${env.CLUSTER_APISERVER_PORT}`,
    };
}

export function stopControlPlane(cp: ControlPlane): void {
    clusterSh(["stop"], JSON.parse(fs.readFileSync(path.join(cp.stateDir, "ports.json"), "utf8")) as Record<string, string>);
}

export interface KubectlResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** kubectl with the admin kubeconfig (or another), bounded; never throws. */
export function kubectl(cp: ControlPlane, args: readonly string[], opts: { input?: string; kubeconfig?: string; timeoutMs?: number } = {}): KubectlResult {
    const r = spawnSync(path.join(TOOLS_BIN, "kubectl"), [`--kubeconfig=${opts.kubeconfig ?? cp.adminKubeconfig}`, ...args], {
        encoding: "utf8",
        input: opts.input,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 256 * 1024 * 1024,
    });
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
}

/** kubectl that must succeed; the error carries kubectl's own message. */
export function kubectlOk(cp: ControlPlane, args: readonly string[], opts: { input?: string; kubeconfig?: string } = {}): string {
    const r = kubectl(cp, args, opts);
    if (r.code !== 0) {
        throw new Error(`kubectl ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
    }
    return r.stdout;
}

/** Every object of a kind (all namespaces), as parsed JSON items. */
export function listObjects(cp: ControlPlane, resource: string): Record<string, unknown>[] {
    const out = kubectlOk(cp, ["get", resource, "-A", "-o", "json"]);
    return (JSON.parse(out) as { items: Record<string, unknown>[] }).items;
}

/** The path of the cached provider binary (for `pulumi plugin install --file`). */
export function kubernetesProviderBinary(): string {
    return fs.realpathSync(path.join(TOOLS_BIN, "pulumi-resource-kubernetes"));
}
