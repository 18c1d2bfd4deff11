import * as pulumi from "@pulumi/pulumi";
import { GATEWAY_SECRET_KEYS, GatewayModel } from "../../model/gateway";

/** The gateway's secrets, as Pulumi secrets; which ones exist depends on the model. */
export interface GatewaySecrets {
    /** External database: password of `database.adminUser`. */
    readonly postgresAdminPassword?: pulumi.Input<string>;
    /** In-cluster database with `password: config`: the password of Kong's role. */
    readonly kongDatabasePassword?: pulumi.Input<string>;
    /** `admin.token`: sent as Kong-Admin-Token. */
    readonly kongAdminToken?: pulumi.Input<string>;
    /** `admin.clientCertificate`: PEM certificate and key for mTLS to the Admin API. */
    readonly kongAdminClientCert?: pulumi.Input<string>;
    readonly kongAdminClientKey?: pulumi.Input<string>;
    /** JWT credentials with `secret: config`, by credential key. */
    readonly jwtSecrets?: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * Reads exactly the secrets the model needs with `requireSecret`, so a missing one fails before any resource is
 * declared with the key to set. Config namespace: `service-integration`.
 */
export function readGatewaySecrets(model: GatewayModel, config: pulumi.Config = new pulumi.Config("service-integration")): GatewaySecrets {
    const jwtSecrets: Record<string, pulumi.Output<string>> = {};
    for (const consumer of model.consumers) {
        for (const cred of consumer.jwt) {
            if (cred.secret?.source === "config") {
                jwtSecrets[cred.key] = config.requireSecret(cred.secret.configKey);
            }
        }
    }
    return {
        postgresAdminPassword: model.database.mode === "external" ? config.requireSecret(GATEWAY_SECRET_KEYS.postgresAdminPassword) : undefined,
        kongDatabasePassword:
            model.database.mode === "in-cluster" && model.database.passwordSource === "config" ? config.requireSecret(GATEWAY_SECRET_KEYS.kongDatabasePassword) : undefined,
        kongAdminToken: model.admin.token ? config.requireSecret(GATEWAY_SECRET_KEYS.kongAdminToken) : undefined,
        kongAdminClientCert: model.admin.clientCertificate ? config.requireSecret(GATEWAY_SECRET_KEYS.kongAdminClientCert) : undefined,
        kongAdminClientKey: model.admin.clientCertificate ? config.requireSecret(GATEWAY_SECRET_KEYS.kongAdminClientKey) : undefined,
        jwtSecrets,
    };
}
