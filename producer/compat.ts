import * as avro from "avsc";
import type { CompatibilityLevel } from "../model/events";
import { SchemaSet, SchemaVersion } from "./schemas";

/**
 * The schema compatibility gate, in the schema registry's terms (Confluent's compatibility levels, which Apicurio's
 * ccompat API implements): BACKWARD = the current schema reads data written with an earlier version, FORWARD = an
 * earlier version reads data written with the current schema, FULL = both; *_TRANSITIVE = against every earlier
 * version, not only the latest. The level per family comes from catalog/topics.json (`compatibility`), the same
 * value the registry gets, so the local gate and the registry agree. avsc's `createResolver` decides; this module
 * then walks the two schemas to name the field that breaks it, because avsc's own message often names only a type.
 */


export type Direction = "backward" | "forward";

export interface CompatibilityIssue {
    /** Dotted path from the record, e.g. `DataIngestion.envelope.traceId` or `ApiCall.tags[]`. */
    readonly path: string;
    readonly message: string;
}

export interface GateFailure {
    readonly name: string;
    /** backward: the current schema cannot read vN data; forward: vN readers cannot read current data. */
    readonly direction: Direction;
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

/** How messages name the two sides: the reader is the current schema when checking backward, the older one forward. */
const WORDS: Record<Direction, { data: string; reader: string }> = {
    backward: { data: "older data", reader: "the new" },
    forward: { data: "current data", reader: "the older version's" },
};

function diagnose(readerIn: avro.Type, writerIn: avro.Type, at: string, out: CompatibilityIssue[], dir: Direction): void {
    const words = WORDS[dir];
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
                const hint = dir === "backward" ? "was an optional field made required?" : "was a required field made optional, or a union branch added?";
                out.push({ path: at, message: `${words.data} may hold ${describe(branch)}, which ${words.reader} type ${describe(reader)} cannot read (${hint})` });
            } else {
                diagnose(reader, branch, at, out, dir);
            }
        }
    } else if (avro.Type.isType(reader, "union")) {
        const branches = (reader as avro.types.UnwrappedUnionType).types;
        out.push({
            path: at,
            message: `${words.data} holds ${describe(writer)}, which none of ${words.reader} union's branches (${branches.map(describe).join(", ")}) can read`,
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
                            message:
                                dir === "backward"
                                    ? `field ${field.name} was added without a default: data written with the older schema has no value for it (give it a default, e.g. null in a ["null", ...] union)`
                                    : `field ${field.name} was removed (or renamed), and the older version has no default for it: its readers find no value in current data (keep the field; only fields with a default can be removed)`,
                        });
                    }
                } else {
                    diagnose(field.type, match.type, fieldPath, out, dir);
                }
            }
        }
    } else if (avro.Type.isType(reader, "array") && avro.Type.isType(writer, "array")) {
        diagnose((reader as avro.types.ArrayType).itemsType, (writer as avro.types.ArrayType).itemsType, `${at}[]`, out, dir);
    } else if (avro.Type.isType(reader, "map") && avro.Type.isType(writer, "map")) {
        diagnose((reader as avro.types.MapType).valuesType as avro.Type, (writer as avro.types.MapType).valuesType as avro.Type, `${at}{}`, out, dir);
    } else if (avro.Type.isType(reader, "enum") && avro.Type.isType(writer, "enum")) {
        const rs = (reader as avro.types.EnumType).symbols;
        const missing = (writer as avro.types.EnumType).symbols.filter((s) => !rs.includes(s));
        if (missing.length > 0) {
            out.push({
                path: at,
                message:
                    dir === "backward"
                        ? `enum ${describe(reader)} lost symbol(s) ${missing.join(", ")} that older data may hold (keep them, or give the enum a default symbol)`
                        : `enum ${describe(reader)} gained symbol(s) ${missing.join(", ")} that the older version does not know, and its enum has no default symbol to read them as`,
            });
        }
    } else if (reader.typeName !== writer.typeName) {
        const [from, to] = dir === "backward" ? [writer, reader] : [reader, writer];
        out.push({ path: at, message: `type changed from ${describe(from)} to ${describe(to)}, which Avro cannot ${dir === "backward" ? "promote" : "promote back (an older reader gets the new type)"}` });
    }
    if (out.length === before) {
        out.push({ path: at, message: failure });
    }
}

