import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../model";
import { claimPlanFolder, MANIFEST, readStackConfig, resolveOutputs } from "../../offline/plan";
import { PlanUserError } from "../../offline/stack-config";
import { parsePlanArgs } from "../../scripts/plan";

function tmp(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "plan-cmd-"));
}

function userError(run: () => unknown): string {
    try {
        run();
    } catch (e) {
        expect(e).toBeInstanceOf(PlanUserError);
        return (e as Error).message;
    }
    throw new Error("no error");
}

describe("plan command arguments", () => {
    it("takes the stack and --out in either order, and --out=DIR", () => {
        expect(parsePlanArgs(["dev"])).toEqual({ stack: "dev", out: undefined });
        expect(parsePlanArgs(["--out", "/tmp/p", "dev"])).toEqual({ stack: "dev", out: "/tmp/p" });
        expect(parsePlanArgs(["dev", "--out", "/tmp/p"])).toEqual({ stack: "dev", out: "/tmp/p" });
        expect(parsePlanArgs(["--out=/tmp/p", "prod"])).toEqual({ stack: "prod", out: "/tmp/p" });
    });

    it.each([
        [["--out"], "--out needs a folder"],
        [["dev", "--out"], "--out needs a folder"],
        [["--out", "--verbose", "dev"], "--out needs a folder"],
        [["--out", "/tmp/p"], "no stack given"],
        [["dev", "prod"], "one stack at a time (got dev, prod)"],
        [["dev", "--verbose"], "unknown option --verbose"],
        [["dev", "--out", "a", "--out", "b"], "--out is given twice"],
    ])("refuses %j with a usage message: %s", (argv, fragment) => {
        const message = userError(() => parsePlanArgs(argv));
        expect(message).toContain(fragment);
        expect(message).toContain("usage: npm run plan -- <stack> [--out DIR]");
    });

    it("names an unknown stack, and a stack file that is not YAML, without a debugging hint", () => {
        expect(userError(() => readStackConfig("nostack"))).toMatch(/^no stack nostack: Pulumi\.nostack\.yaml does not exist \(stacks here: .*dev.*prod/);
        expect(userError(() => readStackConfig("../etc/passwd"))).toContain("no stack ../etc/passwd");
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  service-integration:protect: [true\n  service-integration:kongAdminToken: hunter2\n");
        const message = userError(() => readStackConfig("broken", dir));
        expect(message).toMatch(/^Pulumi\.broken\.yaml is not valid YAML at line \d+, column \d+: /);
        expect(message).not.toContain("hunter2");
    });

    it("prints usage and exits 2 without the PLAN_DEBUG hint, which is kept for internal errors", () => {
        const run = (args: string[]): { status: number; stderr: string } => {
            try {
                execFileSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(REPO_ROOT, "scripts", "plan.ts"), ...args], { cwd: REPO_ROOT, stdio: "pipe", encoding: "utf8" });
                return { status: 0, stderr: "" };
            } catch (e) {
                const err = e as { status: number; stderr: string };
                return { status: err.status, stderr: err.stderr };
            }
        };
        const noValue = run(["dev", "--out"]);
        expect(noValue.status).toBe(2);
        expect(noValue.stderr).toContain("--out needs a folder");
        expect(noValue.stderr).not.toContain("PLAN_DEBUG");
        const unknown = run(["nostack"]);
        expect(unknown.status).toBe(1);
        expect(unknown.stderr).toContain("no stack nostack");
        expect(unknown.stderr).not.toContain("PLAN_DEBUG");
    });
});

describe("the plan's folder", () => {
    it("refuses a folder holding files the plan did not write, naming them, and leaves them alone", () => {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
        fs.mkdirSync(path.join(dir, "kubernetes"));
        fs.writeFileSync(path.join(dir, "kubernetes", "hand-made.yaml"), "x");
        const message = userError(() => claimPlanFolder(dir));
        expect(message).toContain(`refusing to write the plan into ${dir}: it holds 2 files the plan did not write (kubernetes/hand-made.yaml, notes.txt)`);
        expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
        expect(fs.existsSync(path.join(dir, "kubernetes", "hand-made.yaml"))).toBe(true);
    });

    it("removes only the files its manifest lists, and reports them", () => {
        const dir = tmp();
        fs.mkdirSync(path.join(dir, "helm"));
        fs.writeFileSync(path.join(dir, "helm", "old.yaml"), "x");
        fs.writeFileSync(path.join(dir, "outputs.json"), "{}");
        fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(["helm/old.yaml", "outputs.json"]));
        expect(claimPlanFolder(dir).sort()).toEqual(["helm/old.yaml", "outputs.json"]);
        expect(fs.readdirSync(dir)).toEqual([MANIFEST]);
        // A file added by hand next to the plan's own files is never removed: the folder is refused instead.
        fs.writeFileSync(path.join(dir, "outputs.json"), "{}");
        fs.writeFileSync(path.join(dir, "mine.txt"), "keep");
        fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(["outputs.json"]));
        expect(userError(() => claimPlanFolder(dir))).toContain("(mine.txt)");
        expect(fs.existsSync(path.join(dir, "outputs.json"))).toBe(true);
    });

    it("creates a missing folder and accepts an empty one; the default folder without a manifest is its own", () => {
        const dir = path.join(tmp(), "new", "plan");
        expect(claimPlanFolder(dir)).toEqual([]);
        expect(fs.statSync(dir).isDirectory()).toBe(true);
        fs.writeFileSync(path.join(dir, "inventory.txt"), "old plan");
        expect(claimPlanFolder(dir, true)).toEqual(["inventory.txt"]);
    });
});

describe("stack outputs in the plan", () => {
    it("resolves Outputs to their values and secret ones to [redacted], never to Pulumi's toJSON warning", async () => {
        pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "service-integration", "test", false);
        const resolved = await resolveOutputs({ gateway: { jwtSecrets: pulumi.secret({ "portal-issuer": "s3cr3t" }), url: pulumi.output("http://kong") }, list: [pulumi.output(1)] });
        expect(resolved).toEqual({ gateway: { jwtSecrets: "[redacted]", url: "http://kong" }, list: [1] });
        expect(JSON.stringify(resolved)).not.toContain("toJSON");
        expect(JSON.stringify(resolved)).not.toContain("s3cr3t");
    });
});
