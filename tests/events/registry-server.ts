import { findOrStart, ScriptedService, stopIfStartedHere } from "../support/services";

/**
 * The real schema registry for the registry tests: scripts/registry/registry.sh (Apicurio Registry 2.4.2.Final from
 * Maven Central, its Confluent-compatible API, on a PostgreSQL of its own, 127.0.0.1). `SCHEMA_REGISTRY_URL` points the tests
 * at a running Confluent-compatible registry instead. Like ensureBroker: in CI (CI set) a registry that cannot be had
 * is a failure; elsewhere the tests are skipped with the reason.
 */

export interface Registry {
    /** The Confluent-compatible base URL (…/apis/ccompat/v7). */
    readonly url: string;
    /** Started by these tests (so they stop it afterwards) rather than found running. */
    readonly startedHere: boolean;
}

export type RegistryResult = { readonly registry: Registry } | { readonly skip: string };

async function answers(url: string): Promise<boolean> {
    try {
        return (await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(3_000) })).ok;
    } catch {
        return false;
    }
}

/** scripts/registry/registry.sh, or the registry SCHEMA_REGISTRY_URL names. */
const REGISTRY: ScriptedService = {
    script: "scripts/registry/registry.sh",
    envVar: "SCHEMA_REGISTRY_URL",
    noun: "registry",
    tests: "registry tests",
    addressCommand: "url",
    answers,
    silent: "does not answer GET /subjects",
    alreadyRunning: /already running|started earlier/,
};

export async function ensureRegistry(): Promise<RegistryResult> {
    const result = await findOrStart(REGISTRY);
    if ("skip" in result) {
        return result;
    }
    return { registry: { url: result.found.address.replace(/\/$/, ""), startedHere: result.found.startedHere } };
}

export function stopRegistry(registry: Registry): void {
    stopIfStartedHere(REGISTRY, registry, 60_000);
}
