import { Matcher, sel } from "./promql";

/**
 * Unit-test cases for alert rules, written next to each rule from the same selectors and thresholds (one source of
 * truth), and turned into `promtool test rules` files. Every case runs on a 1m sample interval.
 *
 * promtool compares the firing alerts' labels AND annotations with the expected ones (cmd/promtool/unittest.go,
 * prometheus v0.316.0), so each firing case also gives `$value`, and the annotations are rendered here with the
 * few template forms the rules use.
 */

export interface TestSeries {
    /** A series in promtool's notation, e.g. `istio_requests_total{reporter="destination"}`. */
    readonly series: string;
    /** promtool's expanding notation, e.g. `0+60x40`. */
    readonly values: string;
}

export interface AlertCase {
    /** What the case shows, e.g. "fires above the SLO", "silent below the traffic guard". */
    readonly name: string;
    readonly series: readonly TestSeries[];
    readonly fires: boolean;
    /** Labels the firing alert carries from the expression (by-labels of a sum, a selector's labels). */
    readonly labels?: Readonly<Record<string, string>>;
    /** The alert's `$value` when it fires (to render its annotations). */
    readonly value?: number;
}

/** Samples per series: enough for the rate window, the `for` duration and a margin. */
export interface CaseClock {
    readonly samples: number;
    /** When promtool evaluates the alert (`<n>m`). */
    readonly evalTime: string;
}

/** Milliseconds of a single-unit PromQL duration such as the model writes (`30s`, `5m`, `1h`, `250ms`). */
export function durationMs(d: string): number {
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
    if (!m) {
        throw new Error(`${d} is not a single-unit duration (the model writes them so)`);
    }
    const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    return Number(m[1]) * unit[m[2]];
}

export function clockFor(window: string, forDuration: string): CaseClock {
    const minutes = Math.ceil((durationMs(window) + durationMs(forDuration)) / 60_000) + 3;
    return { samples: minutes + 2, evalTime: `${minutes}m` };
}

/** The concrete labels of the equality matchers; regex matchers must be given a concrete value in `extra`. */
export function labelsOf(matchers: readonly Matcher[], extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [label, op, value] of matchers) {
        if (op === "=") {
            out[label] = value;
        } else if (!(label in extra)) {
            throw new Error(`matcher ${label}${op}"${value}" needs a concrete value for its test series`);
        }
    }
    return { ...out, ...extra };
}

function seriesText(metric: string, labels: Readonly<Record<string, string>>): string {
    return sel(
        metric,
        Object.entries(labels).map(([k, v]) => [k, "=", v] as const),
    );
}

/** A counter growing by `perSecond` every second (sampled every minute). */
export function counter(metric: string, labels: Readonly<Record<string, string>>, perSecond: number, clock: CaseClock): TestSeries {
    const step = perSecond * 60;
    return { series: seriesText(metric, labels), values: step === 0 ? `0x${clock.samples}` : `0+${step}x${clock.samples}` };
}

/** A gauge holding `value`. */
export function gauge(metric: string, labels: Readonly<Record<string, string>>, value: number, clock: CaseClock): TestSeries {
    return { series: seriesText(metric, labels), values: `${value}x${clock.samples}` };
}

/** Go's `%.4g` for the magnitudes the rules print. */
function g4(v: number): string {
    return String(Number(v.toPrecision(4)));
}

/** Prometheus' template function `humanize` (template/template.go) for finite values. */
export function humanize(v: number): string {
    if (v === 0 || !Number.isFinite(v)) {
        return g4(v);
    }
    const big = ["", "k", "M", "G", "T", "P", "E", "Z", "Y"];
    const small = ["", "m", "u", "n", "p", "f", "a", "z", "y"];
    let x = v;
    if (Math.abs(x) >= 1) {
        let i = 0;
        while (Math.abs(x) >= 1000 && i < big.length - 1) {
            x /= 1000;
            i++;
        }
        return `${g4(x)}${big[i]}`;
    }
    let i = 0;
    while (Math.abs(x) < 1 && i < small.length - 1) {
        x *= 1000;
        i++;
    }
    return `${g4(x)}${small[i]}`;
}

/**
 * Renders the template forms the rules use: `{{ $value }}`, `{{ $value | humanize }}`,
 * `{{ $value | humanizePercentage }}` and `{{ $labels.<name> }}`. Anything else is an error, so a new form in a
 * rule cannot silently produce a wrong expectation.
 */
export function renderAnnotation(template: string, value: number | undefined, labels: Readonly<Record<string, string>>): string {
    return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_all, body: string) => {
        const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(body);
        if (label) {
            return labels[label[1]] ?? "";
        }
        if (value === undefined) {
            throw new Error(`template {{ ${body} }} needs the case's value`);
        }
        switch (body.replace(/\s+/g, " ")) {
            case "$value":
                return String(value);
            case "$value | humanize":
                return humanize(value);
            case "$value | humanizePercentage":
                return `${g4(value * 100)}%`;
            default:
                throw new Error(`template {{ ${body} }} is not one the rule tests can render`);
        }
    });
}
