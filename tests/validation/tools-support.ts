import { Manifest } from "../../model/wellknown";
import { isKubernetesObject, kubernetesManifest } from "../../offline/plan";
import { catalogWorkloads } from "../../validation/istio-context";
import { toolPath } from "../../validation/tools";
import { evaluateStack } from "../support/stack";
import { readStackConfig, withPlaceholderSecrets } from "../../offline/stack-config";

/** In CI the Go tools must be there (.ci/run installs them); elsewhere a missing tool skips with the reason. */
export function requireTool(name: string): boolean {
    if (toolPath(name)) {
        return true;
    }
    if (process.env.CI) {
        throw new Error(`${name} is missing in CI: .ci/run must run scripts/tools/install-go-tools.sh`);
    }
    console.warn(`skipping ${name} checks: not installed (bash scripts/tools/install-go-tools.sh)`);
    return false;
}

/** The stack's declared Kubernetes objects (server-side-apply patches excluded: they are partial by design). */
export async function declaredObjects(stack: string): Promise<Manifest[]> {
    const { resources } = await evaluateStack(stack);
    return resources.filter((r) => isKubernetesObject(r) && !r.type.endsWith("Patch")).map((r) => kubernetesManifest(r) as unknown as Manifest);
}

/** Declared objects plus the workloads they refer to, as the stack's model describes them (bound labels, Kafka's pods). */
export async function objectsWithContext(stack: string): Promise<Manifest[]> {
    const objects = await declaredObjects(stack);
    const { model } = withPlaceholderSecrets(readStackConfig(stack));
    return [...objects, ...catalogWorkloads(model.catalog, objects, model.workloads)];
}
