import { describe, expect, it } from "vitest";
import { containerBaseline, imagePinProblem, POD_SPEC_PATHS } from "../rules/containers";
import { ResourceInput, runResourcePolicy } from "./support/policy";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

function container(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "app",
        image: "kong:3.9.1",
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        securityContext: { runAsNonRoot: true, runAsUser: 1000 },
        ...overrides,
    };
}

/** Puts a pod spec where the given workload type keeps it. */
function workload(type: string, podSpec: Record<string, unknown>, name = "app"): ResourceInput {
    let body: Record<string, unknown> = podSpec;
    for (const key of [...(POD_SPEC_PATHS[type] ?? POD_SPEC_PATHS[type.replace(/Patch$/, "")])].reverse()) {
        body = { [key]: body };
    }
    return { type, name, props: { metadata: { name, namespace: "kong" }, ...body } };
}

async function violations(input: ResourceInput): Promise<string[]> {
    return (await runResourcePolicy(containerBaseline, input)).violations;
}

describe("container-baseline", () => {
    it("passes a container with requests, limits, non-root and a pinned tag", async () => {
        expect(await violations(workload(DEPLOYMENT, { containers: [container()] }))).toEqual([]);
    });

    it("rejects a container without limits, naming each missing field", async () => {
        const noLimits = container({ resources: { requests: { cpu: "250m", memory: "512Mi" } } });
        expect(await violations(workload(DEPLOYMENT, { containers: [noLimits] }))).toEqual([
            'Deployment kong/app: container "app" has no resources.limits.cpu, resources.limits.memory; every container sets cpu and memory requests and limits.',
        ]);
        const noResources = container({ resources: undefined });
        expect((await violations(workload(DEPLOYMENT, { containers: [noResources] })))[0]).toContain("resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory");
        const emptyMemory = container({ resources: { requests: { cpu: "1", memory: "" }, limits: { cpu: "1", memory: "1Gi" } } });
        expect(await violations(workload(DEPLOYMENT, { containers: [emptyMemory] }))).toEqual([expect.stringContaining("has no resources.requests.memory;")]);
    });

    it("accepts runAsNonRoot from the pod securityContext, rejects a container override to false, a missing setting and runAsUser 0", async () => {
        const inherit = container({ securityContext: {} });
        expect(await violations(workload(DEPLOYMENT, { securityContext: { runAsNonRoot: true }, containers: [inherit] }))).toEqual([]);
        const override = container({ securityContext: { runAsNonRoot: false } });
        expect(await violations(workload(DEPLOYMENT, { securityContext: { runAsNonRoot: true }, containers: [override] }))).toEqual([
            expect.stringContaining('container "app" does not set runAsNonRoot: true'),
        ]);
        expect(await violations(workload(DEPLOYMENT, { containers: [container({ securityContext: undefined })] }))).toHaveLength(1);
        const root = container({ securityContext: { runAsNonRoot: true, runAsUser: 0 } });
        expect(await violations(workload(DEPLOYMENT, { containers: [root] }))).toEqual([expect.stringContaining("sets runAsUser 0 (root)")]);
    });

    it("rejects latest and untagged images, accepts version tags and digests (registry ports are not tags)", () => {
        expect(imagePinProblem("kong:latest")).toContain("uses the latest tag");
        expect(imagePinProblem("kong")).toContain("has no tag");
        expect(imagePinProblem("registry.local:5000/team/kong")).toContain("has no tag");
        expect(imagePinProblem(undefined)).toBe("has no image");
        expect(imagePinProblem("registry.local:5000/team/kong:3.9.1")).toBeUndefined();
        expect(imagePinProblem("postgres:15.10-alpine")).toBeUndefined();
        expect(imagePinProblem(`kong@sha256:${"a".repeat(64)}`)).toBeUndefined();
    });

    it("reports image problems through validateResource", async () => {
        expect(await violations(workload(DEPLOYMENT, { containers: [container({ image: "kong:latest" })] }))).toEqual([
            'Deployment kong/app: container "app" image kong:latest uses the latest tag; pin a version tag or a digest.',
        ]);
    });

    it("checks init containers, every container of the pod, and a pod without containers", async () => {
        const out = await violations(workload(DEPLOYMENT, { initContainers: [container({ name: "init", image: "busybox" })], containers: [container(), container({ name: "second", resources: {} })] }));
        expect(out).toEqual([expect.stringContaining('container "second" has no resources.requests.cpu'), expect.stringContaining('init container "init" image busybox has no tag')]);
        expect(await violations(workload(DEPLOYMENT, { containers: [] }))).toEqual(["Deployment kong/app: the pod spec at spec.template.spec declares no containers."]);
    });

    it("finds the pod spec of every workload kind", async () => {
        const bad = { containers: [container({ image: "x:latest" })] };
        for (const type of Object.keys(POD_SPEC_PATHS)) {
            const kind = type.slice(type.lastIndexOf(":") + 1);
            expect(await violations(workload(type, bad)), type).toEqual([`${kind} kong/app: container "app" image x:latest uses the latest tag; pin a version tag or a digest.`]);
        }
        expect(Object.keys(POD_SPEC_PATHS)).toEqual(expect.arrayContaining(["kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job", "kubernetes:apps/v1:DaemonSet", "kubernetes:core/v1:Pod"]));
    });

    it("checks workload patches (DeploymentPatch, ...) only for what they set: a rollout annotation passes, a latest image or root does not", async () => {
        const rollout = workload("kubernetes:apps/v1:DeploymentPatch", {}, "portal-services");
        (rollout.props.spec as { template: Record<string, unknown> }).template = { metadata: { annotations: { "platform.254carbon.io/sidecar-revision": "1-28-3" } } };
        expect(await violations(rollout)).toEqual([]);
        const imageOnly = { type: "kubernetes:apps/v1:DeploymentPatch", name: "kong", props: { metadata: { name: "kong", namespace: "kong" }, spec: { template: { spec: { containers: [{ name: "kong", image: "kong:latest" }] } } } } };
        expect(await violations(imageOnly)).toEqual(['DeploymentPatch kong/kong: container "kong" image kong:latest uses the latest tag; pin a version tag or a digest.']);
        const pinned = { ...imageOnly, props: { ...imageOnly.props, spec: { template: { spec: { containers: [{ name: "kong", image: "kong:3.9.1" }] } } } } };
        expect(await violations(pinned)).toEqual([]);
        const root = { ...imageOnly, props: { ...imageOnly.props, spec: { template: { spec: { securityContext: { runAsNonRoot: false }, containers: [{ name: "kong" }] } } } } };
        expect(await violations(root)).toEqual([expect.stringContaining('container "kong" does not set runAsNonRoot: true')]);
    });

    it("ignores resources that are not workloads", async () => {
        expect(await violations({ type: "kubernetes:core/v1:Service", props: { spec: { containers: [{ image: "x:latest" }] } } })).toEqual([]);
    });
});
