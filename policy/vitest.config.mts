import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // The smoke test starts the pack as the Pulumi CLI would (ts-node compile included).
        testTimeout: 60_000,
        hookTimeout: 120_000,
    },
});
