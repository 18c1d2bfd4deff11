import { choices, nearest, Problems } from "./errors";
import { checkK8sName, K8sRule, PROTOBUF_DURATION_MAX_MS } from "./k8s-rules";

/**
 * A typed, path-aware reader over untrusted JSON-like input (stack config objects, catalog files).
 * Every getter records a problem instead of throwing, so one run reports every mistake;
 * `done()` reports keys nobody asked for, which catches typos such as `timout`.
 */
export class Reader {
    private readonly seen = new Set<string>();
    private readonly obj: Record<string, unknown>;

    constructor(
        readonly path: string,
        value: unknown,
        readonly problems: Problems,
    ) {
        if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
            problems.add(path, value, "must be an object", `write ${path} as a mapping of keys to values`);
            this.obj = {};
        } else {
            this.obj = (value ?? {}) as Record<string, unknown>;
        }
    }

    static root(path: string, value: unknown, problems: Problems): Reader {
        return new Reader(path, value, problems);
    }

    has(key: string): boolean {
        return this.obj[key] !== undefined;
    }

    keys(): string[] {
        return Object.keys(this.obj);
    }

    at(key: string): string {
        return this.path === "" ? key : `${this.path}.${key}`;
    }

    raw(key: string): unknown {
        this.seen.add(key);
        return this.obj[key];
    }

    private bad(key: string, value: unknown, message: string, fix: string): void {
        this.problems.add(this.at(key), value, message, fix);
    }

    string(key: string, fallback?: string, pattern?: { re: RegExp; hint: string }): string {
        const v = this.raw(key);
        if (v === undefined) {
            if (fallback === undefined) {
                this.bad(key, v, "is required", `set ${this.at(key)} to a string`);
                return "";
            }
            return fallback;
        }
        if (typeof v !== "string" || v.length === 0) {
            this.bad(key, v, "must be a non-empty string", `set ${this.at(key)} to a string`);
            return fallback ?? "";
        }
        if (pattern && !pattern.re.test(v)) {
            this.bad(key, v, `must match ${pattern.hint}`, `rename it to match ${pattern.hint}`);
        }
        return v;
    }

    /** `read()` when the key is present, else undefined; either way the key counts as known to `done()`. */
    optional<T>(key: string, read: () => T): T | undefined {
        if (!this.has(key)) {
            this.raw(key);
            return undefined;
        }
        return read();
    }

    optionalString(key: string): string | undefined {
        return this.optional(key, () => this.string(key));
    }

    boolean(key: string, fallback: boolean): boolean {
        const v = this.raw(key);
        if (v === undefined) {
            return fallback;
        }
        if (typeof v !== "boolean") {
            this.bad(key, v, "must be true or false", `set ${this.at(key)} to true or false`);
            return fallback;
        }
        return v;
    }

    /** An integer within [min, max]. */
    int(key: string, fallback: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
        const v = this.raw(key);
        if (v === undefined) {
            if (fallback === undefined) {
                this.bad(key, v, "is required", `set ${this.at(key)} to a whole number from ${min} to ${max}`);
                return min;
            }
            return fallback;
        }
        if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
            this.bad(key, v, `must be a whole number from ${min} to ${max}`, `set ${this.at(key)} to a whole number from ${min} to ${max}`);
            return fallback ?? min;
        }
        return v;
    }

    /** A number within [min, max] (fractions allowed). */
    number(key: string, fallback: number | undefined, min: number, max: number): number {
        const v = this.raw(key);
        if (v === undefined) {
            if (fallback === undefined) {
                this.bad(key, v, "is required", `set ${this.at(key)} to a number from ${min} to ${max}`);
                return min;
            }
            return fallback;
        }
        if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
            this.bad(key, v, `must be a number from ${min} to ${max}`, `set ${this.at(key)} to a number from ${min} to ${max}`);
            return fallback ?? min;
        }
        return v;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
        const v = this.raw(key);
        if (v === undefined && fallback !== undefined) {
            return fallback;
        }
        if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
            this.bad(key, v, `must be one of ${allowed.join(", ")}`, `set ${this.at(key)} to one of ${allowed.join(", ")}`);
            return fallback ?? allowed[0];
        }
        return v as T;
    }

    /**
     * A duration such as `250ms`, `15s` or `2m`, returned in milliseconds: whole milliseconds (Istio's ValidateDuration,
     * istio/istio pkg/config/validation/agent/validation.go: "only durations to ms precision are supported") within
     * protobuf's Duration range (model/k8s-rules.ts).
     */
    duration(key: string, fallback?: string): number {
        const text = this.string(key, fallback);
        const ms = parseDuration(text);
        if (ms === undefined) {
            this.bad(key, text, "must be a positive duration like 250ms, 15s or 2m", `set ${this.at(key)} to a duration like 15s`);
            return 1;
        }
        if (!Number.isInteger(ms)) {
            this.bad(key, text, "is not a whole number of milliseconds (Istio durations have millisecond precision)", `round ${this.at(key)} to whole milliseconds, e.g. 250ms`);
            return Math.max(1, Math.round(ms));
        }
        if (ms > PROTOBUF_DURATION_MAX_MS) {
            this.bad(key, text, "is longer than a protobuf Duration can hold (315,576,000,000 s)", `set ${this.at(key)} to a realistic duration like 15s`);
            return 1;
        }
        return ms;
    }

    /** A string that must pass one of Kubernetes' name rules (model/k8s-rules.ts). */
    k8sName(key: string, rule: K8sRule, fallback?: string): string {
        const v = this.string(key, fallback);
        if (v !== "") {
            checkK8sName(this.problems, this.at(key), v, rule);
        }
        return v;
    }

    stringList(key: string, fallback: string[] = []): string[] {
        const v = this.raw(key);
        if (v === undefined) {
            return fallback;
        }
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x.length === 0)) {
            this.bad(key, v, "must be a list of non-empty strings", `set ${this.at(key)} to a list like ["a", "b"]`);
            return fallback;
        }
        return v as string[];
    }

    child(key: string): Reader {
        return new Reader(this.at(key), this.raw(key), this.problems);
    }

    /** The raw elements of a list of objects (none when absent); anything but a list is recorded as a problem. */
    private objectList(key: string): unknown[] {
        const v = this.raw(key);
        if (v !== undefined && !Array.isArray(v)) {
            this.bad(key, v, "must be a list", `write ${this.at(key)} as a list of objects`);
        }
        return Array.isArray(v) ? v : [];
    }

    /** A list of objects; each element gets its own reader at `key[i]`. */
    list(key: string): Reader[] {
        return this.objectList(key).map((item, i) => new Reader(`${this.at(key)}[${i}]`, item, this.problems));
    }

    /**
     * A list of objects named by their `name` field: each element's reader sits at `key.<name>` (a repeated name at
     * `key.<name>#2`), so problems name the entry rather than its index; unnamed elements stay at `key[i]`.
     */
    namedList(key: string, nameKey = "name"): Reader[] {
        const seen = new Map<string, number>();
        return this.objectList(key).map((item, i) => {
            const name = item !== null && typeof item === "object" ? (item as Record<string, unknown>)[nameKey] : undefined;
            if (typeof name !== "string" || name === "") {
                return new Reader(`${this.at(key)}[${i}]`, item, this.problems);
            }
            const n = (seen.get(name) ?? 0) + 1;
            seen.set(name, n);
            return new Reader(`${this.at(key)}.${name}${n > 1 ? `#${n}` : ""}`, item, this.problems);
        });
    }

    /** A mapping whose keys are names chosen by the user; each value gets its own reader. */
    entries(key: string): [string, Reader][] {
        const child = this.child(key);
        return child.keys().map((k) => [k, child.child(k)]);
    }

    /**
     * A key earlier versions read and this one no longer does: when set, a problem that says why it went and what
     * to do instead (rather than `done()`'s generic "is not a known key").
     */
    removed(key: string, why: string, fix: string): void {
        const v = this.raw(key);
        if (v !== undefined) {
            this.bad(key, v, `was removed: ${why}`, fix);
        }
    }

    /** Report keys that were present but never read: almost always a typo. */
    done(): void {
        for (const key of Object.keys(this.obj)) {
            if (!this.seen.has(key)) {
                const known = [...this.seen].sort();
                const near = nearest(key, known);
                this.problems.add(
                    this.at(key),
                    this.obj[key],
                    "is not a known key",
                    known.length === 0 ? "remove it" : near !== undefined ? `did you mean ${near}? (known keys: ${choices(known)})` : `remove it, or use one of: ${choices(known)}`,
                );
            }
        }
    }
}

/** `250ms`, `15s`, `2m`, `1h` → milliseconds; anything else → undefined. */
export function parseDuration(text: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
    if (!m) {
        return undefined;
    }
    const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
    const ms = Number(m[1]) * factor;
    return ms > 0 ? ms : undefined;
}

/** Milliseconds → the shortest Envoy/Istio duration string (`1.5s`, `250ms`). */
export function formatDuration(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
