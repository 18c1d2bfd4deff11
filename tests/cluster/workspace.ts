/**
 * The real program in an isolated Pulumi workspace against the local control plane: a copy of the project's tracked
 * files (node_modules, the extracted Istio charts and the control plane's kubeconfigs linked in), the real
 * Kubernetes provider installed into the workspace's own PULUMI_HOME, and stack `local`. Nothing of the checkout is
 * written: `pulumi stack init` and `config set` change only the copy's Pulumi.local.yaml.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandResult, PulumiTools, PulumiWorkspace, REPO } from "../e2e/pulumi-cli";
import { ControlPlane, kubernetesProviderBinary } from "./control-plane";

export const LOCAL_STACK = "local";
/** The npm @pulumi/kubernetes version the provider binary is labelled with (scripts/tools/versions.sh). */
const PROVIDER_VERSION = (/^K8S_PROVIDER_VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(REPO, "scripts/tools/versions.sh"), "utf8")) ?? [])[1];

function copyTrackedFiles(to: string): void {
    const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" }).stdout.split("\0").filter((f) => f !== "");
    for (const f of files) {
        const from = path.join(REPO, f);
        if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) {
            continue;
        }
        fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
        fs.copyFileSync(from, path.join(to, f));
    }
}

export class LocalStack {
    readonly ws: PulumiWorkspace;

    private readonly server: string;

    /** `extraEnv`: more of the CLI's own settings (the workspace passes no PULUMI_* variable of the caller's). */
    constructor(tools: PulumiTools, passphrase: string, cp: ControlPlane, istioCharts: string, extraEnv: Readonly<Record<string, string>> = {}) {
        this.server = cp.server;
        // Only plugins installed into the workspace's PULUMI_HOME: never a pulumi-resource-kubernetes found on PATH.
        // Transpile only (Pulumi's run.js reads PULUMI_NODEJS_TRANSPILE_ONLY): `npm run typecheck` type-checks the
        // program once per run; type-checking again in every CLI command costs seconds each.
        this.ws = new PulumiWorkspace(tools, passphrase, { PULUMI_IGNORE_AMBIENT_PLUGINS: "true", PULUMI_NODEJS_TRANSPILE_ONLY: "true", ...extraEnv });
        const dir = this.ws.projectDir;
        copyTrackedFiles(dir);
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
        fs.mkdirSync(path.join(dir, "out"), { recursive: true });
        fs.symlinkSync(cp.stateDir, path.join(dir, "out/cluster"));
        fs.symlinkSync(istioCharts, path.join(dir, "out/istio-charts"));
    }

    get projectDir(): string {
        return this.ws.projectDir;
    }

    /** Installs the provider plugin, creates the stack and sets its one secret (never written in plaintext). */
    async init(databasePassword: string): Promise<void> {
        if (PROVIDER_VERSION === undefined) {
            throw new Error("K8S_PROVIDER_VERSION is not set in scripts/tools/versions.sh");
        }
        await this.ws.run(["plugin", "install", "resource", "kubernetes", `v${PROVIDER_VERSION}`, "--file", kubernetesProviderBinary()]);
        await this.ws.run(["stack", "init", LOCAL_STACK]);
        await this.ws.run(["config", "set", "--secret", "service-integration:kongDatabasePassword"], { stdin: databasePassword });
        // This control plane's port (test processes each run their own); the kubeconfig check compares it.
        await this.setConfig("kubernetes.server", this.server, { path: true });
    }

    run(args: readonly string[], opts: { timeoutMs?: number; allowFailure?: boolean; stdin?: string } = {}): Promise<CommandResult> {
        return this.ws.run([...args, "--stack", LOCAL_STACK], { timeoutMs: opts.timeoutMs ?? 900_000, ...opts });
    }

    setConfig(key: string, value: string, opts: { path?: boolean } = {}): Promise<CommandResult> {
        return this.run(["config", "set", ...(opts.path ? ["--path"] : []), `service-integration:${key}`, value]);
    }

    dispose(): void {
        this.ws.dispose();
    }
}

/** The step operations of a `pulumi preview --json` (URN → op), without the stack and provider bookkeeping. */
export function previewSteps(json: string): { urn: string; op: string; type: string }[] {
    const parsed = JSON.parse(json) as { steps?: { urn: string; op: string; newState?: { type: string }; oldState?: { type: string } }[] };
    return (parsed.steps ?? [])
        .map((s) => ({ urn: s.urn, op: s.op, type: s.newState?.type ?? s.oldState?.type ?? "" }))
        .filter((s) => s.op !== "same" && !s.type.startsWith("pulumi:"));
}
