/**
 * The platform program itself (index.ts) under the real Pulumi CLI: `pulumi preview` of a dev-like stack whose
 * endpoints are all unreachable (Kafka, an external PostgreSQL, Grafana and the Kubernetes API on closed loopback
 * ports) must fail in the preflight — every endpoint named with its stack key — before any resource is declared,
 * which is what makes a pull request's preview red when `up` would fail. `up` then changes nothing: the stack's
 * state stays empty.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPulumiTools, PulumiWorkspace, REPO } from "./pulumi-cli";

const ci = Boolean(process.env.CI);
const tools = findPulumiTools();
const skipHere = typeof tools === "string" && !ci;
if (skipHere) {
    console.warn(`[preflight preview e2e] skipped: ${String(tools)}`);
}

async function closedPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}

describe.skipIf(skipHere)("pulumi preview of the platform program fails in the preflight when endpoints are unreachable", () => {
    let ws: PulumiWorkspace;
    let output = "";
    const ports: Record<string, number> = {};

    beforeAll(async () => {
        if (typeof tools === "string") throw new Error(`CI is set but ${tools}`);
        for (const name of ["kafka", "postgres", "grafana", "apiserver"]) ports[name] = await closedPort();
        ws = new PulumiWorkspace(tools, randomBytes(16).toString("hex"));
        const project = YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
        fs.writeFileSync(path.join(ws.projectDir, "Pulumi.yaml"), YAML.stringify({ ...project, main: REPO }));
        const kubeconfig = path.join(ws.root, "kubeconfig");
        fs.writeFileSync(
            kubeconfig,
            YAML.stringify({
                apiVersion: "v1",
                kind: "Config",
                clusters: [{ name: "c", cluster: { server: `https://127.0.0.1:${ports.apiserver}`, "insecure-skip-tls-verify": true } }],
                users: [{ name: "u", user: { token: "t" } }],
                contexts: [{ name: "254carbon-dev", context: { cluster: "c", user: "u" } }],
                "current-context": "254carbon-dev",
            }),
        );
        const dev = YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
        const c = dev.config;
        c["service-integration:kubernetes"] = { ...c["service-integration:kubernetes"], kubeconfigPath: kubeconfig };
        c["service-integration:events"] = { ...c["service-integration:events"], bootstrapServers: [`127.0.0.1:${ports.kafka}`] };
        c["service-integration:observability"] = {
            ...c["service-integration:observability"],
            grafana: { ...(c["service-integration:observability"].grafana as Record<string, unknown>), url: `http://127.0.0.1:${ports.grafana}` },
        };
        c["service-integration:gateway"] = {
            ...c["service-integration:gateway"],
            database: { mode: "external", host: "127.0.0.1", port: ports.postgres, sslmode: "verify-full", adminUser: "platform_admin" },
        };
        await ws.run(["stack", "init", "dev"]);
        fs.writeFileSync(path.join(ws.projectDir, "Pulumi.dev.yaml"), YAML.stringify(dev));
        for (const key of ["grafanaAuth", "postgresAdminPassword"]) {
            await ws.run(["config", "set", "--secret", `service-integration:${key}`], { stdin: `value-of-${key}` });
        }
        const preview = await ws.run(["preview"], { allowFailure: true, timeoutMs: 300_000 });
        expect(preview.code).not.toBe(0);
        output = `${preview.stdout}\n${preview.stderr}`;
    }, 600_000);

    afterAll(() => ws?.dispose());

    it("names every unreachable endpoint with its stack key and the fix, in one error", () => {
        expect(output).toMatch(/preflight: 4 endpoint problem\(s\), nothing was changed/);
        expect(output).toContain(`127.0.0.1:${ports.kafka} (service-integration:events.bootstrapServers): connection refused`);
        expect(output).toContain(`127.0.0.1:${ports.postgres} (service-integration:gateway.database.host): connection refused`);
        expect(output).toContain(`http://127.0.0.1:${ports.grafana} (service-integration:observability.grafana.url): unreachable`);
        expect(output).toContain("(service-integration:kubernetes): the API server could not be asked");
        for (const secret of ["value-of-grafanaAuth", "value-of-postgresAdminPassword"]) {
            expect(output).not.toContain(secret);
        }
    });

    it("up changes nothing: no resource is declared, so the state stays empty", async () => {
        const up = await ws.run(["up", "--yes", "--skip-preview"], { allowFailure: true, timeoutMs: 300_000 });
        expect(up.code).not.toBe(0);
        expect(`${up.stdout}${up.stderr}`).toContain("preflight: 4 endpoint problem(s)");
        const state = JSON.parse(await ws.exportStack()) as { deployment: { resources?: { type: string }[] } };
        expect((state.deployment.resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    }, 600_000);
});
