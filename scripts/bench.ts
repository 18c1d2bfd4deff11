/**
 * npm run bench
 * Evaluates the whole program under mocks (as the offline plan does) for the default catalog and for generated
 * catalogs of 100 and 1000 services, each in a fresh process, and prints evaluation time, resource count and
 * peak memory. Targets: default < 1 s, 1000 services < 15 s, growth no worse than linear.
 */
import { execFileSync } from "child_process";
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { buildModel, rawConfigFrom } from "../model";
import { evaluate } from "../offline/evaluate";
import { readStackConfig, withPlaceholderSecrets } from "../offline/stack-config";
import { deployPlatform } from "../platform";
import { defaultCatalogFile, generateCatalog } from "./generate-catalog";

interface Sample {
    readonly catalog: string;
    readonly services: number;
    readonly resources: number;
    /** First evaluation in a fresh process: includes loading the provider SDK modules. */
    readonly coldMs: number;
    /** Second evaluation in the same process: the program's own evaluation cost. */
    readonly ms: number;
    readonly rssMiB: number;
}

async function timed(size: number | "default"): Promise<{ services: number; resources: number; ms: number }> {
    const { flat, secretKeys } = withPlaceholderSecrets(readStackConfig("prod"));
    const catalog = size === "default" ? defaultCatalogFile() : generateCatalog(size);
    const started = process.hrtime.bigint();
    const result = await evaluate("prod", flat, secretKeys, () =>
        deployPlatform(buildModel({ stack: "prod", config: rawConfigFrom(pulumi.runtime.allConfig()), catalog })),
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { services: catalog.services.length, resources: result.resources.length, ms };
}

async function one(size: number | "default"): Promise<Sample> {
    const cold = await timed(size);
    const warm = await timed(size);
    return { catalog: String(size), services: warm.services, resources: warm.resources, coldMs: cold.ms, ms: warm.ms, rssMiB: process.memoryUsage().rss / 2 ** 20 };
}

async function main(): Promise<void> {
    const arg = process.argv[2];
    if (arg === "--one") {
        // Pulumi's SDK captures a stack trace for every resource promise (runtime/debuggable.js, for its leak
        // report), and tsx source-maps each one: together they dominate evaluation. The plan turns both off the same way.
        process.setSourceMapsEnabled(false);
        Error.stackTraceLimit = 0;
        const size = process.argv[3] === "default" ? "default" : Number(process.argv[3]);
        process.stdout.write(JSON.stringify(await one(size)));
        return;
    }
    const samples: Sample[] = [];
    for (const size of ["default", "100", "1000"]) {
        // A larger young generation: registration allocates many short-lived objects (protobuf structs, promises).
        const out = execFileSync(process.execPath, ["--max-semi-space-size=64", ...process.execArgv, __filename, "--one", size], { encoding: "utf8", maxBuffer: 1 << 20 });
        samples.push(JSON.parse(out) as Sample);
    }
    console.log("catalog   services  resources  cold ms  eval ms  ms/resource  rss MiB");
    for (const s of samples) {
        console.log(
            `${s.catalog.padEnd(9)} ${String(s.services).padStart(8)} ${String(s.resources).padStart(10)} ${s.coldMs.toFixed(0).padStart(8)} ${s.ms.toFixed(0).padStart(8)} ${(s.ms / s.resources).toFixed(3).padStart(12)} ${s.rssMiB.toFixed(0).padStart(8)}`,
        );
    }
    const [, hundred, thousand] = samples;
    const growth = thousand.ms / thousand.resources / (hundred.ms / hundred.resources);
    console.log(`per-resource cost 1000 vs 100 services: ×${growth.toFixed(2)} (≤ ~1 means linear)`);
    console.log(`targets: default < 1000 ms (${samples[0].ms < 1000 ? "met" : "missed"}), 1000 services < 15000 ms (${thousand.ms < 15000 ? "met" : "missed"}); load average now ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
