import { Manifest } from "../model/wellknown";

/**
 * Validates declared Kubernetes objects against the upstream OpenAPI/CRD schemas that the
 * `kubernetes-models` packages compile (Kubernetes, Istio, Prometheus operator).
 * Those schemas accept unknown fields, and a misspelled field is the commonest mistake, so every key is
 * also probed: a key the schema knows rejects a value of no JSON type; a key it does not know accepts it.
 */

interface Model {
    validate(): void;
}
type ModelClass = new (data: unknown) => Model;

export interface SchemaFinding {
    readonly object: string;
    readonly field: string;
    readonly message: string;
}

function modulePath(apiVersion: string, kind: string): string {
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    if (group.endsWith("istio.io")) {
        return `@kubernetes-models/istio/${group}/${version}/${kind}`;
    }
    if (group === "monitoring.coreos.com") {
        return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
    }
    return group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

const cache = new Map<string, Promise<ModelClass | undefined>>();

/** The model class for an apiVersion/kind, or undefined when no upstream schema exists for it. */
export function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
    const key = `${apiVersion}/${kind}`;
    let found = cache.get(key);
    if (!found) {
        // The packages are ESM-only; a dynamic import works from CommonJS too.
        found = import(modulePath(apiVersion, kind)).then(
            (mod: Record<string, unknown>) => mod[kind] as ModelClass | undefined,
            () => undefined,
        );
        cache.set(key, found);
    }
    return found;
}

function describe(m: Manifest): string {
    return `${m.kind} ${m.metadata.namespace ?? ""}${m.metadata.namespace ? "/" : ""}${m.metadata.name} (${m.apiVersion})`;
}

function passes(Ctor: ModelClass, data: unknown): string | undefined {
    try {
        new Ctor(data).validate();
        return undefined;
    } catch (e) {
        return (e as Error).message;
    }
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
    const copy = structuredClone(root) as Record<string | number, unknown>;
    let cur = copy;
    for (const p of path.slice(0, -1)) {
        cur = cur[p] as Record<string | number, unknown>;
    }
    cur[path[path.length - 1]] = value;
    return copy;
}

/** A value no JSON schema type admits: known fields reject it, unknown fields let it through. */
const NO_JSON_TYPE = Symbol("probe");

function unknownKeys(Ctor: ModelClass, data: unknown, node: unknown, path: (string | number)[], out: string[]): void {
    if (Array.isArray(node)) {
        node.forEach((item, i) => unknownKeys(Ctor, data, item, [...path, i], out));
        return;
    }
    if (node === null || typeof node !== "object") {
        return;
    }
    for (const [k, v] of Object.entries(node)) {
        const here = [...path, k];
        if (passes(Ctor, setAt(data, here, NO_JSON_TYPE)) === undefined) {
            out.push(here.join("."));
        } else {
            unknownKeys(Ctor, data, v, here, out);
        }
    }
}

/** Every finding for one object: schema violations, then unknown fields, or an unknown kind. */
export async function validateManifest(m: Manifest): Promise<SchemaFinding[]> {
    const Ctor = await modelFor(m.apiVersion, m.kind);
    if (!Ctor) {
        return [{ object: describe(m), field: "kind", message: `no upstream schema for ${m.apiVersion} ${m.kind}` }];
    }
    const data = JSON.parse(JSON.stringify(m)) as unknown;
    const violation = passes(Ctor, data);
    if (violation !== undefined) {
        return [{ object: describe(m), field: violation.split(" ")[0].replace(/^data\/?/, "").replace(/\//g, "."), message: violation }];
    }
    const unknown: string[] = [];
    unknownKeys(Ctor, data, data, [], unknown);
    return unknown.map((field) => ({ object: describe(m), field, message: `${field} is not a field of ${m.kind} ${m.apiVersion}` }));
}

export async function validateManifests(manifests: readonly Manifest[]): Promise<SchemaFinding[]> {
    const all = await Promise.all(manifests.map(validateManifest));
    return all.flat();
}