/** Why `reader` cannot read data written with `writer`: one entry per offending field (empty when compatible). */
export function backwardIssues(reader: avro.Type, writer: avro.Type): CompatibilityIssue[] {
    const out: CompatibilityIssue[] = [];
    diagnose(reader, writer, shortName(reader.name ?? writer.name), out, "backward");
    return out;
}

/** Why readers of `older` cannot read data written with `current` (empty when compatible). */
export function forwardIssues(current: avro.Type, older: avro.Type): CompatibilityIssue[] {
    const out: CompatibilityIssue[] = [];
    diagnose(older, current, shortName(current.name ?? older.name), out, "forward");
    return out;
}

function directions(level: CompatibilityLevel): Direction[] {
    if (level === "NONE") {
        return [];
    }
    if (level.startsWith("FULL")) {
        return ["backward", "forward"];
    }
    return level.startsWith("BACKWARD") ? ["backward"] : ["forward"];
}

/** `current` against the earlier versions the level names (all of them when transitive, else the latest). */
export function checkCompatibility(name: string, current: avro.Type, earlier: readonly SchemaVersion[], level: CompatibilityLevel): GateFailure[] {
    const versions = level.endsWith("_TRANSITIVE") ? earlier : earlier.slice(-1);
    const failures: GateFailure[] = [];
    for (const direction of directions(level)) {
        for (const older of versions) {
            const issues = direction === "backward" ? backwardIssues(current, older.type) : forwardIssues(current, older.type);
            if (issues.length > 0) {
                failures.push({ name, direction, writerVersion: older.version, writerFile: older.file, issues });
            }
        }
    }
    return failures;
}

/** BACKWARD transitive: `reader` against every earlier version. */
export function checkBackwardTransitive(name: string, reader: avro.Type, earlier: readonly SchemaVersion[]): GateFailure[] {
    return checkCompatibility(name, reader, earlier, "BACKWARD_TRANSITIVE");
}

/** Runs the gate over every record schema that has history, at each schema's level; returns every failure. */
export function checkSchemaSet(set: SchemaSet, levelOf: (name: string) => CompatibilityLevel): GateFailure[] {
    return set.names().flatMap((name) => checkCompatibility(name, set.type(name), set.history(name), levelOf(name)));
}

/** Every enum (at any depth) of the current schemas that has no default symbol: the gate requires one on each. */
export function enumsWithoutDefault(set: SchemaSet): string[] {
    const found = new Set<string>();
    const walk = (type: avro.Type, seen: Set<avro.Type>): void => {
        if (seen.has(type)) {
            return;
        }
        seen.add(type);
        const t = unwrapLogical(type);
        if (avro.Type.isType(t, "enum")) {
            if ((t as avro.types.EnumType & { default?: string }).default === undefined) {
                found.add(t.name ?? "(anonymous enum)");
            }
        } else if (avro.Type.isType(t, "record")) {
            (t as avro.types.RecordType).fields.forEach((f) => walk(f.type, seen));
        } else if (avro.Type.isType(t, "union")) {
            (t as avro.types.UnwrappedUnionType).types.forEach((b) => walk(b, seen));
        } else if (avro.Type.isType(t, "array")) {
            walk((t as avro.types.ArrayType).itemsType, seen);
        } else if (avro.Type.isType(t, "map")) {
            walk((t as avro.types.MapType).valuesType as avro.Type, seen);
        }
    };
    set.names().forEach((n) => walk(set.type(n), new Set()));
    return [...found].sort();
}

export function formatGateFailures(failures: readonly GateFailure[]): string {
    return failures
        .map(
            (f) =>
                (f.direction === "backward"
                    ? `${f.name} (current) cannot read data written with v${f.writerVersion} (${f.writerFile}):\n`
                    : `readers of ${f.name} v${f.writerVersion} (${f.writerFile}) cannot read data written with the current schema:\n`) +
                f.issues.map((i) => `    - ${i.path}: ${i.message}`).join("\n"),
        )
        .join("\n");
}
