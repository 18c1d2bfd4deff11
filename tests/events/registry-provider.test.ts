import * as http from "http";
import { AddressInfo } from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subjectProvider, SubjectInputs } from "../../components/events/registry/provider";

/**
 * Wiring only: the subject provider's requests against a stand-in that answers like the Confluent Schema Registry API
 * reference documents (the real registry: registry.registry.test.ts). It proves the order of
 * calls, the paths and bodies, and that the registry's own messages reach `check` (what `pulumi preview` shows).
 */

interface Call {
    method: string;
    path: string;
    body: Record<string, unknown>;
}

const calls: Call[] = [];
let server: http.Server;
let url = "";
const versions = new Map<string, string[]>();

beforeAll(async () => {
    server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (c: Buffer) => (raw += c.toString()));
        req.on("end", () => {
            const body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
            const path = req.url ?? "";
            calls.push({ method: req.method ?? "", path, body });
            const send = (status: number, payload: unknown): void => {
                res.writeHead(status, { "content-type": "application/json" });
                res.end(JSON.stringify(payload));
            };
            let m: RegExpExecArray | null;
            if (req.method === "PUT" && path.startsWith("/config/")) return send(200, body);
            if (req.method === "POST" && (m = /^\/subjects\/([^/]+)\/versions$/.exec(path))) {
                const list = versions.get(m[1]) ?? [];
                if (!list.includes(String(body.schema))) list.push(String(body.schema));
                versions.set(m[1], list);
                return send(200, { id: 100 + list.indexOf(String(body.schema)) });
            }
            if (req.method === "GET" && (m = /^\/subjects\/([^/]+)\/versions\/latest$/.exec(path))) {
                const list = versions.get(m[1]);
                if (!list) return send(404, { error_code: 40401, message: `Subject '${m[1]}' not found.` });
                return send(200, { id: 100 + list.length - 1, version: list.length, schema: list[list.length - 1] });
            }
            if (req.method === "POST" && path.startsWith("/compatibility/")) {
                return send(200, { is_compatible: false, messages: ["READER_FIELD_MISSING_DEFAULT_VALUE: runId"] });
            }
            return send(404, { error_code: 404, message: "no route" });
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => server.close());

const inputs = (v: string[]): SubjectInputs => ({ url, subject: "data-ingestion-value", compatibility: "FULL_TRANSITIVE", versions: v });

describe("schema subject provider (wiring)", () => {
    it("create: the level first, then every version in order; outputs the current id and version", async () => {
        const r = await subjectProvider.create!(inputs(['{"v":1}', '{"v":2}']));
        expect(calls.map((c) => `${c.method} ${c.path}`).slice(0, 3)).toEqual(["PUT /config/data-ingestion-value", "POST /subjects/data-ingestion-value/versions", "POST /subjects/data-ingestion-value/versions"]);
        expect(calls[0].body).toEqual({ compatibility: "FULL_TRANSITIVE" });
        expect(r.outs).toMatchObject({ schemaId: 101, version: 2 });
    });

    it("check: an unchanged current schema passes; a changed one fails with the registry's own messages", async () => {
        await expect(subjectProvider.check!(inputs(['{"v":1}', '{"v":2}']), inputs(['{"v":1}', '{"v":2}']))).resolves.toEqual({ inputs: inputs(['{"v":1}', '{"v":2}']) });
        const r = await subjectProvider.check!(inputs([]), inputs(['{"v":1}', '{"v":2}', '{"v":3}']));
        expect(r.failures).toEqual([{ property: "versions", reason: "data-ingestion-value (FULL_TRANSITIVE): READER_FIELD_MISSING_DEFAULT_VALUE: runId" }]);
    });

    it("read: a subject the registry does not have is gone", async () => {
        const r = await subjectProvider.read!("x", { ...inputs(['{"v":1}']), subject: "missing-value", schemaId: 1, version: 1 });
        expect(r).toEqual({});
    });
});
