import { describe, expect, it } from "vitest";
import { evaluateStack } from "../support/stack";

describe("determinism", () => {
    it("two evaluations of the same stack declare identical resources", async () => {
        const first = await evaluateStack("prod");
        const second = await evaluateStack("prod");
        expect(first.resources.length).toBeGreaterThan(50);
        expect(JSON.stringify(second.resources)).toBe(JSON.stringify(first.resources));
    });
});
