import * as avro from "avsc";
import { SchemaSet, SchemaVersion } from "./schemas";

/**
 * The schema compatibility gate: BACKWARD transitive, as Confluent defines it: the current (reader) schema must be
 * able to read data written with every earlier version. avsc's `createResolver` decides; this module then walks the
 * two schemas to name the field that breaks it, because avsc's own message often names only a type.
 */

export interface CompatibilityIssue {
    /** Dotted path from the record, e.g. `DataIngestion.envelope.traceId` or `ApiCall.tags[]`. */
    readonly path: string;
    readonly message: string;
}

export interface GateFailure {
    readonly name: string;
    readonly writerVersion: number;
    readonly writerFile: string;
    readonly issues: readonly CompatibilityIssue[];
}

function describe(type: avro.Type): string {
    return type.name ?? type.typeName;
}

function unwrapLogical(type: avro.Type): avro.Type {
    return avro.Type.isType(type, "logical") ? (type as avro.types.LogicalType).underlyingType : type;
}

function canRead(reader: avro.Type, writer: avro.Type): string | undefined {
    try {
        reader.createResolver(writer);
        return undefined;
    } catch (e) {
        return (e as Error).message;
    }
}

function shortName(name: string | undefined): string {
    return name === undefined ? "?" : name.slice(name.lastIndexOf(".") + 1);
}

function diagnose(readerIn: avro.Type, writerIn: avro.Type, at: string, out: CompatibilityIssue[]): void {
    const failure = canRead(readerIn, writerIn);
    if (failure === undefined) {
        return;
    }
    const before = out.length;
    const reader = unwrapLogical(readerIn);
    const writer = unwrapLogical(writerIn);

    if (avro.Type.isType(writer, "union")) {
        // Every branch the writer could have written must be readable.
        for (const branch of (writer as avro.types.UnwrappedUnionType).types) {
            const readerIsUnion = avro.Type.isType(reader, "union");
            if (!readerIsUnion && canRead(reader, branch) !== undefined && unwrapLogical(branch).typeName !== reader.typeName) {
                out.push({ path: at, message: `older data may hold ${describe(branch)}, which the new type ${describe(reader)} cannot read (was an optional field made required?)` });
            } else {
                diagnose(reader, branch, at, out);
            }
        }
    } else if (avro.Type.isType(reader, "union")) {
        const branches = (reader as avro.types.UnwrappedUnionType).types;
        out.push({
            path: at,
            message: `older data holds ${describe(writer)}, which none of the new union's branches (${branches.map(describe).join(", ")}) can read`,
        });
    } else if (avro.Type.isType(reader, "record") && avro.Type.isType(writer, "record")) {
        const r = reader as avro.types.RecordType;
        const w = writer as avro.types.RecordType;
        const aliases = r.aliases ?? [];
        if (r.name !== w.name && !aliases.includes(w.name ?? "")) {
            out.push({ path: at, message: `record ${w.name} was renamed to ${r.name} without an alias for the old name` });
        } else {
            for (const field of r.fields) {
                const names = [field.name, ...(field.aliases ?? [])];
                const match = w.fields.find((wf) => names.includes(wf.name));
                const fieldPath = `${at}.${field.name}`;
                if (match === undefined) {
                    if (field.defaultValue() === undefined) {
                        out.push({
                            path: fieldPath,
                            message: `field ${field.name} was added without a default: data written with the older schema has no value for it (give it a default, e.g. null in a ["null", ...] union)`,
                        });
                    }
                } else {
                    diagnose(field.type, match.type, fieldPath, out);
                }
            }
        }
    } else if (avro.Type.isType(reader, "array") && avro.Type.isType(writer, "array")) {
        diagnose((reader as avro.types.ArrayType).itemsType, (writer as avro.types.ArrayType).itemsType, `${at}[]`, out);
    } else if (avro.Type.isType(reader, "map") && avro.Type.isType(writer, "map")) {
        diagnose((reader as avro.types.MapType).valuesType as avro.Type, (writer as avro.types.MapType).valuesType as avro.Type, `${at}{}`, out);
    } else if (avro.Type.isType(reader, "enum") && avro.Type.isType(writer, "enum")) {
        const rs = (reader as avro.types.EnumType).symbols;
        const missing = (writer as avro.types.EnumType).symbols.filter((s) => !rs.includes(s));
        if (missing.length > 0) {
            out.push({ path: at, message: `enum ${describe(reader)} lost symbol(s) ${missing.join(", ")} that older data may hold (keep them, or give the enum a default symbol)` });
        }
    } else if (reader.typeName !== writer.typeName) {
        out.push({ path: at, message: `type changed from ${describe(writer)} to ${describe(reader)}, which Avro cannot promote` });
    }
    if (out.length === before) {
        out.push({ path: at, message: failure });
    }
}

/** Why `reader` cannot read data written with `writer`: one entry per offending field (empty when compatible). */
export function backwardIssues(reader: avro.Type, writer: avro.Type): CompatibilityIssue[] {
    const out: CompatibilityIssue[] = [];
    diagnose(reader, writer, shortName(reader.name ?? writer.name), out);
    return out;
}

/** BACKWARD transitive: `reader` against every earlier version. */
export function checkBackwardTransitive(name: string, reader: avro.Type, earlier: readonly SchemaVersion[]): GateFailure[] {
    const failures: GateFailure[] = [];
    for (const writer of earlier) {
        const issues = backwardIssues(reader, writer.type);
        if (issues.length > 0) {
            failures.push({ name, writerVersion: writer.version, writerFile: writer.file, issues });
        }
    }
    return failures;
}

/** Runs the gate over every record schema that has history; returns every failure. */
export function checkSchemaSet(set: SchemaSet): GateFailure[] {
    return set.names().flatMap((name) => checkBackwardTransitive(name, set.type(name), set.history(name)));
}

export function formatGateFailures(failures: readonly GateFailure[]): string {
    return failures
        .map(
            (f) =>
                `${f.name} (current) cannot read data written with v${f.writerVersion} (${f.writerFile}):\n` +
                f.issues.map((i) => `    - ${i.path}: ${i.message}`).join("\n"),
        )
        .join("\n");
}
