import * as fs from "fs";
import * as path from "path";

/**
 * Checks the values the program passes to each Helm release against the keys that chart version documents
 * (`validation/helm-values/<chart>-<version>.keys`, read from the chart's values.yaml at that version), so a
 * misspelled or moved key — which Helm silently ignores — fails here instead.
 */

const KEYS_DIR = path.join(__dirname, "helm-values");

export interface ValuesFinding {
    readonly release: string;
    readonly key: string;
    readonly message: string;
}

export function documentedKeys(chart: string, version: string): string[] | undefined {
    const file = path.join(KEYS_DIR, `${chart}-${version}.keys`);
    if (!fs.existsSync(file)) {
        return undefined;
    }
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Dotted paths to every leaf of `values` (arrays are leaves: Helm replaces lists whole). */
export function leafPaths(values: unknown, prefix = ""): string[] {
    if (values !== null && typeof values === "object" && !Array.isArray(values)) {
        const entries = Object.entries(values as Record<string, unknown>);
        return entries.length === 0 ? [prefix] : entries.flatMap(([k, v]) => leafPaths(v, prefix === "" ? k : `${prefix}.${k}`));
    }
    return [prefix];
}

function allowed(key: string, documented: readonly string[]): boolean {
    return documented.some((d) => d === key || (d.endsWith(".*") && key.startsWith(d.slice(0, -1))));
}

export function checkValues(release: string, chartOrPath: string, version: string, values: unknown): ValuesFinding[] {
    // A chart installed from a local folder (the local stack's extracted Istio charts) is named by its folder.
    const chart = path.isAbsolute(chartOrPath) || chartOrPath.startsWith(".") ? path.basename(chartOrPath) : chartOrPath;
    const documented = documentedKeys(chart, version);
    if (!documented) {
        return [{ release, key: "", message: `no documented key list for chart ${chart} ${version}: add validation/helm-values/${chart}-${version}.keys (scripts/helm-keys.ts)` }];
    }
    return leafPaths(values)
        .filter((key) => key !== "" && !allowed(key, documented))
        .map((key) => {
            const parent = key.split(".").slice(0, -1).join(".");
            const siblings = documented.filter((d) => d.startsWith(`${parent}.`) && d.split(".").length === key.split(".").length).map((d) => d.split(".").pop());
            return {
                release,
                key,
                message: `${key} is not a value chart ${chart} ${version} documents${siblings.length > 0 ? ` (under ${parent || "the top level"}: ${siblings.slice(0, 12).join(", ")})` : ""}`,
            };
        });
}
