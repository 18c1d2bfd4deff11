import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../verify/cli";
import { REPO_ROOT } from "../../verify/context";
import type { JsonReport } from "../../verify/report";
import { FakeServer, deadUrl, grafanaDashboard, meshOutputs, namespaceObject, peerAuthentication, peerAuthenticationList, pod, podList, routes, startServer, syncStatus } from "./support";

/** A dev-like cluster where everything is right: one pod with a sidecar, in sync, PERMISSIVE everywhere. */
let kube: FakeServer;
let grafana: FakeServer;
let dir: string;

beforeAll(async () => {
    const portal = pod("portal-services-7d9f8c6b5-abcde", "data-platform");
    const table: Parameters<typeof routes>[0] = {
        "/api/v1/namespaces/istio-system/pods": { body: podList([pod("istiod-1-28-3-aaaaa-11111", "istio-system", { sidecar: "none" })]) },
        "/api/v1/namespaces/istio-system/pods/istiod-1-28-3-aaaaa-11111:15014/proxy/debug/syncz": { body: [syncStatus("portal-services-7d9f8c6b5-abcde.data-platform")] },
        "/api/v1/namespaces/data-platform/services/portal-services:8080/proxy/healthz": { body: { ok: true, services: 9 }, headers: { "x-envoy-upstream-service-time": "2" } },
        "/apis/security.istio.io/v1/namespaces/istio-system/peerauthentications": { body: peerAuthenticationList([peerAuthentication("default", "istio-system", { mtls: { mode: "PERMISSIVE" } })]) },
    };
    for (const ns of ["data-platform", "kong", "monitoring"]) {
        table[`/api/v1/namespaces/${ns}`] = { body: namespaceObject(ns, { "istio.io/rev": "stable" }) };
        table[`/api/v1/namespaces/${ns}/pods`] = { body: podList(ns === "data-platform" ? [portal] : []) };
        table[`/apis/security.istio.io/v1/namespaces/${ns}/peerauthentications`] = { body: peerAuthenticationList([peerAuthentication("default", ns, { mtls: { mode: "PERMISSIVE" } })]) };
    }
    kube = await startServer(routes(table));
    grafana = await startServer((req) => (req.headers.authorization === "Bearer glsa_ok" ? { body: grafanaDashboard("si-dev-mesh", "Service Mesh Overview", "si-dev") } : { status: 401, body: { message: "Unauthorized" } }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-cli-"));
    fs.writeFileSync(
        path.join(dir, "dev.json"),
        JSON.stringify({ mesh: meshOutputs("PERMISSIVE"), namespaces: ["istio-system", "data-platform", "kong", "monitoring"], observability: { dashboardUrls: { "Service Mesh Overview": `${grafana.url}/d/si-dev-mesh` } } }),
    );
});

afterAll(async () => {
    await kube.close();
    await grafana.close();
    fs.rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(args, env, { out: (t) => (out += t), err: (t) => (err += t), columns: 140 });
    return { code, out, err };
}

describe("verify CLI", () => {
    it("exits 0 when every check passed or did not apply, and prints the table", async () => {
        const r = await run(["--outputs", path.join(dir, "dev.json"), "--kube-api", kube.url], { GRAFANA_TOKEN: "glsa_ok" });
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/^CHECK\s+STATUS\s+DETAIL\s+WHAT TO DO$/m);
        expect(r.out).toMatch(/^Sidecar injection\s+PASS\s+1 live pod\(s\)/m);
        expect(r.out).toMatch(/^Kong healthy \(datastore\s+SKIP\s+/m);
        expect(r.out).toContain("11 checks: 5 passed, 0 failed, 0 could not run, 6 not applicable");
    });

    it("exits 1 when a check could not run, and says why in JSON", async () => {
        const r = await run(["--outputs", path.join(dir, "dev.json"), "--kube-api", kube.url, "--json"], {});
        expect(r.code).toBe(1);
        const report = JSON.parse(r.out) as JsonReport;
        expect(report.ok).toBe(false);
        expect(report.summary).toEqual({ PASS: 4, FAIL: 0, SKIP: 6, ERROR: 1 });
        const dashboards = report.checks.find((c) => c.id === "dashboards")!;
        expect(dashboards.status).toBe("ERROR");
        expect(dashboards.detail).toContain("GRAFANA_TOKEN is not set");
    });

    it("exits 1 on a failure", async () => {
        const failing = await startServer((req) =>
            req.url.startsWith("/api/v1/namespaces/data-platform/pods") ? { body: podList([pod("portal-services-7d9f8c6b5-abcde", "data-platform", { sidecar: "none" })]) } : { body: namespaceObject("x", { "istio.io/rev": "stable" }) },
        );
        try {
            const r = await run(["--outputs", path.join(dir, "dev.json"), "--kube-api", failing.url, "--only", "sidecars", "--json"]);
            expect(r.code).toBe(1);
            expect((JSON.parse(r.out) as JsonReport).checks.map((c) => [c.id, c.status])).toEqual([["sidecars", "FAIL"]]);
        } finally {
            await failing.close();
        }
    });

    it("exits 2 on usage errors and unreadable outputs", async () => {
        expect((await run([])).code).toBe(2);
        expect((await run(["--stack", "dev", "--bogus"])).err).toContain("Unknown option '--bogus'");
        expect((await run(["--stack", "dev", "--only", "sidecars,nope"])).err).toContain("unknown check(s) nope");
        expect((await run(["--stack", "dev", "--timeout", "soon"])).code).toBe(2);
        const missing = await run(["--outputs", path.join(dir, "absent.json")]);
        expect(missing.code).toBe(2);
        expect(missing.err).toContain("cannot read the outputs file");
        const help = await run(["--help"]);
        expect(help.code).toBe(0);
        expect(help.out).toContain("npm run verify -- --stack <name>");
    });

    it("sets the process exit status when run as `tsx verify/cli.ts` (0, then 1 when Grafana is unreachable)", async () => {
        const exec = (args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> =>
            new Promise((resolve, reject) => {
                const child = spawn(process.execPath, [path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(REPO_ROOT, "verify", "cli.ts"), ...args], {
                    cwd: REPO_ROOT,
                    env: { ...process.env, ...env },
                });
                let stdout = "";
                child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
                child.on("error", reject);
                child.on("close", (code) => resolve({ code, stdout }));
            });
        const ok = await exec(["--outputs", path.join(dir, "dev.json"), "--only", "dashboards"], { GRAFANA_TOKEN: "glsa_ok" });
        expect(ok.stdout).toMatch(/Grafana dashboards exist\s+PASS/);
        expect(ok.code).toBe(0);
        const down = await exec(["--outputs", path.join(dir, "dev.json"), "--only", "dashboards", "--grafana-url", await deadUrl()], { GRAFANA_TOKEN: "glsa_ok" });
        expect(down.stdout).toMatch(/Grafana dashboards exist\s+ERROR\s+could not run: Grafana at/);
        expect(down.code).toBe(1);
    });
});
