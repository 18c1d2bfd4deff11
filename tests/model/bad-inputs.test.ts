import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { buildModel, REPO_ROOT } from "../../model";
import { ConfigError } from "../../model/errors";
import { baseConfig, defaultCatalog } from "../support/fixtures";
import { BAD_INPUTS, BadInputCase } from "./bad-inputs.cases";

type Json = Record<string, unknown> | unknown[];

/** `services[portal-services].gateway.routes[portal-api].paths` → the element named so, then the keys. */
function setPath(root: Json, at: string, value: unknown): Json {
    if (at === "") {
        return value as Json;
    }
    const steps = at.split(/\.(?![^[]*\])/).flatMap((part) => {
        const m = /^([^[]+)\[([^\]]+)\]$/.exec(part);
        return m ? [m[1], { named: m[2] }] : [part];
    });
    let node: unknown = root;
    steps.forEach((step, i) => {
        const last = i === steps.length - 1;
        if (typeof step === "string") {
            const o = node as Record<string, unknown>;
            if (last) {
                if (value === null) {
                    delete o[step];
                } else {
                    o[step] = value;
                }
            } else {
                o[step] ??= {};
                node = o[step];
            }
        } else {
            const list = node as Record<string, unknown>[];
            const found = list.find((x) => x.name === step.named) ?? list[Number(step.named)];
            if (found === undefined) {
                throw new Error(`case path ${at}: no element named ${step.named}`);
            }
            node = found;
        }
    });
    return root;
}

function edited(file: string, edits: Readonly<Record<string, unknown>> | undefined): unknown {
    if (edits === undefined) {
        return undefined;
    }
    let doc = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "catalog", file), "utf8")) as Json;
    for (const [at, value] of Object.entries(edits)) {
        doc = setPath(doc, at, structuredClone(value));
    }
    return doc;
}

/** The one ConfigError message the case produces (it must produce one). */
function messageOf(c: BadInputCase): string {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bad-input-"));
    for (const [name, content] of Object.entries(c.files ?? {})) {
        fs.writeFileSync(path.join(tmp, name), content);
    }
    const config: Record<string, unknown> = baseConfig();
    for (const [k, v] of Object.entries(c.config ?? {})) {
        if (v === null) {
            delete config[k];
        } else {
            config[k] = typeof v === "string" ? v.replace("$TMP", tmp) : v;
        }
    }
    try {
        // Edited catalogs are handed over as if read from their files, so messages carry the files' names.
        buildModel({ stack: "test", config, catalog: edited("services.json", c.catalog), topicCatalog: edited("topics.json", c.topics), plaintextSecretKeys: c.plaintextSecretKeys, sources: { catalog: "catalog/services.json", topicCatalog: "catalog/topics.json" } });
    } catch (e) {
        if (!(e instanceof ConfigError)) {
            throw e;
        }
        return e.message;
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    throw new Error("the input was accepted");
}

describe("bad inputs (tests/model/bad-inputs.cases.ts): each is reported with the entry, the value and the fix", () => {
    it.each(BAD_INPUTS.map((c) => [c.case, c] as const))("%s", (_name, c) => {
        const message = messageOf(c);
        for (const fragment of typeof c.expect === "string" ? [c.expect] : c.expect) {
            expect(message).toContain(fragment);
        }
        if (c.absent !== undefined) {
            expect(message).not.toContain(c.absent);
        }
    });

    it("refuses a relative catalog path that is a symbolic link leading outside the project", () => {
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "outside-"));
        fs.writeFileSync(path.join(outside, "services.json"), fs.readFileSync(path.join(REPO_ROOT, "catalog", "services.json")));
        const link = path.join(REPO_ROOT, "out", `catalog-link-${process.pid}.json`);
        fs.mkdirSync(path.dirname(link), { recursive: true });
        fs.symlinkSync(path.join(outside, "services.json"), link);
        try {
            expect(() => buildModel({ stack: "test", config: { ...baseConfig(), catalog: path.relative(REPO_ROOT, link) } })).toThrow(/service-integration:catalog: points outside the project/);
            expect(() => buildModel({ stack: "test", config: { ...baseConfig(), catalog: path.join(outside, "services.json") } })).not.toThrow(/points outside/);
        } finally {
            fs.rmSync(link);
            fs.rmSync(outside, { recursive: true });
        }
    });

    it("the default inputs pass, so every case above fails because of its own change", () => {
        expect(() => buildModel({ stack: "test", config: baseConfig(), catalog: defaultCatalog() })).not.toThrow();
    });

    it("reports every case's problem in one run when they are combined", () => {
        const combined: BadInputCase = {
            case: "all",
            config: { "service-integraton:protect": true, "jwtSecret-ghost": "[secret]", mesh: { mtls: { mode: "PERMISSIVE" }, extraCallerNamespaces: ["ingress_nginx"] } },
            catalog: { "services[portal-services].gateway.corsOrigins": ["*"], "services[lineage-service].gateway.routes[lineage-graph].paths": ["~"] },
            topics: { "topics[data-ingestion].partitionKey": "nope", "topics[data-quality].schema": "com.carbon254.events.data.Missing" },
            expect: [],
        };
        const message = messageOf(combined);
        expect(message).toMatch(/is invalid \(7 problems\)/);
        for (const fragment of ["service-integraton:protect", "jwtSecret-ghost", "extraCallerNamespaces", "corsOrigins", "routes.lineage-graph.paths", "topics.data-ingestion.partitionKey", "topics.data-quality.schema"]) {
            expect(message).toContain(fragment);
        }
    });
});
