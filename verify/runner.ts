import { Check, VerifyContext } from "./context";
import { CannotRun, CheckResult, Outcome } from "./result";

/** Runs one check; whatever goes wrong inside becomes an ERROR result, never a crash and never a PASS. */
export async function runCheck(check: Check, ctx: VerifyContext): Promise<CheckResult> {
    const started = Date.now();
    let outcome: Outcome;
    try {
        outcome = await check.run(ctx);
    } catch (e) {
        outcome =
            e instanceof CannotRun
                ? { status: "ERROR", detail: `could not run: ${e.reason}`, action: e.action }
                : { status: "ERROR", detail: `could not run: the check failed unexpectedly (${(e as Error).message ?? String(e)})`, action: "rerun; if it persists, report it with the --json output" };
    }
    return {
        id: check.id,
        title: check.title,
        status: outcome.status,
        detail: outcome.detail,
        action: outcome.status === "PASS" || outcome.status === "SKIP" ? "" : (outcome.action ?? ""),
        items: outcome.items ?? [],
        durationMs: Date.now() - started,
    };
}

/** Runs the checks one after another (their output and their load on the cluster stay predictable). */
export async function runChecks(checks: readonly Check[], ctx: VerifyContext): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    for (const check of checks) {
        results.push(await runCheck(check, ctx));
    }
    return results;
}

/** 0 when nothing failed or errored; 1 otherwise. */
export function exitCodeOf(results: readonly CheckResult[]): number {
    return results.some((r) => r.status === "FAIL" || r.status === "ERROR") ? 1 : 0;
}
