import { RuleGroup, TestedAlert, TestedGroup, ruleGroups } from "./rules";
import { clockFor, durationMs, renderAnnotation } from "./rule-cases";

/**
 * `promtool test rules` files, generated from the tested alerts (rules.ts), so a rule and its tests cannot drift
 * apart. Format: Prometheus "Unit testing for rules" (docs/configuration/unit_testing_rules.md, prometheus v0.316.0).
 */

export interface PromtoolAlertTest {
    readonly eval_time: string;
    readonly alertname: string;
    readonly exp_alerts: readonly { readonly exp_labels: Record<string, string>; readonly exp_annotations: Record<string, string> }[];
}

export interface PromtoolTest {
    readonly name: string;
    readonly interval: string;
    readonly input_series: readonly { readonly series: string; readonly values: string }[];
    readonly alert_rule_test: readonly PromtoolAlertTest[];
}

export interface PromtoolTestFile {
    readonly rule_files: readonly string[];
    readonly evaluation_interval: string;
    readonly tests: readonly PromtoolTest[];
}

/** The longest range selector of an expression (`[10m]`), or 1m for an expression without one. */
export function longestRange(expr: string): string {
    const ranges = [...expr.matchAll(/\[(\d+(?:ms|s|m|h|d))\]/g)].map((m) => m[1]);
    return ranges.reduce((a, b) => (durationMs(b) > durationMs(a) ? b : a), "1m");
}

function alertTests(group: string, tested: TestedAlert): PromtoolTest[] {
    const { rule } = tested;
    const evalTime = clockFor(longestRange(rule.expr), rule.for).evalTime;
    return tested.cases.map((c) => {
        const labels = { ...rule.labels, ...(c.labels ?? {}) };
        const expected = (): PromtoolAlertTest["exp_alerts"] => [
            { exp_labels: labels, exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, t]) => [k, renderAnnotation(t, c.value, labels)])) },
        ];
        return {
            name: `${group} / ${rule.alert} ${JSON.stringify(rule.labels)}: ${c.name}`,
            interval: "1m",
            input_series: c.series,
            alert_rule_test: [{ eval_time: evalTime, alertname: rule.alert, exp_alerts: c.fires ? expected() : [] }],
        };
    });
}

/** One test file for one rule file; every alert of every group has cases (an alert without any is an error). */
export function promtoolTests(ruleFile: string, groups: readonly TestedGroup[]): PromtoolTestFile {
    const missing = groups.flatMap((g) => g.alerts.filter((a) => !a.cases.some((c) => c.fires) || !a.cases.some((c) => !c.fires)).map((a) => `${g.name}/${a.rule.alert}`));
    if (missing.length > 0) {
        throw new Error(`alerts without a firing and a silent test case: ${missing.join(", ")}; add them where the rule is built (rules.ts)`);
    }
    return { rule_files: [ruleFile], evaluation_interval: "1m", tests: groups.flatMap((g) => g.alerts.flatMap((a) => alertTests(g.name, a))) };
}

/** The rule file promtool reads: the PrometheusRule's spec is exactly Prometheus' rule-file format. */
export function ruleFileOf(groups: readonly TestedGroup[]): { groups: RuleGroup[] } {
    return { groups: ruleGroups(groups) };
}
