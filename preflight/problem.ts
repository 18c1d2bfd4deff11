/**
 * What a preflight finding says: which endpoint, which stack key sets it, what is wrong and what to do. Every
 * finding of a run is collected and thrown together, before any resource is created, updated or deleted.
 */
export interface PreflightProblem {
    /** `host:port` or URL (never with credentials). */
    readonly endpoint: string;
    /** The stack config key that names the endpoint, e.g. `service-integration:events.bootstrapServers`. */
    readonly key: string;
    readonly problem: string;
    readonly fix: string;
}

/** How a check says the API server did not answer: the same words in every check, so `preflightProblems` says it once. */
export const API_UNASKED = "the API server could not be asked";

export class PreflightError extends Error {
    constructor(readonly problems: readonly PreflightProblem[]) {
        super(
            `preflight: ${problems.length} endpoint problem(s), nothing was changed:\n` +
                problems.map((p) => `  - ${p.endpoint} (${p.key}): ${p.problem}. Fix: ${p.fix}`).join("\n"),
        );
        this.name = "PreflightError";
    }
}
