import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PlatformModel } from "../model";
import { DeclaredResource, evaluate } from "./evaluate";
import { readStackConfig, REDACTED, StackConfig, withPlaceholderSecrets } from "./stack-config";

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

export async function runPlan(stackConfig: StackConfig): Promise<Plan> {
    const { flat, secretKeys, missingSecrets, model } = withPlaceholderSecrets(stackConfig);
    const evaluation = await evaluate(stackConfig.stack, flat, secretKeys, async () => {
        const program = (await import("../index")) as Record<string, unknown>;
        return program;
    });
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(evaluation.outputs)) {
        if (k !== "default" && k !== "__esModule") {
            outputs[k] = v;
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

export function writePlan(plan: Plan, dir: string, sections: readonly PlanSection[] = []): string[] {
    fs.rmSync(dir, { recursive: true, force: true });
    const written: string[] = [];
    const write = (file: string, content: string): void => {
        const full = path.join(dir, file);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, content);
        written.push(file);
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
    return written;
}

export { readStackConfig };
