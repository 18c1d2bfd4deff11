/**
 * What a check reports. Four outcomes, never more:
 * - PASS: the check ran and the live system matches the stack.
 * - FAIL: the check ran and found the system wrong (the detail says what, `action` says what to do).
 * - SKIP: not applicable — the component is absent from the stack outputs (switched off, or not deployed by this stack).
 * - ERROR: could not run — an endpoint was unreachable, credentials or an endpoint flag were missing, or an answer was
 *   not what the API documents. Never counted as passed.
 */
export type CheckStatus = "PASS" | "FAIL" | "SKIP" | "ERROR";

export interface CheckResult {
    /** Stable id, usable with `--only`. */
    readonly id: string;
    readonly title: string;
    readonly status: CheckStatus;
    /** One or two sentences: what was checked and what was found. */
    readonly detail: string;
    /** What to do about a FAIL or ERROR (empty for PASS/SKIP). */
    readonly action: string;
    /** The offending items (pods, proxies, topics, ...), or notable ones for a PASS. */
    readonly items: readonly string[];
    readonly durationMs: number;
}

/** What a check's body returns; the runner adds id, title and timing. */
export interface Outcome {
    readonly status: CheckStatus;
    readonly detail: string;
    readonly action?: string;
    readonly items?: readonly string[];
}

export function pass(detail: string, items: readonly string[] = []): Outcome {
    return { status: "PASS", detail, items };
}

export function fail(detail: string, action: string, items: readonly string[] = []): Outcome {
    return { status: "FAIL", detail, action, items };
}

export function skip(detail: string): Outcome {
    return { status: "SKIP", detail };
}

export function error(detail: string, action: string, items: readonly string[] = []): Outcome {
    return { status: "ERROR", detail, action, items };
}

/**
 * Thrown anywhere inside a check when it cannot go on (no endpoint configured, endpoint unreachable, credentials
 * refused, an answer of an unexpected shape). The runner turns it into an ERROR outcome with this reason and action.
 */
export class CannotRun extends Error {
    constructor(
        readonly reason: string,
        readonly action: string,
    ) {
        super(reason);
        this.name = "CannotRun";
    }
}
