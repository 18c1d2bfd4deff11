/**
 * Runs the real Pulumi CLI (built by scripts/tools/install-pulumi.sh) from a test: finds the tools, builds an isolated
 * workspace (file:// backend, passphrase secrets, throwaway PULUMI_HOME, our dynamic-provider launcher first on PATH)
 * and runs bounded commands without blocking the event loop — so an in-process server (the fake Kong) keeps
 * answering the provider while the CLI runs.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "../..");
const TOOLS = path.join(REPO, "scripts/tools");
/** Our `pulumi-resource-pulumi-nodejs` (scripts/tools), the launcher of Node.js dynamic providers. */
export const DYNAMIC_PROVIDER_LAUNCHER = path.join(TOOLS, "pulumi-resource-pulumi-nodejs");

export interface PulumiTools {
    /** Directory holding `pulumi` and `pulumi-language-nodejs`. */
    readonly binDir: string;
    readonly pulumi: string;
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/**
 * The CLI and the Node.js language host: first in the tools bin dir (`scripts/tools/env.sh --bin`, where
 * install-pulumi.sh links them), then on PATH. A string says what is missing.
 */
export function findPulumiTools(): PulumiTools | string {
    const envBin = spawnSync("bash", [path.join(TOOLS, "env.sh"), "--bin"], { encoding: "utf8" });
    const dirs = [envBin.status === 0 ? envBin.stdout.trim() : "", ...(process.env.PATH ?? "").split(path.delimiter)].filter((d) => d !== "");
    for (const dir of dirs) {
        if (isExecutable(path.join(dir, "pulumi")) && isExecutable(path.join(dir, "pulumi-language-nodejs"))) {
            return { binDir: dir, pulumi: path.join(dir, "pulumi") };
        }
    }
    return `the Pulumi CLI and Node.js language host (pulumi, pulumi-language-nodejs) are not built: looked in ${dirs[0] ?? "(no tools dir)"} and on PATH`;
}

function sameFile(a: string, b: string): boolean {
    try {
        return fs.readFileSync(a).equals(fs.readFileSync(b));
    } catch {
        return false;
    }
}

export interface CommandResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

/** An isolated Pulumi workspace in a temp dir: project dir, file backend, PULUMI_HOME, launcher bin dir. */
export class PulumiWorkspace {
    readonly root: string;
    readonly projectDir: string;
    readonly launcherLog: string;
    private readonly env: NodeJS.ProcessEnv;
    /** Process groups of commands still running (killed by dispose, e.g. after a failed assertion). */
    private readonly running = new Set<number>();

    constructor(
        readonly tools: PulumiTools,
        readonly passphrase: string,
        extraEnv: Readonly<Record<string, string>> = {},
    ) {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "254carbon-e2e-"));
        this.projectDir = path.join(this.root, "project");
        const launcherBin = path.join(this.root, "bin");
        for (const dir of [this.projectDir, launcherBin, path.join(this.root, "state"), path.join(this.root, "home")]) {
            fs.mkdirSync(dir, { recursive: true });
        }
        // The engine prefers a plugin on PATH over the copy next to the CLI: this puts our launcher first, unless the
        // tools dir holds it already (then the engine has nothing to warn about).
        if (!sameFile(path.join(tools.binDir, "pulumi-resource-pulumi-nodejs"), DYNAMIC_PROVIDER_LAUNCHER)) {
            fs.symlinkSync(DYNAMIC_PROVIDER_LAUNCHER, path.join(launcherBin, "pulumi-resource-pulumi-nodejs"));
        }
        this.launcherLog = path.join(this.root, "launcher.log");

        const env: NodeJS.ProcessEnv = {};
        for (const [k, v] of Object.entries(process.env)) {
            // Nothing of the caller's Pulumi setup (backend, token, passphrase) and nothing of the test runner's
            // Node options leaks into the CLI, its language host or the program.
            if (!k.startsWith("PULUMI_") && !k.startsWith("VITEST") && k !== "NODE_OPTIONS" && k !== "NODE_ENV") {
                env[k] = v;
            }
        }
        this.env = {
            ...env,
            PATH: [launcherBin, tools.binDir, process.env.PATH ?? ""].join(path.delimiter),
            PULUMI_HOME: path.join(this.root, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(this.root, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: passphrase,
            // What scripts/tools/env.sh exports: no network, no plugin downloads.
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            PULUMI_NODEJS_LAUNCHER_LOG: this.launcherLog,
            NO_COLOR: "1",
            ...extraEnv,
        };
    }

    /**
     * Runs `pulumi <args>` in the project dir, killing its whole process group (CLI, language host, node program,
     * provider) after `timeoutMs`. Rejects on a non-zero exit unless `allowFailure`, with the output's tail.
     */
    run(args: readonly string[], opts: { timeoutMs?: number; allowFailure?: boolean; stdin?: string } = {}): Promise<CommandResult> {
        const timeoutMs = opts.timeoutMs ?? 180_000;
        const started = Date.now();
        return new Promise((resolve, reject) => {
            const child = spawn(this.tools.pulumi, [...args, "--non-interactive", "--color", "never"], {
                cwd: this.projectDir,
                env: this.env,
                detached: true,
                stdio: ["pipe", "pipe", "pipe"],
            });
            const pid = child.pid;
            if (pid !== undefined) {
                this.running.add(pid);
            }
            let stdout = "";
            let stderr = "";
            let timedOut = false;
            child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
            child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
            const timer = setTimeout(() => {
                timedOut = true;
                killGroup(child.pid);
            }, timeoutMs);
            child.on("error", (e) => {
                clearTimeout(timer);
                if (pid !== undefined) {
                    this.running.delete(pid);
                }
                reject(e);
            });
            child.on("close", (code) => {
                clearTimeout(timer);
                if (pid !== undefined) {
                    this.running.delete(pid);
                }
                const result: CommandResult = { code, stdout, stderr, ms: Date.now() - started };
                if (timedOut) {
                    reject(new Error(`pulumi ${args.join(" ")} timed out after ${timeoutMs} ms\n${tail(result)}`));
                } else if (code !== 0 && !opts.allowFailure) {
                    reject(new Error(`pulumi ${args.join(" ")} exited ${code}\n${tail(result)}`));
                } else {
                    resolve(result);
                }
            });
            child.stdin.end(opts.stdin ?? "");
        });
    }

    /** `pulumi stack export` as JSON text (secrets stay encrypted unless showSecrets). */
    async exportStack(showSecrets = false): Promise<string> {
        return (await this.run(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])])).stdout;
    }

    /** Lines the launcher wrote: one per dynamic-provider process it started. */
    launcherStarts(): string[] {
        return fs.existsSync(this.launcherLog) ? fs.readFileSync(this.launcherLog, "utf8").split("\n").filter((l) => l !== "") : [];
    }

    dispose(): void {
        for (const pid of this.running) {
            killGroup(pid);
        }
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

function killGroup(pid: number | undefined): void {
    if (pid === undefined) {
        return;
    }
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        // already gone
    }
}

/**
 * The last lines of a command's output, for error messages; without the engine's repeated notice that the
 * dynamic-provider launcher on PATH is not the copy next to the CLI (expected: PulumiWorkspace puts ours first).
 */
export function tail(r: CommandResult, lines = 60): string {
    const text = `${r.stdout}\n--- stderr ---\n${r.stderr}`;
    return text
        .split("\n")
        .filter((l) => !l.includes("warning: using pulumi-resource-pulumi-nodejs from $PATH"))
        .slice(-lines)
        .join("\n");
}
