import { spawnSync } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../../model";

/**
 * The real local services of the tests (broker, schema registry, PostgreSQL), each run by the project's own script
 * under scripts/. In CI (CI set) a service that cannot be had fails the run; elsewhere its tests skip with the reason.
 */

export interface ScriptRun {
    readonly code: number | null;
    /** stdout, stderr and a spawn error, in that order. */
    readonly output: string;
}

/** Runs a project script (its path relative to the repository root) to completion. */
export function runProjectScript(script: string, args: readonly string[], timeoutMs: number, env: Readonly<Record<string, string>> = {}): ScriptRun {
    const r = spawnSync("bash", [path.join(REPO_ROOT, script), ...args], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
    return { code: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** A service found through its environment variable, or started by its script. */
export interface ScriptedService {
    /** Relative to the repository root, e.g. scripts/kafka/kafka.sh. */
    readonly script: string;
    /** Points the tests at a running service instead, e.g. KAFKA_BOOTSTRAP. */
    readonly envVar: string;
    /** What it is, in messages: "broker", "registry". */
    readonly noun: string;
    /** Whose tests need it, in the CI failure: "integration tests". */
    readonly tests: string;
    /** The script's command that prints the service's address. */
    readonly addressCommand: string;
    /** Whether a service answers at an address; `silent` says what it means when not ("is not reachable"). */
    readonly answers: (address: string) => Promise<boolean>;
    readonly silent: string;
    /** How `start` says it found the service running (then someone else owns it and stops it). */
    readonly alreadyRunning: RegExp;
}

export interface FoundService {
    readonly address: string;
    /** Started by these tests (so they stop it afterwards) rather than found running. */
    readonly startedHere: boolean;
    /** Found through the environment variable: not the script's to restart. */
    readonly external: boolean;
}

function failInCi(reason: string): void {
    if (process.env.CI) {
        throw new Error(reason);
    }
}

/** Finds the service through its environment variable, else starts it with its script (idempotent). */
export async function findOrStart(service: ScriptedService): Promise<{ readonly found: FoundService } | { readonly skip: string }> {
    const external = process.env[service.envVar];
    if (external) {
        if (await service.answers(external)) {
            return { found: { address: external, startedHere: false, external: true } };
        }
        const reason = `${service.envVar}=${external} ${service.silent}`;
        failInCi(`${reason} (CI is set, so the ${service.tests} must run)`);
        return { skip: reason };
    }
    const address = runProjectScript(service.script, [service.addressCommand], 10_000).output.trim();
    const start = runProjectScript(service.script, ["start"], 15 * 60_000);
    if (start.code !== 0) {
        const reason = `${service.script} start failed (exit ${start.code}):\n${start.output}`;
        failInCi(reason);
        return { skip: `${reason}\n(set ${service.envVar} to use a running ${service.noun}; CI is not set, so skipping)` };
    }
    return { found: { address, startedHere: !service.alreadyRunning.test(start.output), external: false } };
}

/** Stops the service only when these tests started it. */
export function stopIfStartedHere(service: ScriptedService, found: { readonly startedHere: boolean }, timeoutMs: number): void {
    if (found.startedHere) {
        runProjectScript(service.script, ["stop"], timeoutMs);
    }
}
