import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { stackRuleInputs } from "../../components/observability/plan";
import { promtoolTests } from "../../components/observability/promtool-tests";
import { RuleInputs, testedRuleFiles } from "../../components/observability/rules";
import { PlatformModel } from "../../model";
import { toolPath } from "../../validation/tools";

/** Runs the real promtool (built by scripts/tools/install-go-tools.sh promtool) on files in a temp dir. */

export interface PromtoolRun {
    readonly status: number | null;
    readonly output: string;
}

export function promtool(args: readonly string[], cwd: string): PromtoolRun {
    const bin = toolPath("promtool");
    if (!bin) {
        throw new Error("promtool is not installed: run bash scripts/tools/install-go-tools.sh promtool");
    }
    const run = spawnSync(bin, args, { cwd, encoding: "utf8", timeout: 120_000 });
    if (run.error) {
        throw run.error;
    }
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeYaml(dir: string, file: string, value: unknown): string {
    const full = path.join(dir, file);
    fs.writeFileSync(full, YAML.stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 }));
    return full;
}

/** The rule inputs of a stack (components/observability/plan.ts). */
export function ruleInputsOf(model: PlatformModel): RuleInputs {
    const inputs = stackRuleInputs(model);
    if (inputs === undefined) {
        throw new Error("the stack has no observability component");
    }
    return inputs;
}

/** Writes `<name>.rules.yaml` and `<name>.test.yaml` for each rule file of the inputs; returns the test files. */
export function writeRuleTests(dir: string, inputs: RuleInputs): string[] {
    return testedRuleFiles(inputs).map((file) => {
        const rules = `${file.name}.rules.yaml`;
        writeYaml(dir, rules, { groups: file.groups.map((g) => ({ name: g.name, rules: g.alerts.map((a) => a.rule) })) });
        return writeYaml(dir, `${file.name}.test.yaml`, promtoolTests(rules, file.groups));
    });
}
