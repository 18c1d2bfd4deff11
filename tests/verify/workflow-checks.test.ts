import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_CHECKS } from "../../verify/checks";
import { REPO_ROOT } from "../../verify/context";

/**
 * The deploy workflow's verify step runs real checks: `--only` with an unknown id is a usage error (exit 2), so a
 * misspelt id (the seed-era `topics` for `kafka-topics`) would stop every deploy's verification, and a missing one
 * silently skips what the seed checked by hand.
 */

const STACK_UP = path.join(REPO_ROOT, ".github", "workflows", "stack-up.yml");

function checksLines(text: string): string[][] {
    return text
        .split("\n")
        .map((l) => /^\s*(?:if .*then\s+)?checks="?(?:\$checks,)?([a-z,-]+)"?/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => m[1].split(",").filter((id) => id !== ""));
}

describe("the deploy workflow's verify step", () => {
    const lines = checksLines(fs.readFileSync(STACK_UP, "utf8"));
    const known = new Set(ALL_CHECKS.map((c) => c.id));

    it("names only checks that exist", () => {
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.flat().filter((id) => !known.has(id))).toEqual([]);
    });

    it("runs the seed's Kafka topics test, Kong's replica count and the Kafka exporter's metrics on every stack", () => {
        for (const id of ["kafka-topics", "kong-replicas", "kong-route", "kafka-exporter"]) {
            expect(lines[0], id).toContain(id);
        }
    });

    it("catches a misspelt check id", () => {
        const broken = checksLines("          checks=sidecars,topics\n").flat();
        expect(broken.filter((id) => !known.has(id))).toEqual(["topics"]);
    });
});
