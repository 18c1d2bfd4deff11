import { describe, expect, it } from "vitest";
import { PlatformModel } from "../../model";
import { preflightTargets, secretValuesFrom } from "../../preflight";
import { DEV_GATEWAY, gatewayModel, PROD_GATEWAY } from "../gateway/fixtures";
import { DEV_EVENTS, parseEvents, PROD_EVENTS } from "../events/configs";
import { makePki } from "./certs";
import { readStackConfig, withPlaceholderSecrets } from "../../offline/stack-config";

const pki = makePki("254carbon-targets-");

/** The parts of a platform model the preflight reads. */
function model(over: Partial<PlatformModel>): PlatformModel {
    return { kubernetes: { context: "ctx", kubeconfigPath: "/k/config", kubeconfigFromSecret: false }, components: { mesh: false, gateway: true, events: true, observability: true }, ...over } as PlatformModel;
}

describe("preflight targets: what the model and the secrets say to check", () => {
    it("Kafka: bootstrap servers, TLS with the configured CA, mTLS and SASL credentials from the secrets", () => {
        const events = parseEvents({ ...PROD_EVENTS, caCertificate: pki.caCert, clientCertificate: true });
        const secrets = secretValuesFrom({ "service-integration:kafkaSaslPassword": "sasl-pw", "service-integration:kafkaClientCert": "CERT", "service-integration:kafkaClientKey": "KEY", "other:x": "y" });
        const t = preflightTargets(model({ events }), secrets);
        expect(t.kafka).toEqual({
            bootstrapServers: PROD_EVENTS.bootstrapServers,
            tlsEnabled: true,
            caCertificate: pki.caCert,
            clientCert: "CERT",
            clientKey: "KEY",
            sasl: { mechanism: "scram-sha512", username: "platform-admin", password: "sasl-pw" },
        });
    });

    it("Kafka config: a CA or a client certificate without TLS is refused, a broken CA too", () => {
        expect(() => parseEvents({ ...DEV_EVENTS, caCertificate: pki.caCert })).toThrow("events.tlsEnabled: is off, so caCertificate/clientCertificate would never be used");
        expect(() => parseEvents({ ...PROD_EVENTS, caCertificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" })).toThrow("events.caCertificate: does not parse as X.509");
    });

    it("PostgreSQL only for an external database; Kong's port-forward only without a direct admin URL", () => {
        const prod = preflightTargets(model({ gateway: gatewayModel({ ...PROD_GATEWAY, admin: { token: true }, database: { ...PROD_GATEWAY.database, caCertificate: pki.caCert } }) }), { postgresAdminPassword: "pg-pw" });
        expect(prod.postgres).toEqual({ host: "kong-db.prod.254carbon.internal", port: 5432, sslmode: "verify-full", caCertificate: pki.caCert, user: "platform_admin", password: "pg-pw", database: "postgres" });
        expect(prod.kong).toEqual({ kubeconfig: undefined, kubeconfigPath: "/k/config", context: "ctx" });
        const dev = preflightTargets(model({ gateway: gatewayModel(DEV_GATEWAY) }), {});
        expect(dev.postgres).toBeUndefined();
        // DEV_GATEWAY keeps a direct admin URL: no port-forward to check.
        expect(dev.kong).toBeUndefined();
        expect(preflightTargets(model({}), {})).toEqual({ kafka: undefined, postgres: undefined, grafana: undefined, kong: undefined, rollouts: undefined });
    });

    it("the Deployments the mesh rolls: each catalog service's `deployment` in an injected namespace, with the stack's kubeconfig", () => {
        const dev = withPlaceholderSecrets(readStackConfig("dev")).model;
        const t = preflightTargets(dev, {});
        expect(t.rollouts?.context).toBe(dev.kubernetes.context);
        const expected = dev.catalog.services.filter((s) => s.deployment !== undefined && s.sidecar).map((s) => `${s.namespace}/${s.deployment}`);
        expect(expected.length).toBeGreaterThan(0);
        expect(t.rollouts?.deployments.map((d) => `${d.namespace}/${d.deployment}`).sort()).toEqual([...new Set(expected)].sort());
        expect(preflightTargets({ ...dev, components: { ...dev.components, mesh: false } }, {}).rollouts).toBeUndefined();
    });
});
