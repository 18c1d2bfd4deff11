/**
 * npm run plan -- <stack> [--out DIR]
 * Evaluates the program for a stack with no cluster and no Pulumi CLI, prints an inventory of what it declares
 * and writes the declared desired state to out/plan/<stack>/ (or DIR).
 */
import * as path from "path";
import { REPO_ROOT } from "../model";
import { ConfigError } from "../model/errors";
import { inventory, readStackConfig, runPlan, writePlan } from "../offline/plan";
import { planSections } from "../offline/sections";
import { listStacks } from "../offline/stack-config";

async function main(): Promise<void> {
    // Pulumi's SDK captures a stack trace for every resource promise (runtime/debuggable.js, for its leak report)
    // and tsx source-maps each one: together they would triple evaluation time. Config errors carry their own
    // messages; PLAN_DEBUG=1 keeps full stacks for anything else.
    if (!process.env.PLAN_DEBUG) {
        process.setSourceMapsEnabled(false);
        Error.stackTraceLimit = 0;
    }
    const args = process.argv.slice(2);
    const stack = args.find((a) => !a.startsWith("--"));
    const outFlag = args.indexOf("--out");
    if (!stack) {
        console.error(`usage: npm run plan -- <stack> [--out DIR]   (stacks: ${listStacks().join(", ")})`);
        process.exit(2);
    }
    const dir = outFlag >= 0 ? path.resolve(args[outFlag + 1]) : path.join(REPO_ROOT, "out", "plan", stack);
    const started = process.hrtime.bigint();
    const plan = await runPlan(readStackConfig(stack));
    const files = writePlan(plan, dir, planSections);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(inventory(plan));
    console.log(`wrote ${files.length} files to ${path.relative(process.cwd(), dir) || "."} in ${ms.toFixed(0)} ms`);
}

main().catch((e: unknown) => {
    if (e instanceof ConfigError) {
        console.error(e.message);
    } else {
        console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
        if (!process.env.PLAN_DEBUG) {
            console.error("(run again with PLAN_DEBUG=1 for full stack traces)");
        }
    }
    process.exit(1);
});
