import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { promtoolPlanFiles } from "../../components/observability/plan";
import { testedRuleFiles } from "../../components/observability/rules";
import { listStacks, readStackConfig, withPlaceholderSecrets } from "../../offline/stack-config";
import { evaluateStack, manifests } from "../support/stack";
import { requireTool } from "../validation/tools-support";
import { promtool, ruleInputsOf, tempDir, writeRuleTests, writeYaml } from "./promtool-support";

/**
 * The real promtool (Prometheus 3.16.0) on every rule file of every stack: `check rules` on the PrometheusRules the
 * program declares, and `test rules` on the unit tests generated from the model next to each alert (fires above the
 * threshold, silent below it, silent below the traffic guard). A broken copy of each shows the checks fire.
 */

const hasPromtool = requireTool("promtool");
const stacks = listStacks();

function modelOf(stack: string) {
    return withPlaceholderSecrets(readStackConfig(stack)).model;
}

describe.skipIf(!hasPromtool).each(stacks)("promtool on the %s stack", (stack) => {
    it("checks every declared PrometheusRule, and the tested rules are exactly the declared ones", async () => {
        const { resources } = await evaluateStack(stack);
        const declared = manifests(resources, "PrometheusRule");
        expect(declared.length).toBe(2);
        const dir = tempDir(`promtool-check-${stack}-`);
        for (const rule of declared) {
            const file = writeYaml(dir, `${rule.metadata.name}.yaml`, rule.spec);
            const run = promtool(["check", "rules", file], dir);
            expect(run.output, run.output).toMatch(/SUCCESS: \d+ rules found/);
            expect(run.status, run.output).toBe(0);
        }
        const tested = Object.fromEntries(testedRuleFiles(ruleInputsOf(modelOf(stack))).map((f) => [f.name, { groups: f.groups.map((g) => ({ name: g.name, rules: g.alerts.map((a) => a.rule) })) }]));
        expect(Object.fromEntries(declared.map((r) => [r.metadata.name, r.spec]))).toEqual(tested);
    }, 120_000);

    it("passes the generated unit tests of every alert", () => {
        const dir = tempDir(`promtool-test-${stack}-`);
        for (const file of writeRuleTests(dir, ruleInputsOf(modelOf(stack)))) {
            const run = promtool(["test", "rules", file], dir);
            expect(run.status, run.output).toBe(0);
            expect(run.output).toContain("SUCCESS");
        }
    }, 120_000);
});

describe.skipIf(!hasPromtool)("the plan's prometheus/ files", () => {
    it("are what promtool checks and tests straight from out/plan/<stack>/prometheus", () => {
        const dir = tempDir("promtool-plan-");
        const files = promtoolPlanFiles(modelOf("prod"));
        expect(files.map((f) => f.file).sort()).toEqual(["prometheus/platform.rules.yaml", "prometheus/platform.test.yaml", "prometheus/service-slos.rules.yaml", "prometheus/service-slos.test.yaml"]);
        for (const f of files) {
            fs.writeFileSync(path.join(dir, path.basename(f.file)), f.content);
        }
        const check = promtool(["check", "rules", "platform.rules.yaml", "service-slos.rules.yaml"], dir);
        expect(check.status, check.output).toBe(0);
        const test = promtool(["test", "rules", "platform.test.yaml"], dir);
        expect(test.status, test.output).toBe(0);
    }, 120_000);
});

describe.skipIf(!hasPromtool)("promtool catches broken rules (dev inputs)", () => {
    const inputs = ruleInputsOf(modelOf("dev"));

    function brokenRun(edit: (text: string) => string): string {
        const dir = tempDir("promtool-broken-");
        const tests = writeRuleTests(dir, inputs);
        const rules = path.join(dir, "service-slos.rules.yaml");
        fs.writeFileSync(rules, edit(fs.readFileSync(rules, "utf8")));
        const run = promtool(["test", "rules", tests[0]], dir);
        expect(run.status).not.toBe(0);
        return run.output;
    }

    it("check rules rejects an expression that does not parse and names the rule", () => {
        const dir = tempDir("promtool-badexpr-");
        const file = writeYaml(dir, "bad.yaml", { groups: [{ name: "g", rules: [{ alert: "Broken", expr: "sum(rate(istio_requests_total[5m])", for: "5m" }] }] });
        const run = promtool(["check", "rules", file], dir);
        expect(run.status).not.toBe(0);
        expect(run.output).toMatch(/Broken|parse error/);
    });

    it("a rule without its traffic guard fails the below-the-guard case", () => {
        const out = brokenRun((t) => t.replace(/\) and \(sum\(rate\(istio_requests_total\{[^}]*\}\[5m\]\)\) > 0\.1\)/, ")"));
        expect(out).toContain("silent below the traffic guard");
    });

    it("a threshold raised above the firing value fails the firing case", () => {
        const out = brokenRun((t) => t.replace("> 0.02)", "> 0.9)"));
        expect(out).toContain("fires when the error share");
    });

    it("a threshold dropped to zero fails the below-the-threshold case", () => {
        const out = brokenRun((t) => t.replace("> 0.02)", "> 0)"));
        expect(out).toContain("silent at half the threshold");
    });
});

describe("generated rule tests", () => {
    for (const stack of stacks) {
        it(`give every alert of ${stack} a firing and a silent case, and every ratio or latency alert a traffic-guard case`, () => {
            const files = testedRuleFiles(ruleInputsOf(modelOf(stack)));
            const alerts = files.flatMap((f) => f.groups.flatMap((g) => g.alerts));
            expect(alerts.length).toBeGreaterThan(30);
            for (const a of alerts) {
                expect(a.cases.some((c) => c.fires), a.rule.alert).toBe(true);
                expect(a.cases.some((c) => !c.fires), a.rule.alert).toBe(true);
                if (/ \/ |histogram_quantile/.test(a.rule.expr)) {
                    expect(a.rule.expr, a.rule.alert).toMatch(/\) and \(sum\(rate\(/);
                    expect(a.cases.some((c) => !c.fires && c.name.includes("traffic guard")), a.rule.alert).toBe(true);
                }
            }
        });
    }

    it("cover the meta-alerts of every scrape job", () => {
        const inputs = ruleInputsOf(modelOf("dev"));
        const platform = testedRuleFiles(inputs).find((f) => f.name === "platform")!;
        const scrape = platform.groups.find((g) => g.name.endsWith(".scrape"))!;
        expect(scrape.alerts.map((a) => a.rule.expr).sort()).toEqual(inputs.scrapeJobs.flatMap((j) => [`absent(up{job="${j}"})`, `up{job="${j}"} == 0`]).sort());
    });

    it("write promtool's test format (rule_files, input_series, alert_rule_test)", () => {
        const dir = tempDir("promtool-format-");
        const [file] = writeRuleTests(dir, ruleInputsOf(modelOf("dev")));
        const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { rule_files: string[]; tests: { input_series: unknown[]; alert_rule_test: { exp_alerts: unknown[] }[] }[] };
        expect(doc.rule_files).toEqual(["service-slos.rules.yaml"]);
        expect(doc.tests.length).toBeGreaterThan(40);
        expect(doc.tests.every((t) => t.input_series.length > 0 && t.alert_rule_test.length === 1)).toBe(true);
    });
});
