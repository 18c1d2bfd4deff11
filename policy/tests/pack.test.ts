import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { describe, expect, it } from "vitest";
import { POLICY_PACK_NAME, policies } from "../rules";
import { packConfig } from "./support/plan";

const NAMES = [
    "prod-mtls-strict",
    "prod-mesh-wide-mtls-strict",
    "no-allow-all-authorization",
    "kong-admin-no-service",
    "container-baseline",
    "prod-kafka-topic-durability",
    "no-secrets-in-helm-values",
    "no-secrets-in-stack-outputs",
];

function typeMatches(schema: PolicyConfigJSONSchema, value: unknown): boolean {
    switch (schema.type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return Number.isInteger(value) && (schema.minimum === undefined || (value as number) >= schema.minimum);
        case "array":
            return Array.isArray(value) && value.every((v) => typeof v === "string");
        default:
            return false;
    }
}

describe(`policy pack ${POLICY_PACK_NAME}`, () => {
    it("has a valid pack name and exactly the documented policies, each named, described and mandatory", () => {
        expect(POLICY_PACK_NAME).toMatch(/^[a-zA-Z0-9-_.]{1,100}$/);
        expect(policies.map((p) => p.name)).toEqual(NAMES);
        for (const p of policies) {
            expect(p.description.length, p.name).toBeGreaterThan(40);
            expect(p.enforcementLevel, p.name).toBe("mandatory");
            expect(p.configSchema?.properties.enforcementLevel, p.name).toBeUndefined();
        }
    });

    for (const env of ["prod", "dev"]) {
        it(`${env}.json configures only existing policies with properties their schemas declare, of the declared types`, () => {
            const config = packConfig(env);
            for (const [policyName, settings] of Object.entries(config)) {
                const policy = policies.find((p) => p.name === policyName);
                expect(policy, `${env}.json names unknown policy ${policyName}`).toBeDefined();
                for (const [key, value] of Object.entries(settings)) {
                    const schema = policy?.configSchema?.properties[key];
                    expect(schema, `${policyName}.${key} is not in the policy's configSchema`).toBeDefined();
                    expect(typeMatches(schema as PolicyConfigJSONSchema, value), `${policyName}.${key}`).toBe(true);
                }
            }
        });
    }

    it("prod.json marks every environment-dependent policy as prod, dev.json as dev", () => {
        const envDependent = policies.filter((p) => p.configSchema?.properties.environment !== undefined).map((p) => p.name);
        expect(envDependent).toEqual(["prod-mtls-strict", "prod-mesh-wide-mtls-strict", "prod-kafka-topic-durability"]);
        for (const name of envDependent) {
            expect(packConfig("prod")[name]?.environment, name).toBe("prod");
            expect(packConfig("dev")[name]?.environment, name).toBe("dev");
        }
    });
});
