import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PlatformModel } from "../model";
import { DeclaredResource, evaluate } from "./evaluate";
import { PlanUserError, readStackConfig, REDACTED, StackConfig, withPlaceholderSecrets } from "./stack-config";

/**
 * The offline plan: evaluates the real program for a stack under mocks and writes its declared desired state:
 * Kubernetes objects as YAML, Helm releases as chart + version + values, other providers' resources as JSON,
 * secrets redacted. No cluster, no Pulumi CLI, no credentials needed.
 */

export interface Plan {
    readonly stack: string;
    readonly model: PlatformModel;
    readonly resources: readonly DeclaredResource[];
    readonly outputs: Record<string, unknown>;
    /** Secret keys the stack must set before `pulumi up` (filled with placeholders here). */
    readonly missingSecrets: readonly string[];
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

export function isKubernetesObject(r: DeclaredResource): boolean {
    return r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE && !r.type.startsWith("pulumi:providers:");
}

/** Maps each resource to the top-level component it belongs to (`mesh`, `gateway`, ...), or `stack`. */
export function componentIndex(all: readonly DeclaredResource[]): (r: DeclaredResource) => string {
    const byKey = new Map(all.map((x) => [`${x.type}/${x.name}`, x]));
    return (r) => componentOf(r, byKey);
}

function componentOf(r: DeclaredResource, byKey: ReadonlyMap<string, DeclaredResource>): string {
    let current: DeclaredResource | undefined = r;
    let top = "stack";
    while (current?.parent !== undefined) {
        const parent = byKey.get(current.parent);
        if (parent === undefined) {
            break;
        }
        top = parent.name;
        current = parent;
    }
    return top;
}

/** How Pulumi's wire format marks a secret value (`sdk/nodejs/runtime/rpc.ts`: specialSigKey / specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(value: unknown): boolean {
    return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replaces every secret-bearing value: values marked secret, Secret data, and the dynamic provider's closure. */
export function redact(value: unknown, secretField = false): unknown {
    if (isSecretValue(value)) {
        // A secret Secret-data map keeps its keys (they are not secret); everything else goes whole.
        return secretField ? redact((value as { value?: unknown }).value, true) : REDACTED;
    }
    if (secretField) {
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]));
        }
        return REDACTED;
    }
    if (Array.isArray(value)) {
        return value.map((v) => redact(v));
    }
    if (value !== null && typeof value === "object") {
        // `__provider` is a dynamic provider's serialized closure: code, not declared state.
        return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "__provider").map(([k, v]) => [k, redact(v)]));
    }
    return value;
}

export function kubernetesManifest(r: DeclaredResource): Record<string, unknown> {
    const { apiVersion, kind, metadata, ...rest } = r.inputs;
    const isSecret = kind === "Secret";
    const body = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, redact(v, isSecret && (k === "data" || k === "stringData"))]));
    return { apiVersion, kind, metadata, ...body };
}

/** What an Output carries once the engine (here: the mocks) has resolved it; internal to @pulumi/pulumi's OutputImpl. */
interface ResolvedOutputInternals {
    readonly isSecret: Promise<boolean>;
    promise(): Promise<unknown>;
}

/**
 * Resolves every Output inside the exported values into plain data, with secret ones as `[redacted]`. Without this
 * an exported Output was serialized by JSON.stringify through its toJSON, which yields Pulumi's warning text
 * ("Calling [toJSON] on an [Output<T>] is not supported") instead of a value.
 */
export async function resolveOutputs(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as unknown as ResolvedOutputInternals;
        return (await output.isSecret) ? REDACTED : resolveOutputs(await output.promise());
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map((v) => resolveOutputs(v)));
    }
    if (value !== null && typeof value === "object" && !(value instanceof pulumi.Resource)) {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

export async function runPlan(stackConfig: StackConfig): Promise<Plan> {
    const { flat, secretKeys, missingSecrets, model } = withPlaceholderSecrets(stackConfig);
    const evaluation = await evaluate(stackConfig.stack, flat, secretKeys, async () => {
        const program = (await import("../index")) as Record<string, unknown>;
        return program;
    });
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(evaluation.outputs)) {
        if (k !== "default" && k !== "__esModule") {
            outputs[k] = await resolveOutputs(v);
        }
    }
    return { stack: stackConfig.stack, model, resources: evaluation.resources, outputs, missingSecrets };
}

export function inventory(plan: Plan): string {
    const counts = new Map<string, Map<string, number>>();
    const componentOf = componentIndex(plan.resources);
    for (const r of plan.resources) {
        const component = componentOf(r);
        const patch = r.type.endsWith("Patch") ? "Patch" : "";
        const kind = r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string" ? `${r.inputs.kind}${patch} (${String(r.inputs.apiVersion)})` : r.type;
        const perComponent = counts.get(component) ?? new Map<string, number>();
        perComponent.set(kind, (perComponent.get(kind) ?? 0) + 1);
        counts.set(component, perComponent);
    }
    const lines = [`stack ${plan.stack}: ${plan.resources.length} resources`];
    for (const [component, kinds] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
        const total = [...kinds.values()].reduce((a, b) => a + b, 0);
        lines.push(`  ${component} (${total})`);
        for (const [kind, n] of [...kinds].sort(([a], [b]) => a.localeCompare(b))) {
            lines.push(`    ${String(n).padStart(4)}  ${kind}`);
        }
    }
    if (plan.missingSecrets.length > 0) {
        lines.push(`  secrets to set before pulumi up: ${plan.missingSecrets.map((k) => `service-integration:${k}`).join(", ")}`);
    }
    return lines.join("\n");
}

