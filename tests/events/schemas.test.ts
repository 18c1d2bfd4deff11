import * as avro from "avsc";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { compatibilityOf, loadTopicCatalog } from "../../model/events";
import { backwardIssues, checkBackwardTransitive, checkCompatibility, checkSchemaSet, enumsWithoutDefault, formatGateFailures, forwardIssues } from "../../producer/compat";
import { TOPIC_EVENT_TYPES, TYPED_TOPICS } from "../../producer/events";
import { DEFAULT_SCHEMA_DIR, parseSchema, SchemaSet, standaloneSchema } from "../../producer/schemas";
import { validateValue } from "../../producer/validate";
import { SAMPLES } from "./samples";

const catalog = loadTopicCatalog();
const schemas = SchemaSet.load();

type RecordSchema = { type: "record"; name: string; namespace?: string; doc?: string; fields: { name: string; type: unknown; default?: unknown; doc?: string }[] };

/** The current standalone schema of a topic, as a mutable JSON object. */
function currentJson(name: string): RecordSchema {
    return JSON.parse(JSON.stringify(standaloneSchema(schemas.type(name)))) as RecordSchema;
}

function envelopeOf(schema: RecordSchema): RecordSchema {
    return schema.fields.find((f) => f.name === "envelope")!.type as RecordSchema;
}

describe("event schemas", () => {
    it("every file under schemas/ parses, with namespaces and docs", () => {
        for (const name of schemas.names()) {
            const type = schemas.type(name);
            expect(name.startsWith("com.carbon254.events.")).toBe(true);
            expect(type.doc, `${name} needs a doc`).toBeTruthy();
        }
    });

    it("every topic's schema exists, carries the shared envelope, and its partition key is a required string", () => {
        for (const t of catalog.topics) {
            const type = schemas.type(t.schema) as avro.types.RecordType;
            expect(type.field("envelope")?.type.name).toBe("com.carbon254.events.EventEnvelope");
            let current: avro.Type = type;
            for (const part of t.partitionKey.split(".")) {
                const field = (current as avro.types.RecordType).field(part);
                expect(field, `${t.name}: partition key ${t.partitionKey}`).toBeDefined();
                current = field.type;
            }
            expect(current.typeName, `${t.name}: partition key ${t.partitionKey} must be a plain string`).toBe("string");
        }
    });

    it("the envelope has id, type, a timestamp-millis time, source, correlation and trace ids", () => {
        const env = envelopeOf(currentJson("com.carbon254.events.data.DataIngestion"));
        const byName = Object.fromEntries(env.fields.map((f) => [f.name, f.type]));
        expect(byName.eventId).toEqual({ type: "string", logicalType: "uuid" });
        expect(byName.occurredAt).toEqual({ type: "long", logicalType: "timestamp-millis" });
        expect(Object.keys(byName)).toEqual(["eventId", "eventType", "occurredAt", "source", "correlationId", "causationId", "traceId"]);
    });

    it("the TypeScript payload types cover exactly the catalog topics and event types", () => {
        for (const family of ["data", "system", "audit"] as const) {
            expect([...TYPED_TOPICS[family]].sort()).toEqual(catalog.topics.filter((t) => t.family === family).map((t) => t.name).sort());
        }
        for (const t of catalog.topics) {
            expect([...TOPIC_EVENT_TYPES[t.name as keyof typeof TOPIC_EVENT_TYPES]]).toEqual(t.eventTypes);
        }
    });

    it("a typed sample of every topic is valid against its Avro schema", () => {
        for (const t of catalog.topics) {
            const sample = SAMPLES[t.name as keyof typeof SAMPLES];
            const record = {
                ...sample.payload,
                envelope: { eventId: "6f1c1e1a-3b9e-4e0b-9a55-0d6f1a2b3c4d", eventType: sample.eventType, occurredAt: 1_700_000_000_000, source: "test" },
            };
            expect(validateValue(schemas.type(t.schema), record), t.name).toEqual([]);
        }
    });
});

