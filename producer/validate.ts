import * as avro from "avsc";

/** Field-level validation of a value against an Avro type, with the path of every bad field. */

export interface FieldProblem {
    /** Dotted path of the bad field, e.g. `recordCount`, `actor.id`, `inputDatasetIds[2]`, `details.owner`. */
    readonly path: string;
    readonly message: string;
}

function shortName(name: string): string {
    return name.slice(name.lastIndexOf(".") + 1);
}

/** What a value of this type looks like, for error messages. */
export function describeType(type: avro.Type): string {
    switch (type.typeName) {
        case "logical:uuid":
            return "a UUID string";
        case "logical:timestamp-millis":
            return "a Date or whole epoch milliseconds";
        case "null":
            return "null";
        case "boolean":
            return "true or false";
        case "int":
            return "a whole number from -2^31 to 2^31-1 (int)";
        case "long":
            return "a safe whole number (long)";
        case "float":
        case "double":
            return "a number";
        case "string":
            return "a string";
        case "bytes":
            return "a Buffer";
        case "array":
            return "a list";
        case "map":
            return "an object of string keys";
        case "enum":
            return `one of ${(type as avro.types.EnumType).symbols.join(", ")}`;
        case "record":
            return `a ${shortName(type.name ?? "record")} object`;
        default:
            if (type.typeName.startsWith("union")) {
                return (type as avro.types.UnwrappedUnionType).types.map(describeType).join(" or ");
            }
            return type.typeName;
    }
}

function show(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    if (value instanceof Date) {
        return `Date(${Number.isNaN(value.getTime()) ? "invalid" : value.toISOString()})`;
    }
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function joinPath(parts: readonly string[], type: avro.Type | undefined): string {
    let out = "";
    let current = type;
    for (const part of parts) {
        // Walk the type alongside the path so list indexes print as [i] and everything else as .name.
        const base = current && avro.Type.isType(current, "logical") ? (current as avro.types.LogicalType).underlyingType : current;
        if (base && avro.Type.isType(base, "array")) {
            out += `[${part}]`;
            current = (base as avro.types.ArrayType).itemsType;
        } else {
            out += out === "" ? part : `.${part}`;
            if (base && avro.Type.isType(base, "record")) {
                current = (base as avro.types.RecordType).field(part)?.type;
            } else if (base && avro.Type.isType(base, "map")) {
                current = (base as avro.types.MapType).valuesType as avro.Type;
            } else if (base && avro.Type.isType(base, "union")) {
                const rec = (base as avro.types.UnwrappedUnionType).types.find((t) => avro.Type.isType(t, "record")) as avro.types.RecordType | undefined;
                current = rec?.field(part)?.type;
            } else {
                current = undefined;
            }
        }
    }
    return out;
}

function undeclared(type: avro.Type, value: unknown, at: string, out: FieldProblem[]): void {
    if (value === null || value === undefined || typeof value !== "object") {
        return;
    }
    if (avro.Type.isType(type, "record")) {
        const rec = type as avro.types.RecordType;
        for (const key of Object.keys(value)) {
            const field = rec.field(key);
            const p = at === "" ? key : `${at}.${key}`;
            if (field === undefined) {
                out.push({ path: p, message: `is not a field of ${shortName(rec.name ?? "the record")} (fields: ${rec.fields.map((f) => f.name).join(", ")})` });
            } else {
                undeclared(field.type, (value as Record<string, unknown>)[key], p, out);
            }
        }
    } else if (avro.Type.isType(type, "union")) {
        for (const branch of (type as avro.types.UnwrappedUnionType).types) {
            if (avro.Type.isType(branch, "record")) {
                undeclared(branch, value, at, out);
            }
        }
    } else if (avro.Type.isType(type, "array") && Array.isArray(value)) {
        value.forEach((item, i) => undeclared((type as avro.types.ArrayType).itemsType, item, `${at}[${i}]`, out));
    } else if (avro.Type.isType(type, "map")) {
        for (const [k, v] of Object.entries(value)) {
            undeclared((type as avro.types.MapType).valuesType as avro.Type, v, `${at}.${k}`, out);
        }
    }
}

const STRICT = { noUndeclaredFields: true } as const;

/** Every problem with `value` as an instance of `type`: wrong types, missing required fields, unknown fields. */
export function validateValue(type: avro.Type, value: unknown): FieldProblem[] {
    // Fast path: avsc's compiled check (undeclared fields included) passes for every valid event.
    if (type.isValid(value, STRICT)) {
        return [];
    }
    const out: FieldProblem[] = [];
    type.isValid(value, {
        errorHook: (path: string[], val: unknown, t: avro.Type) => {
            out.push({
                path: joinPath(path, type) || "(event)",
                message: val === undefined ? `is required (${describeType(t)})` : `must be ${describeType(t)}, got ${show(val)}`,
            });
        },
    });
    undeclared(type, value, "", out);
    return out;
}