function safeName(text: string): string {
    return text.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/** Extra plan sections contributed by components (decK listing, dashboards), written under the plan folder. */
export type PlanSection = (plan: Plan) => { file: string; content: string }[];

/** The list of files the plan wrote into its folder: the only files a later plan may remove there. */
export const MANIFEST = ".plan-files.json";

function filesUnder(dir: string, base = dir): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? filesUnder(full, base) : [path.relative(base, full).split(path.sep).join("/")];
    });
}

function readManifest(dir: string): string[] | undefined {
    const file = path.join(dir, MANIFEST);
    if (!fs.existsSync(file)) {
        return undefined;
    }
    const list = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    return Array.isArray(list) ? list.filter((f): f is string => typeof f === "string") : [];
}

/**
 * Makes `dir` ready for a plan without touching anything the plan did not write: a folder holding any file that is
 * not in the previous plan's manifest is refused with those files named; otherwise only the manifest's files go.
 * `legacyOwned`: a folder without a manifest that the plan owns by location (out/plan/<stack>, from before manifests).
 */
export function claimPlanFolder(dir: string, legacyOwned = false): string[] {
    if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        return [];
    }
    if (!fs.statSync(dir).isDirectory()) {
        throw new PlanUserError(`${dir} is a file, not a folder; give --out a folder`);
    }
    const present = filesUnder(dir).filter((f) => f !== MANIFEST);
    const owned = readManifest(dir) ?? (legacyOwned ? present : []);
    const foreign = present.filter((f) => !owned.includes(f));
    if (foreign.length > 0) {
        const shown = foreign.slice(0, 10).join(", ") + (foreign.length > 10 ? `, and ${foreign.length - 10} more` : "");
        throw new PlanUserError(`refusing to write the plan into ${dir}: it holds ${foreign.length} file${foreign.length === 1 ? "" : "s"} the plan did not write (${shown}). Give --out an empty or new folder, or move those files away.`);
    }
    for (const f of owned.filter((x) => present.includes(x))) {
        fs.rmSync(path.join(dir, f), { force: true });
    }
    removeEmptyFolders(dir);
    return owned.filter((x) => present.includes(x));
}

function removeEmptyFolders(dir: string): void {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) {
            const sub = path.join(dir, e.name);
            removeEmptyFolders(sub);
            if (fs.readdirSync(sub).length === 0) {
                fs.rmdirSync(sub);
            }
        }
    }
}

export interface WrittenPlan {
    readonly files: string[];
    /** Files of the previous plan in this folder that this plan did not write again (removed). */
    readonly removedStale: string[];
}

export function writePlan(plan: Plan, dir: string, sections: readonly PlanSection[] = [], options: { legacyOwned?: boolean } = {}): string[] {
    return writeOwnedPlan(plan, dir, sections, options).files;
}

export function writeOwnedPlan(plan: Plan, dir: string, sections: readonly PlanSection[] = [], options: { legacyOwned?: boolean } = {}): WrittenPlan {
    const previous = claimPlanFolder(dir, options.legacyOwned === true);
    const written: string[] = [];
    const write = (file: string, content: string): void => {
        const full = path.join(dir, file);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, content);
        written.push(file);
        // Kept current after every file, so a plan that fails half-way still owns what it wrote.
        fs.writeFileSync(path.join(dir, MANIFEST), `${JSON.stringify(written, null, 1)}\n`);
    };
    const byComponent = new Map<string, Record<string, unknown>[]>();
    const componentOf = componentIndex(plan.resources);
    for (const r of plan.resources) {
        const component = componentOf(r);
        if (isKubernetesObject(r)) {
            const list = byComponent.get(component) ?? [];
            list.push(kubernetesManifest(r));
            byComponent.set(component, list);
        } else if (r.type === HELM_RELEASE) {
            const i = r.inputs;
            const repo = (i.repositoryOpts as { repo?: string } | undefined)?.repo;
            write(`helm/${safeName(String(i.name ?? r.name))}.yaml`, YAML.stringify({ release: i.name, namespace: i.namespace, chart: i.chart, version: i.version, repo, values: redact(i.values) }, { aliasDuplicateObjects: false, version: "1.1" }));
        } else if (!r.type.startsWith("platform:") && r.type !== "pulumi:pulumi:Stack") {
            const parts = r.type.split(":");
            const folder = parts[0] === "pulumi" ? `providers` : parts[0];
            write(`${safeName(folder)}/${safeName(r.type.split(":").pop() ?? r.type)}-${safeName(r.name)}.json`, `${JSON.stringify({ type: r.type, name: r.name, protect: r.protect, inputs: redact(r.inputs) }, null, 2)}\n`);
        }
    }
    for (const [component, manifests] of byComponent) {
        write(`kubernetes/${safeName(component)}.yaml`, manifests.map((m) => YAML.stringify(m, { aliasDuplicateObjects: false, version: "1.1" })).join("---\n"));
    }
    for (const section of sections) {
        for (const { file, content } of section(plan)) {
            write(file, content);
        }
    }
    write("outputs.json", `${JSON.stringify(redact(plan.outputs), null, 2)}\n`);
    write("inventory.txt", `${inventory(plan)}\n`);
    return { files: written, removedStale: previous.filter((f) => !written.includes(f)) };
}

export { readStackConfig };
