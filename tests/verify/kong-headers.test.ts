import { describe, expect, it } from "vitest";
import { evaluateStack } from "../support/stack";

/**
 * verify's kong-route identifies Kong by the headers of Kong's default `headers = server_tokens, latency_tokens,
 * x-kong-request-id` (kong/templates/kong_defaults.lua, 3.9.3). A stack that turned them off (KONG_HEADERS) would
 * make every probe look like "not Kong": this keeps the two in step.
 */
describe("Kong keeps the response headers verify identifies it by", () => {
    it.each(["dev", "prod"])("%s: the Kong Deployment does not override KONG_HEADERS", async (stack) => {
        const { resources } = await evaluateStack(stack);
        const kong = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs.metadata as { name?: string }).name === "kong");
        expect(kong, "the Kong Deployment").toBeDefined();
        const containers = (kong!.inputs.spec as { template: { spec: { containers: { name: string; env?: { name: string }[] }[] } } }).template.spec.containers;
        const env = containers.flatMap((c) => (c.env ?? []).map((e) => e.name));
        expect(env.length).toBeGreaterThan(0);
        expect(env).not.toContain("KONG_HEADERS");
    }, 60_000);
});
