/**
 * npm run bench
 * Evaluates the whole program under mocks (as the offline plan does) for the default catalog and for generated
 * catalogs of 100 and 1000 services, and side by side two bare Pulumi programs under the same mocks:
 *   - "replay": the same resources with the same inputs (recorded from one evaluation of the program before the
 *     clock starts), declared flat in one loop as plain CustomResources: no model, no components, no Outputs, no
 *     dependsOn. The difference is exactly the program's own cost; this is the baseline the target is judged on.
 *   - "synthetic": as many resources, one explicit Kubernetes provider and plain CustomResources whose inputs hold
 *     as many values, nested objects and bytes as the program's, in one shape (`items: [{f0, f1, …}]`). V8 handles
 *     one shape faster than the program's hundreds (see the ratio of the two baselines), so it is shown beside.
 * Each sample runs in a fresh process; it prints wall and CPU time, the ratios, per-resource cost and its growth
 * from 100 to 1000 services, and peak RSS.
 * Targets: program ≤ 1.5× the replay at every size; default < 1 s, 1000 services < 15 s.
 */
import { execFileSync } from "child_process";
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { buildModel, rawConfigFrom } from "../model";
import { DeclaredResource, evaluate } from "../offline/evaluate";
import { readStackConfig, withPlaceholderSecrets } from "../offline/stack-config";
import { deployPlatform } from "../platform";
import { defaultCatalogFile, generateCatalog } from "./generate-catalog";

type Size = number | "default";

/** Evaluations after the first, per process; the best is kept, as the one least disturbed by other work. */
const WARM_RUNS = Math.max(1, Math.floor(Number(process.env.BENCH_WARM_RUNS ?? 3) || 3));

/**
 * What the bare program must match: the program's resource count and the volume of its inputs in the units Pulumi
 * serializes them in (each scalar, object and list becomes one protobuf Value, twice: to the monitor and back).
 */
interface Volume {
    readonly resources: number;
    /** Scalar values (strings, numbers, booleans) in all inputs together. */
    readonly values: number;
    /** Objects and lists nested in the inputs (not counting each resource's top-level inputs object). */
    readonly containers: number;
    /** JSON bytes of all inputs together. */
    readonly bytes: number;
}

interface Sample extends Volume {
    readonly services: number;
    /** First evaluation in a fresh process: includes loading the provider SDK modules. */
    readonly coldMs: number;
    /** Later evaluations in the same process, the best of WARM_RUNS: the evaluation's own cost. */
    readonly ms: number;
    /** CPU time (all threads) of those, the best of WARM_RUNS: less sensitive to other work on the machine. */
    readonly cpuMs: number;
    readonly peakRssMiB: number;
}

function count(value: unknown, into: { values: number; containers: number }): void {
    if (value !== null && typeof value === "object") {
        into.containers++;
        for (const v of Array.isArray(value) ? value : Object.values(value)) {
            count(v, into);
        }
    } else if (value !== undefined) {
        into.values++;
    }
}

function volumeOf(resources: readonly DeclaredResource[]): Volume {
    const shape = { values: 0, containers: 0 };
    for (const r of resources) {
        count(r.inputs, shape);
    }
    const bytes = resources.reduce((n, r) => n + JSON.stringify(r.inputs).length, 0);
    return { resources: resources.length, values: shape.values, containers: shape.containers - resources.length, bytes };
}

async function measure(run: () => Promise<readonly DeclaredResource[]>): Promise<{ ms: number; cpuMs: number; resources: readonly DeclaredResource[] }> {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const resources = await run();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const used = process.cpuUsage(cpu);
    return { ms, cpuMs: (used.user + used.system) / 1000, resources };
}

function catalogOf(size: Size): ReturnType<typeof defaultCatalogFile> {
    return size === "default" ? defaultCatalogFile() : generateCatalog(size);
}

/** The stack config and the catalog are made before the clock starts: reading them is the bench's setup, not the evaluation. */
function programRun(size: Size): () => Promise<readonly DeclaredResource[]> {
    const { flat, secretKeys } = withPlaceholderSecrets(readStackConfig("prod"));
    const catalog = catalogOf(size);
    return async () => {
        const result = await evaluate("prod", flat, secretKeys, () =>
            deployPlatform(buildModel({ stack: "prod", config: rawConfigFrom(pulumi.runtime.allConfig()), catalog })),
        );
        return result.resources;
    };
}

