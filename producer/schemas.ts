import * as avro from "avsc";
import * as fs from "fs";
import * as path from "path";
import { LOGICAL_TYPES } from "./logical";

/**
 * The event schemas: every `.avsc` file under `schemas/` (the current versions; a file may use named types other
 * files define, e.g. `com.carbon254.events.EventEnvelope`) and every earlier version kept under
 * `schemas/history/<full name>/v<N>.avsc` (self-contained snapshots, as the writers of that time used them).
 */

export const DEFAULT_SCHEMA_DIR = path.join(__dirname, "..", "schemas");
export const HISTORY_DIR = "history";

/** One version of a record schema: a current one (`version` = latest history version, or 0 before any snapshot) or a snapshot. */
export interface SchemaVersion {
    readonly name: string;
    readonly version: number;
    readonly file: string;
    readonly type: avro.Type;
    /** SHA-256 (hex) of the schema's canonical form: what the producer sends in the fingerprint header. */
    readonly fingerprint: string;
}

function listAvsc(dir: string, skipHistory: boolean): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (!(skipHistory && entry.name === HISTORY_DIR)) {
                out.push(...listAvsc(full, false));
            }
        } else if (entry.name.endsWith(".avsc")) {
            out.push(full);
        }
    }
    return out.sort();
}

function readJson(file: string): avro.Schema {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as avro.Schema;
    } catch (e) {
        throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
}

/** Parses one self-contained schema with the platform's logical types. */
export function parseSchema(schema: avro.Schema): avro.Type {
    return avro.Type.forSchema(schema, { logicalTypes: LOGICAL_TYPES });
}

export function fingerprintOf(type: avro.Type): string {
    return type.fingerprint("sha256").toString("hex");
}

/** Enum defaults by full name: avsc 5.7's `schema()` export drops an enum's `default` (it keeps it on the type). */
function enumDefaults(type: avro.Type, out = new Map<string, string>(), seen = new Set<avro.Type>()): Map<string, string> {
    if (seen.has(type)) {
        return out;
    }
    seen.add(type);
    const t = avro.Type.isType(type, "logical") ? (type as avro.types.LogicalType).underlyingType : type;
    const d = (t as { default?: unknown }).default;
    if (avro.Type.isType(t, "enum") && typeof d === "string" && t.name !== undefined) {
        out.set(t.name, d);
    } else if (avro.Type.isType(t, "record")) {
        (t as avro.types.RecordType).fields.forEach((f) => enumDefaults(f.type, out, seen));
    } else if (avro.Type.isType(t, "union")) {
        (t as avro.types.UnwrappedUnionType).types.forEach((b) => enumDefaults(b, out, seen));
    } else if (avro.Type.isType(t, "array")) {
        enumDefaults((t as avro.types.ArrayType).itemsType, out, seen);
    } else if (avro.Type.isType(t, "map")) {
        enumDefaults((t as avro.types.MapType).valuesType as avro.Type, out, seen);
    }
    return out;
}

function withEnumDefaults(node: unknown, defaults: ReadonlyMap<string, string>): void {
    if (Array.isArray(node)) {
        node.forEach((n) => withEnumDefaults(n, defaults));
    } else if (node !== null && typeof node === "object") {
        const o = node as Record<string, unknown>;
        if (o.type === "enum" && typeof o.name === "string" && defaults.has(o.name)) {
            o.default = defaults.get(o.name);
        }
        Object.values(o).forEach((v) => withEnumDefaults(v, defaults));
    }
}

/** The schema with every named type inlined and docs/defaults (enum defaults too) kept: what a snapshot and the registry store. */
export function standaloneSchema(type: avro.Type): avro.Schema {
    const schema = type.schema({ exportAttrs: true });
    withEnumDefaults(schema, enumDefaults(type));
    return schema;
}

/** Confluent's TopicNameStrategy for record values (io.confluent.kafka.serializers.subject.TopicNameStrategy). */
export function valueSubject(topic: string): string {
    return `${topic}-value`;
}

/** The text registered in the schema registry for a schema: standalone (named types inlined), docs and defaults kept. */
export function registrySchemaText(type: avro.Type): string {
    return JSON.stringify(standaloneSchema(type));
}

/** Parses named schemas that may reference each other, in whatever order the files come. */
export function parseLinked(entries: readonly { file: string; schema: avro.Schema }[]): Map<string, { file: string; type: avro.Type }> {
    const registry: Record<string, avro.Type> = {};
    const defined = new Map<string, { file: string; type: avro.Type }>();
    let pending = [...entries];
    while (pending.length > 0) {
        const failed: { file: string; schema: avro.Schema; error: string }[] = [];
        for (const entry of pending) {
            // Parse against a copy: a schema that fails half-way must not leave half its names registered.
            const attempt: Record<string, avro.Type> = { ...registry };
            try {
                const type = avro.Type.forSchema(entry.schema, { registry: attempt, logicalTypes: LOGICAL_TYPES });
                if (type.name === undefined) {
                    throw new Error("the top-level type must be named (a record, enum or fixed)");
                }
                if (defined.has(type.name)) {
                    throw new Error(`${type.name} is already defined by ${defined.get(type.name)!.file}`);
                }
                Object.assign(registry, attempt);
                defined.set(type.name, { file: entry.file, type });
            } catch (e) {
                failed.push({ ...entry, error: (e as Error).message });
            }
        }
        if (failed.length === pending.length) {
            throw new Error(`cannot parse event schemas:\n${failed.map((f) => `  - ${f.file}: ${f.error}`).join("\n")}`);
        }
        pending = failed;
    }
    return defined;
}