describe("compatibility gate (BACKWARD transitive)", () => {
    it("every topic schema has at least one recorded version under schemas/history", () => {
        for (const t of catalog.topics) {
            expect(schemas.history(t.schema).length, `${t.schema}: run npx tsx scripts/schemas-snapshot.ts`).toBeGreaterThan(0);
        }
    });

    it("the latest snapshot is the current schema (a changed schema must be recorded as a new version)", () => {
        const stale = catalog.topics.filter((t) => {
            const hist = schemas.history(t.schema);
            return hist[hist.length - 1].fingerprint !== schemas.currentVersion(t.schema).fingerprint;
        });
        expect(stale.map((t) => `${t.schema} changed: run npx tsx scripts/schemas-snapshot.ts`)).toEqual([]);
    });

    it("every family's subjects are FULL_TRANSITIVE (the registry's level and the gate's come from the catalog)", () => {
        expect(Object.values(catalog.families).map((f) => [f.name, f.compatibility])).toEqual([
            ["data", "FULL_TRANSITIVE"],
            ["system", "FULL_TRANSITIVE"],
            ["audit", "FULL_TRANSITIVE"],
        ]);
        expect(compatibilityOf(catalog, "com.carbon254.events.EventEnvelope")).toBe("FULL_TRANSITIVE");
    });

    it("each current schema reads every earlier version's data, and every earlier version reads current data (FULL_TRANSITIVE)", () => {
        const failures = checkSchemaSet(schemas, (name) => compatibilityOf(catalog, name));
        expect(failures, formatGateFailures(failures)).toEqual([]);
    });

    it("every enum has a default symbol, so a reader that meets a symbol it does not know reads the default", () => {
        expect(enumsWithoutDefault(schemas)).toEqual([]);
        // The broken input: an enum without a default is found, however deep.
        const actor = standaloneSchema(schemas.type("com.carbon254.events.audit.Actor")) as RecordSchema;
        delete (actor.fields.find((f) => f.name === "kind")!.type as { default?: string }).default;
        expect(enumsWithoutDefault(SchemaSet.fromSchemas([{ file: "Actor.avsc", schema: actor as avro.Schema }]))).toEqual(["com.carbon254.events.audit.ActorKind"]);
    });

    it("snapshots keep logical types and docs", () => {
        const file = path.join(DEFAULT_SCHEMA_DIR, "history", "com.carbon254.events.audit.UserAction", "v1.avsc");
        const text = fs.readFileSync(file, "utf8");
        expect(text).toContain('"logicalType": "timestamp-millis"');
        expect(text).toContain('"logicalType": "uuid"');
        expect(text).toContain('"doc"');
    });

    describe("catches incompatible changes, naming the field", () => {
        const name = "com.carbon254.events.data.DataIngestion";
        const history = schemas.history(name);

        function gate(mutate: (s: RecordSchema) => void): string {
            const next = currentJson(name);
            mutate(next);
            return formatGateFailures(checkCompatibility(name, parseSchema(next as avro.Schema), history, compatibilityOf(catalog, name)));
        }

        it("a new field without a default", () => {
            const msg = gate((s) => s.fields.push({ name: "tenantId", type: "string" }));
            expect(msg).toContain("DataIngestion.tenantId: field tenantId was added without a default");
            expect(msg).toContain("v1 (history/com.carbon254.events.data.DataIngestion/v1.avsc)");
        });

        it("a new envelope field without a default (nested)", () => {
            const msg = gate((s) => envelopeOf(s).fields.push({ name: "tenant", type: "string" }));
            expect(msg).toContain("DataIngestion.envelope.tenant: field tenant was added without a default");
        });

        it("a field type Avro cannot promote", () => {
            const msg = gate((s) => (s.fields.find((f) => f.name === "recordCount")!.type = "int"));
            expect(msg).toContain("DataIngestion.recordCount: type changed from long to int");
        });

        it("an enum symbol removed from an enum without a default (with one, old data reads as the default)", () => {
            const msg = gate((s) => {
                const status = s.fields.find((f) => f.name === "status")!.type as { symbols: string[]; default?: string };
                status.symbols = ["COMPLETED", "FAILED"];
                delete status.default;
            });
            expect(msg).toContain("DataIngestion.status: enum com.carbon254.events.data.IngestionStatus lost symbol(s) STARTED");
            const withDefault = gate((s) => ((s.fields.find((f) => f.name === "status")!.type as { symbols: string[] }).symbols = ["COMPLETED", "FAILED"]));
            expect(withDefault).toBe("");
        });

        it("a renamed field without an alias", () => {
            const msg = gate((s) => (s.fields.find((f) => f.name === "sourceSystem")!.name = "origin"));
            expect(msg).toContain("DataIngestion.origin: field origin was added without a default");
        });

        it("an optional field made required", () => {
            const msg = gate((s) => {
                const f = envelopeOf(s).fields.find((x) => x.name === "traceId")!;
                f.type = "string";
                delete f.default;
            });
            expect(msg).toContain("DataIngestion.envelope.traceId: older data may hold null, which the new type string cannot read");
        });

        it("a required field removed: a v1 reader would fail on current data (the review's case, which BACKWARD let through)", () => {
            const mutate = (s: RecordSchema): void => void (s.fields = s.fields.filter((f) => f.name !== "runId"));
            const next = currentJson(name);
            mutate(next);
            expect(checkBackwardTransitive(name, parseSchema(next as avro.Schema), history)).toEqual([]);
            const msg = gate(mutate);
            expect(msg).toContain("readers of com.carbon254.events.data.DataIngestion v1 (history/com.carbon254.events.data.DataIngestion/v1.avsc) cannot read data written with the current schema");
            expect(msg).toContain("DataIngestion.runId: field runId was removed (or renamed), and the older version has no default for it");
        });

        it("a new enum symbol, while v1 readers have no default symbol for it", () => {
            const msg = gate((s) => (s.fields.find((f) => f.name === "status")!.type as { symbols: string[] }).symbols.push("CANCELLED"));
            expect(msg).toContain("DataIngestion.status: enum com.carbon254.events.data.IngestionStatus gained symbol(s) CANCELLED that the older version does not know");
        });

        it("int widened to long: older readers cannot read it", () => {
            const older = parseSchema({ type: "record", name: "com.x.E", fields: [{ name: "n", type: "int" }] });
            const current = parseSchema({ type: "record", name: "com.x.E", fields: [{ name: "n", type: "long" }] });
            expect(backwardIssues(current, older)).toEqual([]);
            expect(forwardIssues(current, older)[0]).toMatchObject({ path: "E.n", message: expect.stringContaining("type changed from int to long") });
        });

        it("while fully compatible changes pass: a defaulted field added, a defaulted field removed", () => {
            const msg = gate((s) => {
                s.fields.push({ name: "tenantId", type: ["null", "string"], default: null });
                s.fields = s.fields.filter((f) => f.name !== "error");
            });
            expect(msg).toBe("");
        });

        it("a new enum symbol passes once every older version has a default symbol", () => {
            const older = parseSchema({ type: "enum", name: "com.x.S", symbols: ["A", "B"], default: "A" } as avro.Schema);
            const current = parseSchema({ type: "enum", name: "com.x.S", symbols: ["A", "B", "C"], default: "A" } as avro.Schema);
            expect(checkCompatibility("com.x.S", current, [{ name: "com.x.S", version: 1, file: "v1", type: older, fingerprint: "1" }], "FULL_TRANSITIVE")).toEqual([]);
        });
    });

    it("is transitive: a change compatible with the latest version but not an older one fails against the older one", () => {
        const v1 = parseSchema({ type: "record", name: "com.x.E", fields: [{ name: "a", type: "string" }, { name: "n", type: "int" }] });
        // v2 dropped n (fine for v2 readers of v1 data).
        const v2 = parseSchema({ type: "record", name: "com.x.E", fields: [{ name: "a", type: "string" }] });
        // v3 re-adds n as a string with a default: fine against v2 data (no n), not against v1 data (n is an int).
        const v3 = parseSchema({ type: "record", name: "com.x.E", fields: [{ name: "a", type: "string" }, { name: "n", type: "string", default: "" }] });
        expect(backwardIssues(v3, v2)).toEqual([]);
        const failures = checkBackwardTransitive("com.x.E", v3, [
            { name: "com.x.E", version: 1, file: "v1", type: v1, fingerprint: "1" },
            { name: "com.x.E", version: 2, file: "v2", type: v2, fingerprint: "2" },
        ]);
        expect(failures.map((f) => f.writerVersion)).toEqual([1]);
        expect(failures[0].issues[0].path).toBe("E.n");
    });

    it("works on a whole schema set: a deliberately incompatible current schema fails the set", () => {
        const old = standaloneSchema(schemas.type("com.carbon254.events.audit.Actor")) as RecordSchema;
        const changed = JSON.parse(JSON.stringify(old)) as RecordSchema;
        changed.fields.push({ name: "department", type: "string" });
        const set = SchemaSet.fromSchemas([{ file: "Actor.avsc", schema: changed as avro.Schema }], [{ name: old.name, version: 1, schema: old as avro.Schema }]);
        const failures = checkSchemaSet(set, () => "FULL_TRANSITIVE");
        expect(formatGateFailures(failures)).toContain("Actor.department: field department was added without a default");
    });
});
