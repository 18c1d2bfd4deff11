import { spawnSync } from "child_process";
import { describe, expect, it } from "vitest";
import { corsOriginProblem, kongNormalizePath, kongRouteHostProblem, kongRoutePathProblem, regexProblem } from "../../model/kong-rules";

/** What Kong 3.9 accepts must pass: the refusals are in bad-inputs.cases.ts, these are their passing neighbours. */

const pcre = spawnSync("grep", ["-P", "-e", "a++"], { input: "" }).status === 1;

describe("Kong 3.9 rules: values Kong accepts pass", () => {
    it.each(["/api/portal", "/", "/api/portal/", "/api/~user", "/api/a%2Fb", "/api/v1;matrix=1", "~/api/lineage/v[0-9]+/graph", "~/api/(?<version>v\\d+)/items$"])("route path %s", (p) => {
        expect(kongRoutePathProblem(p)).toBeUndefined();
    });

    it.each(["api.254carbon.com", "*.254carbon.com", "api.254carbon.*", "api.254carbon.com:8443", "10.0.0.1", "[::1]:8000", "host_with_underscore.internal", "fqdn.example.com."])("route host %s", (h) => {
        expect(kongRouteHostProblem(h)).toBeUndefined();
    });

    it.each(["https://portal.254carbon.com", "http://localhost:3000", "https://portal.254carbon.com/", "^https://[a-z]+\\.254carbon\\.com$", "^https?://portal\\.254carbon\\.com$"])("CORS origin %s", (o) => {
        expect(corsOriginProblem(o)).toBeUndefined();
    });

    it("normalizes like kong/tools/uri.lua: unreserved escapes decoded, reserved ones upper-cased, dot segments removed", () => {
        expect(kongNormalizePath("/a/%7euser")).toBe("/a/~user");
        expect(kongNormalizePath("/a/%2fb")).toBe("/a/%2Fb");
        expect(kongNormalizePath("/a/./b/../c")).toBe("/a/c");
        expect(kongNormalizePath("/a//b")).toBe("/a/b");
    });

    it.skipIf(!pcre)("judges regexes with PCRE2 (grep -P) where installed: PCRE-only syntax passes, broken syntax names PCRE's reason", () => {
        expect(regexProblem("/api/v\\d++/graph")).toBeUndefined();
        expect(regexProblem("(?i)/api/portal")).toBeUndefined();
        expect(kongRoutePathProblem("~/api/v\\d++/graph")).toBeUndefined();
        expect(regexProblem("/api/(portal")).toMatch(/^PCRE2: .*parenthesis/);
    });
});
