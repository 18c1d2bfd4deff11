import { parser } from "@prometheus-io/lezer-promql";
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import { METRICS } from "../../components/observability/metrics";
import type { RuleGroup } from "../../components/observability/rules";

/**
 * Checks PromQL with the Prometheus project's own grammar (@prometheus-io/lezer-promql): syntax errors (⚠ nodes),
 * metric names missing from the repository's metric list, label matchers on labels the metric does not have,
 * and regex matchers that do not compile.
 */

/**
 * Grafana replaces its built-in variables before a query reaches Prometheus; the check does the same with
 * representative values. Any other `$variable` is left in place and fails the parse.
 */
export const GRAFANA_BUILTINS: Readonly<Record<string, string>> = {
    $__rate_interval: "1m",
    $__interval: "1m",
    $__range: "1h",
};

export function interpolate(expr: string): string {
    return expr.replace(/\$__[a-z_]+/g, (v) => GRAFANA_BUILTINS[v] ?? v);
}

export interface Matcher {
    readonly metric?: string;
    readonly label: string;
    readonly op: string;
    readonly value: string;
}

export interface Analysis {
    readonly syntaxErrors: string[];
    readonly metrics: string[];
    readonly matchers: Matcher[];
}

function unquote(literal: string): string {
    if (literal.startsWith('"')) {
        return JSON.parse(literal) as string;
    }
    return literal.slice(1, -1);
}

export function analyze(rawExpr: string): Analysis {
    const expr = interpolate(rawExpr);
    const tree = parser.parse(expr);
    const syntaxErrors: string[] = [];
    const metrics: string[] = [];
    const matchers: Matcher[] = [];
    tree.iterate({
        enter(ref) {
            if (ref.type.isError) {
                syntaxErrors.push(`⚠ at ${ref.from}: …${expr.slice(Math.max(0, ref.from - 15), ref.to + 15)}…`);
            }
            const node = ref.node;
            if (ref.name === "Identifier" && node.parent?.name === "VectorSelector") {
                metrics.push(expr.slice(ref.from, ref.to));
            }
            if (ref.name === "UnquotedLabelMatcher") {
                const label = node.getChild("LabelName");
                const op = node.getChild("MatchOp");
                const value = node.getChild("StringLiteral");
                const selector = node.parent?.parent;
                const metric = selector?.name === "VectorSelector" ? selector.getChild("Identifier") : null;
                if (label && op && value) {
                    matchers.push({
                        metric: metric ? expr.slice(metric.from, metric.to) : undefined,
                        label: expr.slice(label.from, label.to),
                        op: expr.slice(op.from, op.to),
                        value: unquote(expr.slice(value.from, value.to)),
                    });
                }
            }
        },
    });
    return { syntaxErrors, metrics, matchers };
}

/** Every problem with one expression, as text; empty when it is fine. */
export function problemsOf(expr: string): string[] {
    const a = analyze(expr);
    const found = [...a.syntaxErrors];
    for (const m of a.metrics) {
        if (!(m in METRICS)) {
            found.push(`metric ${m} is not in components/observability/metrics.ts`);
        }
    }
    for (const m of a.matchers) {
        const known = m.metric ? METRICS[m.metric] : undefined;
        if (known && !known.labels.includes(m.label)) {
            found.push(`label ${m.label} is not a label of ${m.metric}`);
        }
        if (m.op === "=~" || m.op === "!~") {
            try {
                new RegExp(`^(?:${m.value})$`);
            } catch (e) {
                found.push(`regex ${JSON.stringify(m.value)} of ${m.label} does not compile: ${(e as Error).message}`);
            }
        }
    }
    return found;
}

export interface Located {
    /** Dashboard and panel title (or rule group and alert), refId. */
    readonly where: string;
    readonly expr: string;
}

function panelsOf(d: Dashboard): (Panel | RowPanel)[] {
    const out: (Panel | RowPanel)[] = [];
    for (const p of d.panels ?? []) {
        out.push(p);
        if (p.type === "row") {
            out.push(...((p as RowPanel).panels ?? []));
        }
    }
    return out;
}

/** The dashboard as Grafana receives it (configJson), not the SDK object (which carries marker functions). */
export function shipped(built: { readonly configJson: string }): Dashboard {
    return JSON.parse(built.configJson) as Dashboard;
}

export function dataPanels(d: Dashboard): Panel[] {
    return panelsOf(d).filter((p): p is Panel => p.type !== "row");
}

/** A Prometheus target as it appears in dashboard JSON (the SDK types targets as an opaque Dataquery). */
export interface Target {
    refId?: string;
    expr?: string;
    datasource?: { type?: string; uid?: string };
}

export function targetsOf(p: Panel | RowPanel): Target[] {
    return ((p as Panel).targets ?? []) as unknown as Target[];
}

export function dashboardQueries(d: Dashboard): Located[] {
    return dataPanels(d).flatMap((p) => targetsOf(p).map((t) => ({ where: `${d.title} / ${p.title ?? "(untitled)"} [${t.refId ?? "?"}]`, expr: t.expr ?? "" })));
}

export function ruleQueries(kind: string, groups: readonly RuleGroup[]): Located[] {
    return groups.flatMap((g) => g.rules.map((r) => ({ where: `${kind} ${g.name} / ${r.alert}`, expr: r.expr })));
}

/** `where: expr: problem` for every problem of every query. */
export function failuresOf(queries: readonly Located[]): string[] {
    return queries.flatMap((q) => problemsOf(q.expr).map((p) => `${q.where}: ${q.expr}: ${p}`));
}