/**
 * The baseline: `target.resources` resources in all, one explicit provider and plain CustomResources declared in
 * one loop (no components, no Outputs, no dependsOn), whose specs (`items: [{f0: "…", …}, …]`) carry as many values,
 * nested objects and bytes between them as the program's inputs.
 */
async function evaluateBare(target: Volume): Promise<readonly DeclaredResource[]> {
    const n = Math.max(1, target.resources - 1);
    // Every CustomResource has apiVersion, kind, metadata.name and metadata.namespace, and metadata, spec, spec.items.
    const items = Math.max(1, Math.round(target.containers / n) - 3);
    const fields = Math.max(1, Math.floor((target.values / n - 4) / items));
    // What the even spread leaves over goes to the first item.
    const extra = Math.max(0, Math.round(target.values / n - 4 - items * fields));
    const valueLength = Math.max(1, Math.round((target.bytes / n - 120) / (items * fields + extra)) - 8);
    const result = await evaluate("bench", {}, [], () => {
        const provider = new k8s.Provider("bare", { namespace: "bench" });
        for (let i = 0; i < n; i++) {
            const spec = {
                items: Array.from({ length: items }, (_, j) =>
                    Object.fromEntries(Array.from({ length: fields + (j === 0 ? extra : 0) }, (_, k) => [`f${k}`, `${i}-${j}-${k}-`.padEnd(valueLength, "x")])),
                ),
            };
            new k8s.apiextensions.CustomResource(`bare-${i}`, { apiVersion: "bench.example/v1", kind: "Bare", metadata: { name: `bare-${i}`, namespace: "bench" }, spec }, { provider });
        }
    });
    return result.resources;
}

/** A CustomResource of any type token (the SDK's class is abstract). */
class Replayed extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: pulumi.Inputs) {
        super(type, name, inputs);
    }
}

/**
 * The replay baseline: the program's own resources (evaluated once here, before the clock starts), declared again
 * with the same types, names and resolved inputs, flat, with no options at all.
 */
async function replayRun(size: Size): Promise<() => Promise<readonly DeclaredResource[]>> {
    const recorded = (await programRun(size)()).filter((r) => r.type !== "pulumi:pulumi:Stack");
    return async () => {
        const result = await evaluate("bench", {}, [], () => {
            for (const r of recorded) {
                new Replayed(r.type, r.name, r.inputs);
            }
        });
        return result.resources;
    };
}

type Kind = "program" | "replay" | "synthetic";

async function child(kind: Kind, size: Size, target: Volume | undefined): Promise<Sample> {
    const run = kind === "synthetic" && target !== undefined ? () => evaluateBare(target) : kind === "replay" ? await replayRun(size) : programRun(size);
    // Only the times are kept: an earlier run's resources would otherwise stay on the heap during the next.
    const coldMs = (await measure(run)).ms;
    let ms = Infinity;
    let cpuMs = Infinity;
    let volume: Volume | undefined;
    for (let i = 0; i < WARM_RUNS; i++) {
        (globalThis as { gc?: () => void }).gc?.();
        const warm = await measure(run);
        ms = Math.min(ms, warm.ms);
        cpuMs = Math.min(cpuMs, warm.cpuMs);
        volume ??= volumeOf(warm.resources);
    }
    const services = kind === "program" ? catalogOf(size).services.length : 0;
    return { ...(volume as Volume), services, coldMs, ms, cpuMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

function spawnSample(kind: Kind, size: string, target?: Volume): Sample {
    // A larger young generation: registration allocates many short-lived objects (protobuf structs, promises).
    const args = ["--max-semi-space-size=64", "--expose-gc", ...process.execArgv, __filename, "--one", kind, size, ...(target ? [JSON.stringify(target)] : [])];
    return JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 20 })) as Sample;
}

function row(label: string, s: Sample): string {
    const cells = [s.resources, s.values, s.containers, (s.bytes / 1024).toFixed(0), s.coldMs.toFixed(0), s.ms.toFixed(0), s.cpuMs.toFixed(0), (s.ms / s.resources).toFixed(3), s.peakRssMiB.toFixed(0)];
    return `${label.padEnd(16)} ${cells.map((c) => String(c).padStart(9)).join(" ")}`;
}

