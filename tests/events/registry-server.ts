import { spawnSync } from "child_process";
import * as path from "path";

/**
 * The real schema registry for the registry tests: scripts/registry/registry.sh (Apicurio Registry 2.4.2.Final from
 * Maven Central, its Confluent-compatible API, on a PostgreSQL of its own, 127.0.0.1). `SCHEMA_REGISTRY_URL` points the tests
 * at a running Confluent-compatible registry instead. Like ensureBroker: in CI (CI set) a registry that cannot be had
 * is a failure; elsewhere the tests are skipped with the reason.
 */

export const REGISTRY_SCRIPT = path.join(__dirname, "..", "..", "scripts", "registry", "registry.sh");

export interface Registry {
    /** The Confluent-compatible base URL (…/apis/ccompat/v7). */
    readonly url: string;
    /** Started by these tests (so they stop it afterwards) rather than found running. */
    readonly startedHere: boolean;
}

export type RegistryResult = { readonly registry: Registry } | { readonly skip: string };

function runScript(args: string[], timeoutMs: number): { code: number | null; output: string } {
    const r = spawnSync("bash", [REGISTRY_SCRIPT, ...args], { encoding: "utf8", timeout: timeoutMs, env: process.env });
    return { code: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

async function answers(url: string): Promise<boolean> {
    try {
        return (await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(3_000) })).ok;
    } catch {
        return false;
    }
}

export async function ensureRegistry(): Promise<RegistryResult> {
    const ci = Boolean(process.env.CI);
    const external = process.env.SCHEMA_REGISTRY_URL;
    if (external) {
        if (await answers(external)) {
            return { registry: { url: external.replace(/\/$/, ""), startedHere: false } };
        }
        const reason = `SCHEMA_REGISTRY_URL=${external} does not answer GET /subjects`;
        if (ci) {
            throw new Error(`${reason} (CI is set, so the registry tests must run)`);
        }
        return { skip: reason };
    }
    const url = runScript(["url"], 10_000).output.trim();
    const start = runScript(["start"], 15 * 60_000);
    if (start.code !== 0) {
        const reason = `scripts/registry/registry.sh start failed (exit ${start.code}):\n${start.output}`;
        if (ci) {
            throw new Error(reason);
        }
        return { skip: `${reason}\n(set SCHEMA_REGISTRY_URL to use a running registry; CI is not set, so skipping)` };
    }
    // `start` is idempotent and says so when it found the registry running: then someone else owns it and stops it.
    return { registry: { url, startedHere: !/already running|started earlier/.test(start.output) } };
}

export function stopRegistry(registry: Registry): void {
    if (registry.startedHere) {
        runScript(["stop"], 60_000);
    }
}
