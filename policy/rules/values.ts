import * as policyRuntime from "@pulumi/policy";

/**
 * Plain-data helpers for reading resource properties as @pulumi/policy hands them over: JSON-like values behind
 * a proxy that throws `UnknownValueError` when a rule reads a value that is unknown during `pulumi preview`
 * (an input computed from another resource's output). Rules read what decides a verdict directly (an unknown
 * there makes the framework report "can't run during preview" and re-check at `pulumi up`); names used only in
 * messages are read with `known()`, so an unknown namespace never hides a violation.
 */

export type PlainObject = Record<string, unknown>;

export function asObject(value: unknown): PlainObject | undefined {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as PlainObject) : undefined;
}

export function asArray(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** Follows a path of object keys; undefined as soon as one step is not an object. */
export function at(value: unknown, ...path: string[]): unknown {
    let current: unknown = value;
    for (const key of path) {
        const o = asObject(current);
        if (o === undefined) {
            return undefined;
        }
        current = o[key];
    }
    return current;
}

// `UnknownValueError` is exported at runtime but missing from the package's typings (proxy.d.ts is empty).
const UnknownValueError = (policyRuntime as unknown as { UnknownValueError?: abstract new (...args: never[]) => Error }).UnknownValueError;

/** True when `e` is the proxy's "this value is unknown during preview" error. */
export function isUnknownValueError(e: unknown): boolean {
    if (UnknownValueError !== undefined && e instanceof UnknownValueError) {
        return true;
    }
    return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/** Reads a value for a message; `fallback` when it is unknown during preview. */
export function known<T>(read: () => T, fallback: T): T {
    try {
        return read();
    } catch (e) {
        if (isUnknownValueError(e)) {
            return fallback;
        }
        throw e;
    }
}

/** Outcome of reading one property: its value, or the fact that it is unknown during preview. */
export type Peek = { readonly known: true; readonly value: unknown } | { readonly known: false };

export function peek(o: PlainObject, key: string): Peek {
    try {
        return { known: true, value: o[key] };
    } catch (e) {
        if (isUnknownValueError(e)) {
            return { known: false };
        }
        throw e;
    }
}

/** `Kind namespace/name` of a Kubernetes object for messages (logical Pulumi name when metadata.name is not set). */
export function describeObject(kind: string, props: PlainObject, logicalName: string): string {
    const name = known(() => asString(at(props, "metadata", "name")), undefined) ?? logicalName;
    const namespace = known(() => asString(at(props, "metadata", "namespace")), "<computed>");
    return namespace === undefined ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

/** `kubernetes:security.istio.io/v1:PeerAuthentication` → `PeerAuthentication`. */
export function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}
