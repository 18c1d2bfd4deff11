import { Policies } from "@pulumi/policy";
import { noAllowAllAuthorization } from "./authorization";
import { containerBaseline } from "./containers";
import { prodKafkaTopicDurability } from "./kafka";
import { kongAdminNoService } from "./kong-admin";
import { prodMeshWideMtlsStrict, prodMtlsStrict } from "./mtls";
import { noSecretsInHelmValues, noSecretsInStackOutputs } from "./secrets";

export const POLICY_PACK_NAME = "254carbon-guardrails";

/** Every policy of the pack, in the order the README lists them. */
export const policies: Policies = [
    prodMtlsStrict,
    prodMeshWideMtlsStrict,
    noAllowAllAuthorization,
    kongAdminNoService,
    containerBaseline,
    prodKafkaTopicDurability,
    noSecretsInHelmValues,
    noSecretsInStackOutputs,
];

export { noAllowAllAuthorization, containerBaseline, prodKafkaTopicDurability, kongAdminNoService, prodMeshWideMtlsStrict, prodMtlsStrict, noSecretsInHelmValues, noSecretsInStackOutputs };