function report(sizes: readonly string[], program: readonly Sample[], replay: readonly Sample[], synthetic: readonly Sample[]): void {
    console.log(`${"catalog".padEnd(20)} ${["resources", "values", "objects", "KiB in", "cold ms", "eval ms", "cpu ms", "ms/res", "peak MiB"].map((h) => h.padStart(9)).join(" ")}`);
    sizes.forEach((size, i) => {
        const services = `${size}${size === "default" ? ` (${program[i].services})` : ""}`;
        console.log(row(`${services} program`, program[i]));
        console.log(row(`${services} replay`, replay[i]));
        console.log(row(`${services} synthetic`, synthetic[i]));
    });
    const ratio = (a: Sample, b: Sample): { wall: number; cpu: number } => ({ wall: a.ms / b.ms, cpu: a.cpuMs / b.cpuMs });
    console.log("");
    console.log("ratios (program/replay is the target, ≤ 1.5×; program/synthetic and replay/synthetic beside it):");
    sizes.forEach((size, i) => {
        const target = ratio(program[i], replay[i]);
        const synth = ratio(program[i], synthetic[i]);
        const shapes = ratio(replay[i], synthetic[i]);
        const verdict = Math.max(target.wall, target.cpu) <= 1.5 ? "met" : target.wall <= 1.5 || target.cpu <= 1.5 ? "met on one measure" : "missed";
        console.log(
            `  ${size.padEnd(8)} program/replay wall ×${target.wall.toFixed(2)} cpu ×${target.cpu.toFixed(2)} ${verdict.padEnd(18)}` +
                ` program/synthetic wall ×${synth.wall.toFixed(2)} cpu ×${synth.cpu.toFixed(2)}   replay/synthetic wall ×${shapes.wall.toFixed(2)} cpu ×${shapes.cpu.toFixed(2)}`,
        );
    });
    const growth = (s: readonly Sample[]): string => {
        const i = sizes.indexOf("100");
        const j = sizes.indexOf("1000");
        return `wall ×${(s[j].ms / s[j].resources / (s[i].ms / s[i].resources)).toFixed(2)}  cpu ×${(s[j].cpuMs / s[j].resources / (s[i].cpuMs / s[i].resources)).toFixed(2)}`;
    };
    console.log(`per-resource cost 1000 vs 100 services (≤ ~1 means linear): program ${growth(program)}; replay ${growth(replay)}; synthetic ${growth(synthetic)}`);
    const thousand = program[sizes.indexOf("1000")];
    console.log(`targets: default < 1000 ms (${program[0].ms < 1000 ? "met" : "missed"}), 1000 services < 15000 ms (${thousand.ms < 15000 ? "met" : "missed"})`);
    console.log(`eval and cpu: best of ${WARM_RUNS} evaluations after the first in each process (BENCH_WARM_RUNS)`);
    console.log(`load average now ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores (with load above the core count, trust cpu ms over wall ms)`);
}

async function main(): Promise<void> {
    if (process.argv[2] === "--one") {
        // Pulumi's SDK captures a stack trace for every resource promise (runtime/debuggable.js, for its leak
        // report), and tsx source-maps each one: together they dominate evaluation. The plan turns both off the same way.
        process.setSourceMapsEnabled(false);
        Error.stackTraceLimit = 0;
        const [, , , kind, size, target] = process.argv;
        const sample = await child(kind as Kind, size === "default" ? "default" : Number(size), target === undefined ? undefined : (JSON.parse(target) as Volume));
        process.stdout.write(JSON.stringify(sample));
        return;
    }
    const sizes = ["default", "100", "1000"];
    const program: Sample[] = [];
    const replay: Sample[] = [];
    const synthetic: Sample[] = [];
    for (const size of sizes) {
        // Back to back, so all three see the same load on the machine.
        program.push(spawnSample("program", size));
        replay.push(spawnSample("replay", size));
        synthetic.push(spawnSample("synthetic", size, program[program.length - 1]));
    }
    report(sizes, program, replay, synthetic);
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
