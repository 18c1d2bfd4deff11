import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Pulumi's runtime keeps global state (mocks, config, stack resource);
        // each test file gets its own process so files cannot leak into each other.
        pool: "forks",
        testTimeout: 60_000,
        hookTimeout: 120_000,
    },
});
