import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // The smoke test starts the pack as the Pulumi CLI would (ts-node compile included).
        testTimeout: 60_000,
        hookTimeout: 120_000,
        // The JSON report lets the project's .ci/run print one "N passed, N failed" line for the whole run.
        reporters: ["default", "json"],
        outputFile: { json: "../out/test-results/policy.json" },
    },
});
