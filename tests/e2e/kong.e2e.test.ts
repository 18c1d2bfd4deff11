/**
 * The Kong scenario (tests/e2e/kong-scenario.ts) with the provider talking straight to the fake Admin API on
 * 127.0.0.1 (`gateway.admin.url`). In CI (CI set) a missing CLI fails the run; elsewhere the file is skipped.
 */
import { ci, kongScenario, tools } from "./kong-scenario";

const skipHere = typeof tools === "string" && !ci;
if (skipHere) {
    console.warn(`[kong e2e] skipped: ${String(tools)}. Build them with scripts/tools/install-pulumi.sh (about 10 min cold, cached after).`);
}

kongScenario({ name: "direct admin URL", adminUrl: (fake) => fake }, skipHere);
