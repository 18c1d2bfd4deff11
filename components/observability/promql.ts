/**
 * Small helpers that write PromQL text. Values always go through `str()` so quotes and backslashes
 * are escaped the way PromQL string literals need; regex alternations escape every RE2 metacharacter.
 */

export type MatchOp = "=" | "!=" | "=~" | "!~";
export type Matcher = readonly [label: string, op: MatchOp, value: string];

/** A PromQL double-quoted string literal (Go escape rules: `\"`, `\\`, `\n`, `\uXXXX` are all understood). */
export function str(value: string): string {
    return JSON.stringify(value);
}

/** `metric{a="b", c=~"d"}`. */
export function sel(metric: string, matchers: readonly Matcher[] = []): string {
    if (matchers.length === 0) {
        return metric;
    }
    return `${metric}{${matchers.map(([label, op, value]) => `${label}${op}${str(value)}`).join(", ")}}`;
}

/** Escapes every RE2 metacharacter so the value matches literally inside a regex matcher. */
export function escapeRegex(value: string): string {
    return value.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
}

/** A regex (for `=~`) matching exactly one of the values; sorted so the text is stable. */
export function anyOf(values: readonly string[]): string {
    return [...new Set(values)].sort().map(escapeRegex).join("|");
}

/** `sum by (a, b) (inner)`, or `sum(inner)` without labels. */
export function sumBy(labels: readonly string[], inner: string): string {
    return labels.length === 0 ? `sum(${inner})` : `sum by (${labels.join(", ")}) (${inner})`;
}

export function rate(selector: string, window: string): string {
    return `rate(${selector}[${window}])`;
}

/** `histogram_quantile(q, sum by (le, ...) (rate(bucket[window])))`. */
export function quantile(q: number, bucketSelector: string, labels: readonly string[], window: string): string {
    return `histogram_quantile(${q}, ${sumBy(["le", ...labels], rate(bucketSelector, window))})`;
}

/** `sum by (...) (rate(num)) / sum by (...) (rate(den))`. */
export function ratio(numerator: string, denominator: string, labels: readonly string[], window: string): string {
    return `${sumBy(labels, rate(numerator, window))} / ${sumBy(labels, rate(denominator, window))}`;
}
