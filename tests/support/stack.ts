import * as pulumi from "@pulumi/pulumi";
import { buildModel, rawConfigFrom } from "../../model";
import { DeclaredResource, evaluate } from "../../offline/evaluate";
import { readStackConfig, withPlaceholderSecrets } from "../../offline/stack-config";
import { deployPlatform, PlatformOutputs } from "../../platform";
import { Manifest } from "../../model/wellknown";

/**
 * Evaluates the program for a committed stack (Pulumi.<stack>.yaml) under recording mocks, exactly as index.ts
 * wires it, optionally with config overrides (`key` without project prefix → value).
 */
export async function evaluateStack(stack: string, overrides: Record<string, unknown> = {}): Promise<{ resources: readonly DeclaredResource[]; outputs: PlatformOutputs }> {
    const extra = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [`service-integration:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
    const { flat, secretKeys } = withPlaceholderSecrets(readStackConfig(stack), extra);
    return evaluate(stack, flat, secretKeys, () => deployPlatform(buildModel({ stack, config: rawConfigFrom(pulumi.runtime.allConfig()) })));
}

/** Kubernetes objects of one kind, as manifests. */
export function manifests(resources: readonly DeclaredResource[], kind: string): Manifest[] {
    return resources.filter((r) => r.inputs.kind === kind).map((r) => r.inputs as unknown as Manifest);
}

export function find(resources: readonly DeclaredResource[], kind: string, namespace: string | undefined, name: string): Manifest {
    const m = manifests(resources, kind).find((x) => x.metadata.name === name && x.metadata.namespace === namespace);
    if (!m) {
        throw new Error(`no ${kind} ${namespace ?? ""}/${name}; declared: ${manifests(resources, kind).map((x) => `${x.metadata.namespace}/${x.metadata.name}`).join(", ")}`);
    }
    return m;
}

export function spec<T = Record<string, unknown>>(m: Manifest): T {
    return m.spec as T;
}
