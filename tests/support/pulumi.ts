import * as pulumi from "@pulumi/pulumi";

/** One resource the program declared, as the Pulumi engine would have received it. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly provider?: string;
}

/**
 * Installs Pulumi mocks that record every resource the program declares (its inputs as sent to the engine).
 * Must run before the program's modules are imported: Pulumi reads the mocks when resources register.
 * Component resources (local ComponentResource subclasses) are not sent to mocks; assert on their children.
 */
export function recordResources(stack = "dev", project = "service-integration"): RecordedResource[] {
    const recorded: RecordedResource[] = [];
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
                recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, provider: args.provider });
                return { id: `${args.name}-id`, state: { ...args.inputs } };
            },
            call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
                return args.inputs as Record<string, unknown>;
            },
        },
        project,
        stack,
        false,
    );
    return recorded;
}

/** Waits until every registration the program started has reached the mocks. */
export async function settle(): Promise<void> {
    // Output resolution chains through several microtask/timer turns; a few macrotask turns drain them.
    for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setImmediate(resolve));
    }
}

/** Resolves a Pulumi Output (or plain value) in tests. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

export function named(resources: readonly RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) {
        const names = ofType(resources, type).map((r) => r.name);
        throw new Error(`no ${type} named ${name}; declared: ${names.join(", ") || "none"}`);
    }
    return found;
}
