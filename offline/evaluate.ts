import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../model";

/**
 * Runs the program with Pulumi's mock monitor instead of an engine: no cluster, no CLI, no credentials.
 * Every resource the program declares is recorded with its inputs, its parent component and what it depends on.
 * Used by the offline plan, the benchmarks and the tests, so all three see the same declared state.
 */

export interface DeclaredResource {
    readonly type: string;
    readonly name: string;
    /** Inputs as the engine would receive them (Outputs resolved). */
    readonly inputs: Record<string, unknown>;
    /** `type/name` of the parent resource, when it has one. */
    readonly parent?: string;
    /** `type/name` of every explicit dependsOn. */
    readonly dependsOn: readonly string[];
    /** `name` of the explicit provider resource, when one is given. */
    readonly provider?: string;
    /** Declared with `protect: true` (Pulumi refuses to delete it). */
    readonly protect: boolean;
}

export interface Evaluation<T> {
    readonly resources: readonly DeclaredResource[];
    readonly outputs: T;
}

interface PulumiResourceInternals {
    readonly __pulumiType?: string;
    readonly __name?: string;
}

function key(res: unknown): string | undefined {
    const r = res as PulumiResourceInternals | undefined;
    return r?.__pulumiType !== undefined && r.__name !== undefined ? `${r.__pulumiType}/${r.__name}` : undefined;
}

// Not in the package's typings, but exported: drains the queue of pending resource registrations.
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** A private static of @pulumi/pulumi's Resource (resource.ts): the call stack sent to the engine with each registration. */
interface ResourceStackTrace {
    stackTrace(skip: number): unknown[];
}

/**
 * Runs `body` with Pulumi's per-resource call-stack capture turned off. Every resource constructor takes an
 * unbounded `new Error().stack`, parses it and makes a file URL of each frame, only so the engine can show source
 * positions; the mock monitor never reads them (@pulumi/pulumi 3.276.0 runtime/mocks.ts registerResource). The
 * program declares its resources deep inside components, where each stack is long: turning the capture off took
 * about 10% off its evaluation (npm run bench).
 */
async function withoutSourcePositions<T>(body: () => Promise<T>): Promise<T> {
    const resource = pulumi.Resource as unknown as ResourceStackTrace;
    const original = resource.stackTrace;
    resource.stackTrace = () => [];
    try {
        return await body();
    } finally {
        resource.stackTrace = original;
    }
}

/**
 * Evaluates `program` under mocks as stack `stack` with the given flat config (`project:key` → string).
 * Secret config keys are marked secret. Call once per process: Pulumi's runtime state is global.
 */
export async function evaluate<T>(stack: string, config: Record<string, string>, secretKeys: readonly string[], program: () => T | Promise<T>): Promise<Evaluation<T>> {
    const byKey = new Map<string, { type: string; name: string; inputs: Record<string, unknown> }>();
    const meta = new Map<string, { type: string; name: string; parent?: string; dependsOn: string[]; provider?: string; protect: boolean }>();
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
                const k = `${args.type}/${args.name}`;
                byKey.set(k, { type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
                // No state: with an empty result the SDK resolves each output from the resource's own inputs
                // (@pulumi/pulumi 3.276.0 runtime/resource.ts resolveOutputs, outside a preview), as an echo would, without serializing
                // every input a second time into the response and back.
                return { id: `${args.name}-id`, state: {} };
            },
            call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
                return args.inputs as Record<string, unknown>;
            },
        },
        PROJECT,
        stack,
        false,
    );
    pulumi.runtime.setAllConfig(config, secretKeys.map((k) => `${PROJECT}:${k}`));

    let outputs: T | undefined;
    await withoutSourcePositions(async () => {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                const deps = args.opts.dependsOn;
                const list = Array.isArray(deps) ? deps : deps === undefined ? [] : [deps];
                meta.set(`${args.type}/${args.name}`, {
                    type: args.type,
                    name: args.name,
                    parent: key(args.opts.parent),
                    dependsOn: list.map((d) => key(d)).filter((d): d is string => d !== undefined),
                    provider: key((args.opts as pulumi.CustomResourceOptions).provider),
                    protect: args.opts.protect === true,
                });
                return undefined;
            });
            outputs = await program();
            return undefined;
        });
        await settings.waitForRPCs();
    });

    const resources: DeclaredResource[] = [];
    for (const [k, m] of meta) {
        // Components never reach the mocks; they appear with empty inputs.
        resources.push({ type: m.type, name: m.name, inputs: byKey.get(k)?.inputs ?? {}, parent: m.parent, dependsOn: m.dependsOn, provider: m.provider, protect: m.protect });
    }
    return { resources, outputs: outputs as T };
}
