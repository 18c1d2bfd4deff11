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

/** "a, b, c", or what to say when there is nothing to choose from (never an empty list in a message). */
export function choices(items: readonly string[], none = "(none is declared)"): string {
    return items.length > 0 ? items.join(", ") : none;
}

/** Edit distance (insertions, deletions, substitutions, swaps of neighbours), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.length][b.length];
}

/** The candidate closest to `word` when it is close enough to be a typo (at most a third of its letters off). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
    let best: { c: string; d: number } | undefined;
    for (const c of candidates) {
        const d = editDistance(word.toLowerCase(), c.toLowerCase());
        if (best === undefined || d < best.d) {
            best = { c, d };
        }
    }
    return best !== undefined && best.d <= Math.max(1, Math.floor(Math.max(word.length, best.c.length) / 3)) ? best.c : undefined;
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
    /** `prefix` names the file a scoped view's paths are in (`catalog/services.json`); the list is shared. */
    constructor(
        private readonly found: Problem[] = [],
        private readonly prefix = "",
    ) {}

    add(path: string, value: unknown, message: string, fix: string): void {
        this.found.push({ path: this.prefix === "" ? path : `${this.prefix}: ${path}`, value, message, fix });
    }

    /** A view that records into the same list with every path prefixed by `source:` (one pass over several files). */
    scoped(source: string): Problems {
        return new Problems(this.found, source);
    }

    get all(): readonly Problem[] {
        return this.found;
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
