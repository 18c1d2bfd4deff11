import { describe, expect, it } from "vitest";
import { findSecrets, isSecretKey, noSecretsInHelmValues, noSecretsInStackOutputs, STACK_TYPE } from "../rules/secrets";
import { ResourceInput, runResourcePolicy, runStackPolicy, UNKNOWN } from "./support/policy";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "s3cr3t-do-not-print";
const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----";

function release(values: unknown, type = RELEASE): ResourceInput {
    return { type, name: "kiali-server", props: { name: "kiali-server", chart: "kiali-server", version: "2.17.0", values } };
}
async function helm(values: unknown, type = RELEASE): Promise<string[]> {
    return (await runResourcePolicy(noSecretsInHelmValues, release(values, type))).violations;
}
function stack(outputs: Record<string, unknown>): ResourceInput {
    return { type: STACK_TYPE, name: "service-integration-prod", props: outputs };
}

describe("credential-named keys", () => {
    it("match credential names in any case or separator style, not references to secrets", () => {
        for (const key of ["password", "adminPassword", "DB_PASSWORD", "passwd", "secret", "clientSecret", "client_secret", "token", "apiKey", "api-key", "accessKey", "privateKey", "signing_key", "credentials", "passphrase"]) {
            expect(isSecretKey(key), key).toBe(true);
        }
        for (const key of ["existingSecret", "existing_secret", "secretName", "tokenFile", "passwordSecretRef", "strategy", "keyFile", "tokenTTL", "auth", "name"]) {
            expect(isSecretKey(key), key).toBe(false);
        }
    });
});

describe("no-secrets-in-helm-values", () => {
    it("passes the program's kind of values: settings, image pins, references to existing Secrets, empty credentials", async () => {
        const values = {
            auth: { strategy: "token" },
            deployment: { image_version: "v2.17.0", resources: { limits: { cpu: "500m" } } },
            postgresql: { auth: { existingSecret: "kong-postgres", secretKeys: { adminPasswordKey: "password" }, password: "" } },
            env: [{ name: "KONG_PG_PASSWORD", valueFrom: { secretKeyRef: { name: "kong-postgres", key: "password" } } }],
        };
        expect(await helm(values)).toEqual([]);
    });

    it("rejects a literal under a credential-named key, by path and without printing the value", async () => {
        const out = await helm({ auth: { strategy: "token" }, grafana: { adminPassword: SECRET } });
        expect(out).toEqual([
            "Helm release kiali-server: values.grafana.adminPassword is a credential-named key with a literal value; reference an existing Kubernetes Secret (e.g. existingSecret) instead.",
        ]);
        expect(out.join("\n")).not.toContain(SECRET);
    });

    it("rejects numbers, array elements and env-style name/value pairs carrying credentials", async () => {
        expect(await helm({ redis: { password: 1234 } })).toHaveLength(1);
        expect(await helm({ tokens: [] })).toEqual([]);
        expect(await helm({ apiKey: [SECRET] })).toEqual([expect.stringContaining("values.apiKey[0] is a credential-named key")]);
        expect(await helm({ extraEnv: [{ name: "DB_PASSWORD", value: SECRET }] })).toEqual([expect.stringContaining("values.extraEnv[0].value sets DB_PASSWORD to a literal value")]);
        expect(await helm({ "dotted.password": SECRET })).toEqual([expect.stringContaining('values["dotted.password"]')]);
    });

    it("rejects a PEM private key under any key", async () => {
        expect(await helm({ tls: { key: PEM } })).toEqual([expect.stringContaining("values.tls.key holds a PEM private key")]);
    });

    it("during preview: rejects a computed value under a credential-named key (a RandomPassword result), ignores other computed values", async () => {
        expect(await helm({ auth: { password: UNKNOWN.string }, service: { clusterIP: UNKNOWN.string } })).toEqual([
            expect.stringContaining("values.auth.password is a credential-named key with a computed value"),
        ]);
        expect(await helm({ extraEnv: [{ name: "API_TOKEN", value: UNKNOWN.string }] })).toEqual([expect.stringContaining("sets API_TOKEN from a computed value")]);
        expect(await helm(UNKNOWN.object)).toEqual([expect.stringContaining("values are computed from other resources' outputs")]);
    });

    it("checks helm.sh/v4 Chart values and ignores other types", async () => {
        expect(await helm({ password: SECRET }, "kubernetes:helm.sh/v4:Chart")).toHaveLength(1);
        expect((await runResourcePolicy(noSecretsInHelmValues, { type: "kubernetes:core/v1:Secret", props: { stringData: { password: SECRET } } })).violations).toEqual([]);
    });

    it("treats every value of a map of credentials as a credential, except references", async () => {
        expect(await helm({ jwtSecrets: { "portal-key": SECRET, other: SECRET } })).toHaveLength(2);
        expect(await helm({ credentials: { existingSecret: "kong-admin", secretName: "x", tokenFile: "/var/run/token" } })).toEqual([]);
        expect(await helm({ secrets: [{ name: "x", data: SECRET }] })).toEqual([expect.stringContaining("values.secrets[0].data")]);
    });

    it("findSecrets honours allowed path prefixes", () => {
        const data = { gateway: { jwtSecrets: { portal: SECRET } }, db: { password: SECRET } };
        expect(findSecrets(data, "outputs", ["outputs.gateway.jwtSecrets"]).map((f) => f.path)).toEqual(["outputs.db.password"]);
    });
});

describe("no-secrets-in-stack-outputs (validateStack over the root stack resource's outputs)", () => {
    const outputs = { mesh: { namespace: "istio-system", mtlsMode: "STRICT", kialiUrl: "http://kiali.istio-system.svc.cluster.local:20001" }, namespaces: ["kong"] };

    it("passes outputs without credentials", async () => {
        expect(await runStackPolicy(noSecretsInStackOutputs, [stack(outputs)])).toEqual({ violations: [], urns: [] });
    });

    it("rejects a credential output and reports it against the stack URN", async () => {
        const out = await runStackPolicy(noSecretsInStackOutputs, [stack({ ...outputs, events: { saslPassword: SECRET } })]);
        expect(out.violations).toEqual([
            "stack output events.saslPassword is a credential-named key with a literal value; do not export secrets, or export them wrapped in pulumi.secret and list the path in allowedOutputPaths.",
        ]);
        expect(out.urns).toEqual(["urn:pulumi:prod::service-integration::pulumi:pulumi:Stack::service-integration-prod"]);
    });

    it("accepts outputs listed in allowedOutputPaths (exported with pulumi.secret)", async () => {
        const withJwt = stack({ ...outputs, gateway: { jwtSecrets: { "portal-key": SECRET } } });
        expect((await runStackPolicy(noSecretsInStackOutputs, [withJwt])).violations).toHaveLength(1);
        expect((await runStackPolicy(noSecretsInStackOutputs, [withJwt], { config: { allowedOutputPaths: ["gateway.jwtSecrets"] } })).violations).toEqual([]);
    });

    it("is not applicable when the analyzed state has no stack resource", async () => {
        const out = await runStackPolicy(noSecretsInStackOutputs, [release({})]);
        expect(out.notApplicable).toContain("no pulumi:pulumi:Stack");
    });
});
