import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asObject, asString, at, describeObject, kindOf, PlainObject } from "./values";

/**
 * Every container the program declares (all environments), in Deployments, StatefulSets, DaemonSets, ReplicaSets,
 * Jobs, CronJobs and Pods, init containers included:
 * - resources.requests and resources.limits, each with cpu and memory;
 * - runs as non-root: runAsNonRoot true on the container, or on the pod and not overridden, and never runAsUser 0;
 * - an image pinned to a tag other than `latest`, or to a digest.
 * Patches of those kinds (`DeploymentPatch`, ...) are partial by design: only what they set is checked (an image
 * they set is pinned, they do not set runAsNonRoot false or runAsUser 0).
 * Containers inside Helm charts are rendered by Helm, not declared here; their resources are set through chart
 * values and checked by the Helm-values validation, not by this rule.
 */

/** Where each workload kind keeps its pod spec. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    "kubernetes:core/v1:Pod": ["spec"],
};

/**
 * Server-side-apply patches of workloads (`DeploymentPatch`, ...) carry only the fields they change, so nothing is
 * required of them; what they do set must not break the baseline (an unpinned image, runAsNonRoot false, root).
 */
export const POD_SPEC_PATHS_OF_PATCHES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
    Object.entries(POD_SPEC_PATHS).map(([type, path]) => [`${type}Patch`, path]),
);

const REQUIRED_RESOURCES = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

function present(value: unknown): boolean {
    return (typeof value === "string" && value.trim() !== "") || typeof value === "number";
}

/** Why an image reference is not pinned, or undefined when it is (tag other than latest, or digest). */
export function imagePinProblem(image: string | undefined): string | undefined {
    if (image === undefined || image.trim() === "") {
        return "has no image";
    }
    if (/@sha256:[0-9a-f]{64}$/.test(image)) {
        return undefined;
    }
    const lastSlash = image.lastIndexOf("/");
    const lastColon = image.lastIndexOf(":");
    // A colon before the last slash is a registry port (registry:5000/app), not a tag.
    if (lastColon <= lastSlash) {
        return `image ${image} has no tag (defaults to latest); pin a version tag or a digest`;
    }
    const tag = image.slice(lastColon + 1);
    if (tag === "latest") {
        return `image ${image} uses the latest tag; pin a version tag or a digest`;
    }
    return undefined;
}

function containerProblems(container: PlainObject, podSecurity: PlainObject, id: string, init: boolean, partial: boolean): string[] {
    const name = asString(container.name) ?? "<unnamed>";
    const prefix = `${id}: ${init ? "init container" : "container"} "${name}"`;
    const problems: string[] = [];

    if (!partial) {
        const resources = asObject(container.resources) ?? {};
        const missing = REQUIRED_RESOURCES.filter((p) => {
            const [group, key] = p.split(".");
            return !present(at(resources, group, key));
        });
        if (missing.length > 0) {
            problems.push(`${prefix} has no ${missing.map((m) => `resources.${m}`).join(", ")}; every container sets cpu and memory requests and limits.`);
        }
    }

    const security = asObject(container.securityContext) ?? {};
    const runAsNonRoot = security.runAsNonRoot ?? podSecurity.runAsNonRoot;
    if (partial ? runAsNonRoot === false : runAsNonRoot !== true) {
        problems.push(`${prefix} does not set runAsNonRoot: true (on the container or the pod securityContext).`);
    }
    const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
    if (runAsUser === 0) {
        problems.push(`${prefix} sets runAsUser 0 (root).`);
    }

    if (!partial || container.image !== undefined) {
        const imageProblem = imagePinProblem(asString(container.image));
        if (imageProblem !== undefined) {
            problems.push(`${prefix} ${imageProblem}.`);
        }
    }
    return problems;
}

export function workloadProblems(type: string, props: PlainObject, logicalName: string): string[] {
    const partial = POD_SPEC_PATHS_OF_PATCHES[type] !== undefined;
    const path = POD_SPEC_PATHS[type] ?? POD_SPEC_PATHS_OF_PATCHES[type];
    if (path === undefined) {
        return [];
    }
    const id = describeObject(kindOf(type), props, logicalName);
    const podSpec = asObject(at(props, ...path)) ?? {};
    const podSecurity = asObject(podSpec.securityContext) ?? {};
    const problems: string[] = [];
    const containers = asArray(podSpec.containers);
    if (containers.length === 0 && !partial) {
        problems.push(`${id}: the pod spec at ${path.join(".")} declares no containers.`);
    }
    for (const c of containers) {
        problems.push(...containerProblems(asObject(c) ?? {}, podSecurity, id, false, partial));
    }
    for (const c of asArray(podSpec.initContainers)) {
        problems.push(...containerProblems(asObject(c) ?? {}, podSecurity, id, true, partial));
    }
    return problems;
}

export const containerBaseline: ResourceValidationPolicy = {
    name: "container-baseline",
    description:
        "Every container (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod; init containers too) sets cpu/memory requests and limits, runs as non-root and pins its image (no latest, no untagged).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const problem of workloadProblems(args.type, args.props, args.name)) {
            reportViolation(problem);
        }
    },
};
