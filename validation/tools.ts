import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { Manifest } from "../model/wellknown";

/**
 * Runs the Go-built upstream checkers (istioctl, kube-score) on declared objects. The binaries are installed by
 * scripts/tools/install-go-tools.sh into ~/.cache/254carbon/bin (or TOOLS_BIN).
 */

/** Where scripts/tools/install-*.sh link the binaries (their TOOLS_BIN_DIR). */
export const TOOLS_BIN = process.env.TOOLS_BIN_DIR ?? path.join(process.env.TOOLS_ROOT ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "254carbon"), "bin");

export function toolPath(name: string): string | undefined {
    const candidate = path.join(TOOLS_BIN, name);
    return fs.existsSync(candidate) ? candidate : undefined;
}

/** A finding a committed file allows, with the reason it is accepted. */
export interface Suppression {
    readonly code: string;
    readonly resource: string;
    readonly reason: string;
}

/**
 * Reads `CODE RESOURCE # reason` lines (RESOURCE may be `*`). A line without a reason is an error:
 * every exception must say why.
 */
export function readSuppressions(file: string): Suppression[] {
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((line) => {
            const m = /^(\S+)\s+(\S+)\s+#\s*(\S.*)$/.exec(line);
            if (!m) {
                throw new Error(`${path.basename(file)}: "${line}" needs the form "CODE RESOURCE # reason"`);
            }
            return { code: m[1], resource: m[2], reason: m[3] };
        });
}

function writeManifests(manifests: readonly Manifest[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "validate-"));
    const file = path.join(dir, "objects.yaml");
    // YAML 1.1 output: Go's YAML readers would take an unquoted `off` for a boolean.
    fs.writeFileSync(file, manifests.map((m) => YAML.stringify(m, { version: "1.1", aliasDuplicateObjects: false })).join("---\n"));
    return file;
}

export interface AnalyzerMessage {
    readonly level: string;
    readonly code: string;
    /** `Kind namespace/name` as istioctl prints it. */
    readonly resource: string;
    readonly message: string;
}

/** `istioctl analyze --use-kube=false` over the objects; every message at Info level or above. */
export function istioctlAnalyze(manifests: readonly Manifest[]): { messages: AnalyzerMessage[]; raw: string } {
    const bin = toolPath("istioctl");
    if (!bin) {
        throw new Error(`istioctl is not installed in ${TOOLS_BIN}: run bash scripts/tools/install-go-tools.sh`);
    }
    const file = writeManifests(manifests);
    const run = spawnSync(bin, ["analyze", "--use-kube=false", "--all-namespaces", "--output", "json", "--output-threshold", "Info", "--failure-threshold", "Error", file], { encoding: "utf8" });
    if (run.error) {
        throw run.error;
    }
    const out = run.stdout.trim();
    if (out.includes("could not be parsed") || /Error\(s\) adding files/.test(run.stderr)) {
        throw new Error(`istioctl could not parse the objects:\n${run.stderr}`);
    }
    const parsed = (out === "" ? [] : JSON.parse(out)) as { level: string; code: string; origin: string; message: string }[];
    return { messages: parsed.map((m) => ({ level: m.level, code: m.code, resource: m.origin, message: m.message })), raw: `${run.stdout}\n${run.stderr}` };
}

export interface ScoreFinding {
    /** `Kind namespace/name`. */
    readonly object: string;
    readonly check: string;
    readonly grade: string;
    readonly comment: string;
}

/** `kube-score score` over the objects; findings at WARNING or CRITICAL. */
export function kubeScore(manifests: readonly Manifest[], ignoredChecks: readonly string[] = []): ScoreFinding[] {
    const bin = toolPath("kube-score");
    if (!bin) {
        throw new Error(`kube-score is not installed in ${TOOLS_BIN}: run bash scripts/tools/install-go-tools.sh`);
    }
    const file = writeManifests(manifests);
    const args = ["score", "--output-format", "json", ...ignoredChecks.flatMap((c) => ["--ignore-test", c]), file];
    const run = spawnSync(bin, args, { encoding: "utf8" });
    if (run.error) {
        throw run.error;
    }
    if (run.stdout.trim() === "") {
        throw new Error(`kube-score printed nothing:\n${run.stderr}`);
    }
    type Check = { check: { id: string }; grade: number; skipped: boolean; comments: { summary: string; description?: string; path?: string }[] | null };
    const objects = JSON.parse(run.stdout) as { object_name: string; type_meta: { kind: string }; object_meta: { namespace?: string }; checks: Check[] }[];
    const grades: Record<number, string> = { 1: "CRITICAL", 5: "WARNING" };
    return objects.flatMap((o) =>
        o.checks
            .filter((c) => !c.skipped && (c.grade === 1 || c.grade === 5))
            .map((c) => ({
                // object_name reads `Kind/group/version/namespace/name`; its last segment is the name.
                object: `${o.type_meta.kind} ${o.object_meta.namespace ?? ""}/${o.object_name.split("/").pop()}`,
                check: c.check.id,
                grade: grades[c.grade],
                comment: (c.comments ?? []).map((x) => `${x.path ? `${x.path}: ` : ""}${x.summary}`).join("; "),
            })),
    );
}
