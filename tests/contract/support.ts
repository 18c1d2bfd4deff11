import * as pulumi from "@pulumi/pulumi";
import { evaluateContract, FlowResult } from "../../contract";
import { L3_ENGINE } from "../../contract/l3";
import { buildModel, PlatformModel, rawConfigFrom } from "../../model";
import { Manifest } from "../../model/wellknown";
import { evaluate } from "../../offline/evaluate";
import { isKubernetesObject, kubernetesManifest } from "../../offline/plan";
import { readStackConfig, withPlaceholderSecrets } from "../../offline/stack-config";
import { deployPlatform } from "../../platform";
import { toolPath } from "../../validation/tools";

/** A stack's model and its declared Kubernetes objects (the plan's), under the recording mocks. */
export async function declaredStack(stack: string, overrides: Record<string, unknown> = {}): Promise<{ model: PlatformModel; manifests: Manifest[] }> {
    const extra = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [`service-integration:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
    const { flat, secretKeys, model } = withPlaceholderSecrets(readStackConfig(stack), extra);
    const { resources } = await evaluate(stack, flat, secretKeys, () => deployPlatform(buildModel({ stack, config: rawConfigFrom(pulumi.runtime.allConfig()) })));
    const manifests = resources.filter((r) => isKubernetesObject(r) && !r.type.endsWith("Patch")).map((r) => kubernetesManifest(r) as unknown as Manifest);
    return { model, manifests };
}

/** The L3 engine's binary; in CI its absence fails, elsewhere the caller skips with the reason. */
export function engine(): string | undefined {
    const bin = toolPath(L3_ENGINE);
    if (bin === undefined && process.env.CI) {
        throw new Error(`${L3_ENGINE} is missing in CI: .ci/run must run scripts/tools/install-go-tools.sh cyclonus`);
    }
    if (bin === undefined) {
        console.warn(`skipping the connectivity contract: ${L3_ENGINE} is not built (bash scripts/tools/install-go-tools.sh cyclonus)`);
    }
    return bin;
}

export function broken(results: readonly FlowResult[]): string[] {
    return results.filter((r) => r.problem !== undefined).map((r) => `${r.flow.id} [${r.flow.expect}]: ${r.problem}`);
}

/** Replaces one declared object (by kind, namespace and name) with `edit(copy)`, or drops it when edit returns undefined. */
export function withBroken(manifests: readonly Manifest[], kind: string, namespace: string, name: string, edit: (m: Manifest) => Manifest | undefined): Manifest[] {
    const i = manifests.findIndex((m) => m.kind === kind && m.metadata.namespace === namespace && m.metadata.name === name);
    if (i < 0) {
        throw new Error(`no ${kind} ${namespace}/${name} to break`);
    }
    const copy = edit(JSON.parse(JSON.stringify(manifests[i])) as Manifest);
    return [...manifests.slice(0, i), ...(copy ? [copy] : []), ...manifests.slice(i + 1)];
}

export { evaluateContract };
