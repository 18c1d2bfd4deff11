import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Pulumi's runtime keeps global state (mocks, config, stack resource);
        // each test file gets its own process so files cannot leak into each other.
        pool: "forks",
        testTimeout: 60_000,
        hookTimeout: 180_000,
        // The JSON report lets .ci/run print one "N passed, N failed" line for the whole run.
        reporters: ["default", "json"],
        outputFile: { json: "out/test-results/main.json" },
    },
});