export class SchemaSet {
    private readonly current: Map<string, { file: string; type: avro.Type }>;
    private readonly versions = new Map<string, SchemaVersion[]>();
    private readonly fingerprints = new Map<string, SchemaVersion>();

    private constructor(
        readonly dir: string,
        current: Map<string, { file: string; type: avro.Type }>,
        history: readonly { name: string; version: number; file: string; schema: avro.Schema }[],
    ) {
        this.current = current;
        for (const h of history) {
            let type: avro.Type;
            try {
                type = avro.Type.forSchema(h.schema, { logicalTypes: LOGICAL_TYPES });
            } catch (e) {
                throw new Error(`${h.file}: ${(e as Error).message}`);
            }
            if (type.name !== h.name) {
                throw new Error(`${h.file}: holds ${type.name ?? "an unnamed type"} but its folder says ${h.name}`);
            }
            const v: SchemaVersion = { name: h.name, version: h.version, file: h.file, type, fingerprint: fingerprintOf(type) };
            const list = this.versions.get(h.name) ?? [];
            if (list.some((x) => x.version === h.version)) {
                throw new Error(`${h.file}: version ${h.version} of ${h.name} exists twice`);
            }
            list.push(v);
            this.versions.set(h.name, list);
            this.fingerprints.set(v.fingerprint, v);
        }
        for (const list of this.versions.values()) {
            list.sort((a, b) => a.version - b.version);
        }
        for (const name of this.current.keys()) {
            const cur = this.currentVersion(name);
            if (!this.fingerprints.has(cur.fingerprint)) {
                this.fingerprints.set(cur.fingerprint, cur);
            }
        }
    }

    /** Reads `schemas/` (current files, then `history/`). */
    static load(dir: string = DEFAULT_SCHEMA_DIR): SchemaSet {
        const files = listAvsc(dir, true);
        const current = parseLinked(files.map((file) => ({ file: path.relative(dir, file), schema: readJson(file) })));
        const history: { name: string; version: number; file: string; schema: avro.Schema }[] = [];
        const historyDir = path.join(dir, HISTORY_DIR);
        if (fs.existsSync(historyDir)) {
            for (const file of listAvsc(historyDir, false)) {
                const rel = path.relative(dir, file);
                const m = /^history\/([^/]+)\/v(\d+)\.avsc$/.exec(rel.split(path.sep).join("/"));
                if (!m) {
                    throw new Error(`${rel}: history files must be named history/<full name>/v<N>.avsc`);
                }
                history.push({ name: m[1], version: Number(m[2]), file: rel, schema: readJson(file) });
            }
        }
        return new SchemaSet(dir, current, history);
    }

    /** Builds a set from in-memory schemas (tests): `current` may reference each other, `history` is self-contained. */
    static fromSchemas(
        current: readonly { file: string; schema: avro.Schema }[],
        history: readonly { name: string; version: number; schema: avro.Schema }[] = [],
    ): SchemaSet {
        return new SchemaSet(
            "(memory)",
            parseLinked(current),
            history.map((h) => ({ ...h, file: `history/${h.name}/v${h.version}.avsc` })),
        );
    }

    /** Full names of every named type the current files define (records, enums). */
    names(): string[] {
        return [...this.current.keys()].sort();
    }

    has(name: string): boolean {
        return this.current.has(name);
    }

    type(name: string): avro.Type {
        const found = this.current.get(name);
        if (!found) {
            throw new Error(`no schema named ${name} under ${this.dir}; defined: ${this.names().join(", ")}`);
        }
        return found.type;
    }

    file(name: string): string {
        this.type(name);
        return this.current.get(name)!.file;
    }

    /** Earlier versions of a schema, oldest first (empty when it was never snapshotted). */
    history(name: string): readonly SchemaVersion[] {
        return this.versions.get(name) ?? [];
    }

    /** The current schema as a version: numbered like the latest snapshot when identical to it, else one above it. */
    currentVersion(name: string): SchemaVersion {
        const type = this.type(name);
        const fingerprint = fingerprintOf(type);
        const hist = this.history(name);
        const last = hist[hist.length - 1];
        const version = last === undefined ? 1 : last.fingerprint === fingerprint ? last.version : last.version + 1;
        return { name, version, file: this.file(name), type, fingerprint };
    }

    /** The schema (any version) a fingerprint header names, or undefined. */
    byFingerprint(fingerprint: string): SchemaVersion | undefined {
        return this.fingerprints.get(fingerprint);
    }
}
