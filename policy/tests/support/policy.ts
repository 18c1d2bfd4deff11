import {
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";

/**
 * Calls a policy's validateResource / validateStack the way the @pulumi/policy analyzer server does, without the
 * CLI: props wrapped in the same unknown-checking proxy, config from getConfig, notApplicable as a thrown marker,
 * and every reportViolation collected.
 */

// The proxy module's runtime exports (its typings are empty).
const proxy = proxyModule as unknown as {
    unknownCheckingProxy<T>(value: T): T;
    unknownStringValue: string;
    unknownNumberValue: string;
    unknownObjectValue: string;
    unknownArrayValue: string;
};

/** Sentinels the engine sends for values unknown during preview. */
export const UNKNOWN = {
    string: proxy.unknownStringValue,
    number: proxy.unknownNumberValue,
    object: proxy.unknownObjectValue,
    array: proxy.unknownArrayValue,
} as const;

export const PROJECT = "service-integration";

export function urnOf(stack: string, type: string, name: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
}

export interface ResourceInput {
    readonly type: string;
    readonly props: Record<string, unknown>;
    /** Logical Pulumi name; defaults to metadata.name or "resource". */
    readonly name?: string;
    /** Stack name in the URN (default "prod"). */
    readonly stack?: string;
    readonly protect?: boolean;
}

export interface RunOptions {
    /** The policy's config as `--policy-pack-config` would give it (enforcementLevel excluded). */
    readonly config?: object;
    /** Stack name in URNs, when the inputs do not set their own (default "prod"). */
    readonly stack?: string;
}

export interface Outcome {
    readonly violations: string[];
    /** URN each violation was reported against (validateStack may name one). */
    readonly urns: (string | undefined)[];
    /** The reason given to notApplicable, when the policy declared itself not applicable. */
    readonly notApplicable?: string;
}

class NotApplicable extends Error {
    constructor(readonly reason: string) {
        super(`not applicable: ${reason}`);
    }
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason ?? "");
}

function options(protect: boolean | undefined): PolicyResourceOptions {
    return {
        protect: protect ?? false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
}

function logicalName(input: ResourceInput): string {
    const meta = input.props.metadata as { name?: unknown } | undefined;
    return input.name ?? (typeof meta?.name === "string" ? meta.name : "resource");
}

function notUsed(): never {
    throw new Error("isType/asType are not used by these policies");
}

export function resourceArgs(input: ResourceInput, run: RunOptions = {}): ResourceValidationArgs {
    const name = logicalName(input);
    return {
        type: input.type,
        props: proxy.unknownCheckingProxy(structuredClone(input.props)),
        urn: urnOf(input.stack ?? run.stack ?? "prod", input.type, name),
        name,
        opts: options(input.protect),
        stackTags: new Map(),
        isType: notUsed,
        asType: notUsed,
        getConfig: <T extends object>() => (run.config ?? {}) as T,
        notApplicable,
    };
}

export function policyResource(input: ResourceInput, run: RunOptions = {}): PolicyResource {
    const args = resourceArgs(input, run);
    return {
        type: args.type,
        props: args.props,
        urn: args.urn,
        name: args.name,
        opts: args.opts,
        dependencies: [],
        propertyDependencies: {},
        isType: notUsed,
        asType: notUsed,
    };
}

async function collect(run: (report: (message: string, urn?: string) => void) => Promise<void> | void): Promise<Outcome> {
    const violations: string[] = [];
    const urns: (string | undefined)[] = [];
    try {
        await run((message, urn) => {
            violations.push(message);
            urns.push(urn);
        });
    } catch (e) {
        if (e instanceof NotApplicable) {
            return { violations, urns, notApplicable: e.reason };
        }
        throw e;
    }
    return { violations, urns };
}

export async function runResourcePolicy(policy: ResourceValidationPolicy, input: ResourceInput, run: RunOptions = {}): Promise<Outcome> {
    const validations: ResourceValidation[] = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    return collect(async (report) => {
        for (const validate of validations) {
            await validate(resourceArgs(input, run), report);
        }
    });
}

export async function runStackPolicy(policy: StackValidationPolicy, inputs: readonly ResourceInput[], run: RunOptions = {}): Promise<Outcome> {
    const args: StackValidationArgs = {
        resources: inputs.map((i) => policyResource(i, run)),
        stackTags: new Map(),
        getConfig: <T extends object>() => (run.config ?? {}) as T,
        notApplicable,
    };
    return collect((report) => policy.validateStack(args, report));
}

export function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
    return "validateStack" in p;
}

/** Deep copy for building broken variants of real objects. */
export function clone<T>(value: T): T {
    return structuredClone(value);
}
