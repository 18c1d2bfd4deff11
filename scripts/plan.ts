/**
 * npm run plan -- <stack> [--out DIR]
 * Evaluates the program for a stack with no cluster and no Pulumi CLI, prints an inventory of what it declares
 * and writes the declared desired state to out/plan/<stack>/ (or DIR). The plan only ever removes files it wrote
 * itself (listed in the folder's .plan-files.json); a folder holding anything else is refused.
 */
import * as path from "path";
import { REPO_ROOT } from "../model";
import { ConfigError } from "../model/errors";
import { inventory, readStackConfig, runPlan, writeOwnedPlan } from "../offline/plan";
import { planSections } from "../offline/sections";
import { listStacks, PlanUserError } from "../offline/stack-config";

export interface PlanArgs {
    readonly stack: string;
    /** The folder to write, when given with --out. */
    readonly out?: string;
}

export function usage(): string {
    return `usage: npm run plan -- <stack> [--out DIR]   (stacks: ${listStacks().join(", ")})`;
}

/** Parses the command line; throws PlanUserError naming what is wrong. `--out DIR` and `--out=DIR`, in any position. */
export function parsePlanArgs(argv: readonly string[]): PlanArgs {
    const positional: string[] = [];
    let out: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--out" || arg.startsWith("--out=")) {
            const value = arg === "--out" ? argv[++i] : arg.slice("--out=".length);
            if (value === undefined || value === "" || value.startsWith("--")) {
                throw new PlanUserError(`--out needs a folder, e.g. --out /tmp/plan-dev\n${usage()}`);
            }
            if (out !== undefined) {
                throw new PlanUserError(`--out is given twice (${out}, ${value})\n${usage()}`);
            }
            out = value;
        } else if (arg === "--help" || arg === "-h") {
            throw new PlanUserError(usage());
        } else if (arg.startsWith("-")) {
            throw new PlanUserError(`unknown option ${arg}\n${usage()}`);
        } else {
            positional.push(arg);
        }
    }
    if (positional.length !== 1) {
        throw new PlanUserError(`${positional.length === 0 ? "no stack given" : `one stack at a time (got ${positional.join(", ")})`}\n${usage()}`);
    }
    return { stack: positional[0], out };
}

async function main(): Promise<void> {
    // Pulumi's SDK captures a stack trace for every resource promise (runtime/debuggable.js, for its leak report)
    // and tsx source-maps each one: together they would triple evaluation time. Config errors carry their own
    // messages; PLAN_DEBUG=1 keeps full stacks for anything else.
    if (!process.env.PLAN_DEBUG) {
        process.setSourceMapsEnabled(false);
        Error.stackTraceLimit = 0;
    }
    const args = parsePlanArgs(process.argv.slice(2));
    const dir = args.out !== undefined ? path.resolve(args.out) : path.join(REPO_ROOT, "out", "plan", args.stack);
    const started = process.hrtime.bigint();
    const plan = await runPlan(readStackConfig(args.stack));
    // out/plan/<stack> belongs to the plan by location (also from before the manifest existed); --out folders by manifest.
    const { files, removedStale } = writeOwnedPlan(plan, dir, planSections, { legacyOwned: args.out === undefined });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(inventory(plan));
    if (removedStale.length > 0) {
        console.log(`removed ${removedStale.length} file${removedStale.length === 1 ? "" : "s"} an earlier plan wrote that this one does not: ${removedStale.join(", ")}`);
    }
    console.log(`wrote ${files.length} files to ${path.relative(process.cwd(), dir) || "."} in ${ms.toFixed(0)} ms`);
}

if (require.main === module) {
    main().catch((e: unknown) => {
        if (e instanceof ConfigError || e instanceof PlanUserError) {
            console.error(e.message);
            process.exit(e instanceof PlanUserError && e.message.includes("usage:") ? 2 : 1);
        }
        console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
        if (!process.env.PLAN_DEBUG) {
            console.error("(an internal error: run again with PLAN_DEBUG=1 for full stack traces)");
        }
        process.exit(1);
    });
}
