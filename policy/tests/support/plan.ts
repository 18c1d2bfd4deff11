import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { POD_SPEC_PATHS } from "../../rules/containers";
import { ResourceInput } from "./policy";

/**
 * Reads the offline plan the program writes (`npm run plan -- <stack>` in the repository root, out/plan/<stack>/)
 * and turns it back into what the policy pack would see: one resource per declared object, with its Pulumi type
 * token, plus the root stack resource whose outputs are the stack outputs.
 */

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const STACK = "pulumi:pulumi:Stack";

export interface LoadedPlan {
    readonly stack: string;
    readonly dir: string;
    readonly resources: ResourceInput[];
    readonly outputs: Record<string, unknown>;
    /** `type::name` of the non-Kubernetes resources whose `protect` option the plan does not record (their protect is undefined). */
    readonly protectUnknown: string[];
}

/** Where plans are read from: out/plan in the repository, or $POLICY_PLAN_ROOT (for plans written with --out). */
export function planDir(stack: string): string {
    return path.join(process.env.POLICY_PLAN_ROOT ?? path.join(REPO_ROOT, "out", "plan"), stack);
}

export function planExists(stack: string): boolean {
    return fs.existsSync(path.join(planDir(stack), "outputs.json"));
}

/** `v1` → `kubernetes:core/v1:Kind`; `apps/v1` → `kubernetes:apps/v1:Kind` (the Pulumi type token of the object). */
export function kubernetesType(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/**
 * The plan writes a `DeploymentPatch` (server-side-apply patch) with the kind of the object it patches, so the type
 * token is recovered here: a workload object whose pod template has no containers (which a full object must have),
 * or one that carries Pulumi's patch annotations, is a patch.
 */
function isPatch(type: string, props: Record<string, unknown>): boolean {
    const annotations = (props.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {};
    if ("pulumi.com/patchForce" in annotations || "pulumi.com/patchFieldManager" in annotations) {
        return true;
    }
    const path = POD_SPEC_PATHS[type];
    if (path === undefined) {
        return false;
    }
    let spec: unknown = props;
    for (const key of path) {
        spec = (spec as Record<string, unknown> | undefined)?.[key];
    }
    return !Array.isArray((spec as { containers?: unknown } | undefined)?.containers);
}

function filesIn(dir: string, ext: string): string[] {
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => path.join(dir, f)) : [];
}

export function loadPlan(stack: string): LoadedPlan {
    const dir = planDir(stack);
    if (!planExists(stack)) {
        throw new Error(`no offline plan for stack ${stack} at ${dir}: run \`npm run plan -- ${stack}\` in ${REPO_ROOT} first`);
    }
    const resources: ResourceInput[] = [];
    const protectUnknown: string[] = [];

    for (const file of filesIn(path.join(dir, "kubernetes"), ".yaml")) {
        for (const doc of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
            const m = doc.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } | null;
            if (m === null || typeof m.apiVersion !== "string" || typeof m.kind !== "string") {
                continue;
            }
            const name = [m.kind.toLowerCase(), m.metadata?.namespace, m.metadata?.name].filter((x) => x !== undefined).join("-");
            const type = kubernetesType(m.apiVersion, m.kind);
            const props = m as Record<string, unknown>;
            resources.push({ type: isPatch(type, props) ? `${type}Patch` : type, name, props, stack });
        }
    }

    for (const file of filesIn(path.join(dir, "helm"), ".yaml")) {
        const h = parseAllDocuments(fs.readFileSync(file, "utf8"))[0].toJS() as { release: string; namespace: string; chart: string; version: string; repo?: string; values?: unknown };
        resources.push({
            type: HELM_RELEASE,
            name: h.release,
            props: { name: h.release, namespace: h.namespace, chart: h.chart, version: h.version, repositoryOpts: { repo: h.repo }, values: h.values ?? {} },
            stack,
        });
    }

    // Other providers' resources: <provider>/<Type>-<name>.json with { type, name, inputs, protect? }.
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name === "kubernetes" || entry.name === "helm") {
            continue;
        }
        for (const file of filesIn(path.join(dir, entry.name), ".json")) {
            const r = JSON.parse(fs.readFileSync(file, "utf8")) as { type?: string; name?: string; inputs?: Record<string, unknown>; protect?: boolean };
            if (typeof r.type !== "string" || typeof r.name !== "string" || r.type.startsWith("pulumi:providers:")) {
                continue;
            }
            if (r.protect === undefined) {
                protectUnknown.push(`${r.type}::${r.name}`);
            }
            resources.push({ type: r.type, name: r.name, props: r.inputs ?? {}, stack, protect: r.protect });
        }
    }

    const outputs = JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8")) as Record<string, unknown>;
    resources.push({ type: STACK, name: `${"service-integration"}-${stack}`, props: outputs, stack });
    return { stack, dir, resources, outputs, protectUnknown };
}

export function ofType(plan: LoadedPlan, type: string): ResourceInput[] {
    return plan.resources.filter((r) => r.type === type);
}

/** The pack's config file for an environment (policy/<env>.json), as --policy-pack-config passes it. */
export function packConfig(env: string): Record<string, Record<string, unknown>> {
    return JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", `${env}.json`), "utf8")) as Record<string, Record<string, unknown>>;
}

/** A policy's config from a pack config file, without enforcementLevel (what getConfig returns). */
export function policyConfig(config: Record<string, Record<string, unknown> | string>, policy: string): object {
    const c = config[policy];
    if (c === undefined || typeof c === "string") {
        return {};
    }
    return Object.fromEntries(Object.entries(c).filter(([key]) => key !== "enforcementLevel"));
}
