/**
 * Every problem found in stack config or a catalog is reported as one of these, all at once,
 * before a single resource is declared. Each problem names where it is, what was found and how to fix it.
 */
export interface Problem {
    /** Where the bad value lives, e.g. `service-integration:mesh.mtls.mode` or `catalog/services.json: services[3].port`. */
    readonly path: string;
    /** The offending value as found (already redacted when it came from a secret). */
    readonly value: unknown;
    /** What is wrong. */
    readonly message: string;
    /** What to do about it. */
    readonly fix: string;
}

function show(value: unknown): string {
    if (value === undefined) {
        return "(missing)";
    }
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export class ConfigError extends Error {
    readonly problems: readonly Problem[];

    constructor(source: string, problems: readonly Problem[]) {
        const lines = problems.map((p) => `  - ${p.path}: ${p.message} (found ${show(p.value)}). Fix: ${p.fix}`);
        super(`${source} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
        this.name = "ConfigError";
        this.problems = problems;
    }
}

/** Collects problems while a config tree is read; `throwIfAny` ends the read. */
export class Problems {
    private readonly found: Problem[] = [];

    add(path: string, value: unknown, message: string, fix: string): void {
        this.found.push({ path, value, message, fix });
    }

    get count(): number {
        return this.found.length;
    }

    throwIfAny(source: string): void {
        if (this.found.length > 0) {
            throw new ConfigError(source, this.found);
        }
    }
}
