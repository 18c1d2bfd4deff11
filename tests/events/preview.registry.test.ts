import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { incompatibilityMessages, subjectInputs } from "../../components/events/registry";
import { loadTopicCatalog } from "../../model/events";
import { SchemaSet } from "../../producer/schemas";
import { CommandResult, findPulumiTools, PulumiWorkspace } from "../e2e/pulumi-cli";
import { ensureRegistry, Registry, stopRegistry } from "./registry-server";

/**
 * `pulumi up` then `pulumi preview` of the registry-preview program (tests/events/registry-preview: the program's
 * SchemaSubject resources) under the real CLI, against the real registry (scripts/registry): `up` registers every
 * subject and outputs its id; an incompatible schema change makes `preview` fail with the registry's own reason,
 * before anything is changed.
 */

const PROGRAM_DIR = path.join(__dirname, "registry-preview");
const STACK = "dev";
const PREFIX = `preview-${Date.now().toString(36)}.`;
const ci = Boolean(process.env.CI);
const tools = findPulumiTools();
const catalog = loadTopicCatalog();
const schemas = SchemaSet.load();

let registry: Registry | undefined;
let ws: PulumiWorkspace | undefined;
let skipReason: string | undefined;

function output(r: CommandResult): string {
    return `${r.stdout}\n${r.stderr}`;
}

function setConfig(values: Record<string, string>): void {
    const file = path.join(ws!.projectDir, `Pulumi.${STACK}.yaml`);
    const doc = (YAML.parse(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "") ?? {}) as { config?: Record<string, string> };
    doc.config = Object.fromEntries(Object.entries(values).map(([k, v]) => [`registry-preview:${k}`, v]));
    fs.writeFileSync(file, YAML.stringify(doc));
}

beforeAll(async () => {
    if (typeof tools === "string") {
        if (ci) throw new Error(`CI is set but ${tools}`);
        skipReason = tools;
        return;
    }
    const reg = await ensureRegistry();
    if ("skip" in reg) {
        skipReason = reg.skip;
        return;
    }
    registry = reg.registry;
    ws = new PulumiWorkspace(tools, randomBytes(16).toString("hex"));
    const project = YAML.parse(fs.readFileSync(path.join(PROGRAM_DIR, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(path.join(ws.projectDir, "Pulumi.yaml"), YAML.stringify({ ...project, main: path.join(PROGRAM_DIR, "index.ts") }));
    await ws.run(["stack", "init", STACK]);
}, 15 * 60_000);

afterAll(async () => {
    if (ws && registry) {
        setConfig({ url: registry.url, topicPrefix: PREFIX });
        await ws.run(["destroy", "--yes", "--skip-preview"], { allowFailure: true });
    }
    ws?.dispose();
    if (registry) {
        stopRegistry(registry);
    }
}, 300_000);

describe("pulumi preview shows an incompatible schema change as the registry's error (real CLI, real registry)", () => {
    it("up registers every subject with its id as an output; preview of an incompatible change fails with the registry's reason", async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        setConfig({ url: registry!.url, topicPrefix: PREFIX });
        // Default parallelism: the registry's storage takes concurrent registrations (scripts/registry/README.md).
        await ws!.run(["up", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
        const outputs = JSON.parse((await ws!.run(["stack", "output", "--json"])).stdout) as { schemaIds: Record<string, number> };
        expect(Object.keys(outputs.schemaIds).sort()).toEqual(catalog.topics.map((t) => t.name).sort());
        for (const [topic, id] of Object.entries(outputs.schemaIds)) {
            const r = (await (await fetch(`${registry!.url}/subjects/${encodeURIComponent(`${PREFIX}${topic}-value`)}/versions/latest`)).json()) as { id: number };
            expect(id, topic).toBe(r.id);
        }

        setConfig({ url: registry!.url, topicPrefix: PREFIX, addRequired: "previewRequired" });
        const preview = await ws!.run(["preview"], { allowFailure: true, timeoutMs: 300_000 });
        const text = output(preview);
        expect(preview.code, text).not.toBe(0);
        // The provider's check: `<subject> (<level>): <the registry's own reason>`, naming the new field.
        expect(text).toContain(`${PREFIX}data-ingestion-value (FULL_TRANSITIVE): `);
        const current = JSON.parse(subjectInputs(registry!.url, { name: `${PREFIX}data-ingestion`, schema: "com.carbon254.events.data.DataIngestion", compatibility: "FULL_TRANSITIVE" }, schemas).versions.at(-1)!) as { fields: unknown[] };
        const incompatible = JSON.stringify({ ...current, fields: [...current.fields, { name: "previewRequired", type: "string" }] });
        const answer = (await (
            await fetch(`${registry!.url}/compatibility/subjects/${encodeURIComponent(`${PREFIX}data-ingestion-value`)}/versions/latest?verbose=true`, {
                method: "POST",
                headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
                body: JSON.stringify({ schema: incompatible, schemaType: "AVRO" }),
            })
        ).json()) as Record<string, unknown>;
        const reasons = incompatibilityMessages(answer);
        expect(reasons.join(" ")).toMatch(/previewRequired/);
        for (const reason of reasons) {
            expect(text).toContain(reason);
        }
        // Nothing changed: the subject still ends at the version up registered.
        const latest = (await (await fetch(`${registry!.url}/subjects/${encodeURIComponent(`${PREFIX}data-ingestion-value`)}/versions/latest`)).json()) as { id: number };
        expect(latest.id).toBe(outputs.schemaIds["data-ingestion"]);
    }, 600_000);
});
