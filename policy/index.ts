import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./rules";

/**
 * Entry point the Pulumi CLI loads for `pulumi preview --policy-pack policy`. Constructing the pack starts its gRPC
 * server, so tests import `./rules` and call the validation functions directly instead.
 */
new PolicyPack(POLICY_PACK_NAME, {
    description: "Production guardrails for the 254Carbon service-integration program.",
    enforcementLevel: "mandatory",
    policies,
});
