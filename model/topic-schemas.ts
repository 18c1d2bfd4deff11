import * as fs from "fs";
import * as path from "path";
import { Problems } from "./errors";
import { readJsonFile } from "./files";

/**
 * Cross-references between the topic catalog and the Avro schemas under `schemas/`: every topic's `schema` is a record
 * some `.avsc` file defines, and its `partitionKey` is a field path of that record (through nested records, named or
 * inline, and `["null", X]` unions). Without this a missing file passed the plan, and a key naming a missing field
 * crashed the producer with a raw TypeError on the first event. Plain JSON reading: the model does not need avsc.
 */

export const DEFAULT_SCHEMA_DIR = path.join(__dirname, "..", "schemas");
/** Earlier versions, self-contained snapshots: not where current definitions live. */
const HISTORY_DIR = "history";

type AvroJson = string | AvroJson[] | { readonly [key: string]: unknown };

interface NamedType {
    readonly file: string;
    readonly schema: { readonly type: string; readonly fields?: readonly { name: string; type: AvroJson }[] };
    readonly namespace: string;
}

function listAvsc(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? (e.name === HISTORY_DIR ? [] : listAvsc(full)) : e.name.endsWith(".avsc") ? [full] : [];
    });
}

/** Every named type (records, enums, fixed), nested definitions included, by full name. */
function indexNamedTypes(dir: string, problems: Problems): Map<string, NamedType> {
    const index = new Map<string, NamedType>();
    const visit = (t: unknown, namespace: string, file: string): void => {
        if (Array.isArray(t)) {
            t.forEach((x) => visit(x, namespace, file));
            return;
        }
        if (t === null || typeof t !== "object") {
            return;
        }
        const o = t as Record<string, unknown>;
        if (typeof o.name === "string" && ["record", "error", "enum", "fixed"].includes(String(o.type))) {
            const ns = o.name.includes(".") ? o.name.slice(0, o.name.lastIndexOf(".")) : typeof o.namespace === "string" ? o.namespace : namespace;
            const full = o.name.includes(".") ? o.name : ns === "" ? o.name : `${ns}.${o.name}`;
            index.set(full, { file, schema: o as unknown as NamedType["schema"], namespace: ns });
            for (const f of Array.isArray(o.fields) ? (o.fields as { type?: unknown }[]) : []) {
                visit(f.type, ns, file);
            }
            return;
        }
        visit(o.items, namespace, file);
        visit(o.values, namespace, file);
        if (typeof o.type === "object") {
            visit(o.type, namespace, file);
        }
    };
    for (const file of listAvsc(dir)) {
        const schema = readJsonFile(file, path.relative(path.dirname(dir), file), problems, "fix the schema file");
        visit(schema, "", path.relative(path.dirname(dir), file));
    }
    return index;
}

/** The record a field's type denotes, if any (named reference, inline record, or the non-null branch of a union). */
function recordOf(type: AvroJson, namespace: string, index: ReadonlyMap<string, NamedType>): NamedType | undefined {
    if (typeof type === "string") {
        return index.get(type) ?? index.get(`${namespace}.${type}`);
    }
    if (Array.isArray(type)) {
        const branches = type.filter((b) => b !== "null");
        return branches.length === 1 ? recordOf(branches[0], namespace, index) : undefined;
    }
    if (type.type === "record" && typeof type.name === "string") {
        const ns = typeof type.namespace === "string" ? type.namespace : namespace;
        return index.get(type.name.includes(".") ? type.name : `${ns}.${type.name}`);
    }
    if (typeof type.type === "string" || Array.isArray(type.type) || typeof type.type === "object") {
        return typeof type.type === "string" && ["record", "enum", "fixed", "array", "map"].includes(type.type) ? undefined : recordOf(type.type as AvroJson, namespace, index);
    }
    return undefined;
}

/** Why `fieldPath` is not a field of `record`, or undefined when it is. */
function fieldPathProblem(record: NamedType, fieldPath: string, index: ReadonlyMap<string, NamedType>): string | undefined {
    let current: NamedType | undefined = record;
    const parts = fieldPath.split(".");
    for (let i = 0; i < parts.length; i++) {
        const fields: readonly { name: string; type: AvroJson }[] = current?.schema.fields ?? [];
        const field = fields.find((f) => f.name === parts[i]);
        const where = parts.slice(0, i).join(".") || "the record";
        if (field === undefined) {
            return `${where} has no field ${parts[i]} (fields: ${fields.map((f) => f.name).join(", ") || "none"})`;
        }
        if (i < parts.length - 1) {
            current = recordOf(field.type, current!.namespace, index);
            if (current === undefined) {
                return `${parts.slice(0, i + 1).join(".")} is not a record, so it has no field ${parts[i + 1]}`;
            }
        }
    }
    return undefined;
}

export interface TopicSchemaRef {
    readonly name: string;
    /** Path of the topic's entry, e.g. `topics.data-ingestion`. */
    readonly at: string;
    readonly schema: string;
    readonly partitionKey: string;
}

/** Records a problem for every topic whose schema has no `.avsc` definition or whose partition key is not a field of it. */
export function checkTopicSchemas(topics: readonly TopicSchemaRef[], schemaDir: string, problems: Problems, schemaProblems: Problems = problems): void {
    const index = indexNamedTypes(schemaDir, schemaProblems);
    const dirLabel = path.relative(process.cwd(), schemaDir) || schemaDir;
    for (const t of topics) {
        if (t.schema === "") {
            continue;
        }
        const record = index.get(t.schema);
        if (record === undefined || record.schema.type !== "record") {
            const near = [...index.keys()].filter((k) => k.split(".").pop() === t.schema.split(".").pop());
            problems.add(
                `${t.at}.schema`,
                t.schema,
                `has no record definition in any .avsc file under ${dirLabel}/`,
                near.length > 0 ? `did you mean ${near.join(" or ")}?` : `add ${dirLabel}/<family>/${t.schema.split(".").pop()}.avsc defining it, or name an existing record`,
            );
            continue;
        }
        const problem = t.partitionKey === "" ? undefined : fieldPathProblem(record, t.partitionKey, index);
        if (problem !== undefined) {
            problems.add(`${t.at}.partitionKey`, t.partitionKey, `is not a field of ${t.schema} (${record.file}): ${problem}`, "name a field of the topic's schema, e.g. its id field");
        }
    }
}
