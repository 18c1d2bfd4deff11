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
        for (const key of ["password", "adminPassword", "DB_PASSWORD", "passwd", "secret", "clientSecret", "client_secret", "token", "apiKey", "api-key", "accessKey", "privateKey", "signing_key", "credentials", "passphrase", "pass", "pwd", "password1", "passwordValue", "apiKeyValue", "jwt", "dsn", "aws_access_key_id", "AWS_SECRET_ACCESS_KEY"]) {
            expect(isSecretKey(key), key).toBe(true);
        }
        for (const key of ["existingSecret", "existing_secret", "secretName", "tokenFile", "passwordSecretRef", "strategy", "keyFile", "tokenTTL", "auth", "name", "bypass", "compass", "passthrough", "jwtRequired", "tokenUrl"]) {
            expect(isSecretKey(key), key).toBe(false);
        }
    });
});

describe("credential names and shapes the pack used to miss (issue 16), each next to values that must pass", () => {
    // [what, values, path fragment of the one finding]
    const missed: [string, Record<string, unknown>, string][] = [
        ["a password inside a URL", { externalDatabase: { url: "postgres://kong:hunter2pass@db.internal:5432/kong" } }, "values.externalDatabase.url holds a URL with a password"],
        ["a URL with a password inside a longer string", { env: { DATABASE: "DATABASE_URL=mysql://app:hunter2@db:3306/app" } }, "values.env.DATABASE holds a URL with a password"],
        ["an Authorization header", { proxy: { headers: { Authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig" } } }, "values.proxy.headers.Authorization holds an Authorization header credential"],
        ["a Basic header under a neutral key", { probe: { header: "Basic a29uZzpodW50ZXIy" } }, "values.probe.header holds an Authorization header credential"],
        ["pass", { smtp: { pass: SECRET } }, "values.smtp.pass is a credential-named key"],
        ["pwd", { db: { pwd: SECRET } }, "values.db.pwd is a credential-named key"],
        ["password1", { users: { password1: SECRET } }, "values.users.password1 is a credential-named key"],
        ["passwordValue", { admin: { passwordValue: SECRET } }, "values.admin.passwordValue is a credential-named key"],
        ["apiKeyValue", { datadog: { apiKeyValue: SECRET } }, "values.datadog.apiKeyValue is a credential-named key"],
        ["a DSN", { sentry: { dsn: "https://abc123@o1.ingest.sentry.io/42" } }, "values.sentry.dsn is a credential-named key"],
        ["a key=value DSN with a password", { database: { connection: "host=db port=5432 user=kong password=hunter2 dbname=kong" } }, "values.database.connection holds a connection string with a password"],
        ["jwt", { client: { jwt: "eyJhbGciOiJIUzI1NiJ9.e30.abc" } }, "values.client.jwt is a credential-named key"],
        ["aws_access_key_id", { s3: { aws_access_key_id: "AKIAIOSFODNN7EXAMPLE" } }, "values.s3.aws_access_key_id is a credential-named key"],
        ["--password= in args", { extraArgs: ["--verbose", "--password=hunter2"] }, "values.extraArgs[1] holds a credential in a command-line argument"],
        ["--token <value> in one arg string", { command: "kong-sync --token abcdef123456" }, "values.command holds a credential in a command-line argument"],
        ["a YAML blob", { config: "auth:\n  username: admin\n  password: hunter2\n" }, "values.config<document>.auth.password is a credential-named key with a literal value (inside a YAML/JSON string)"],
        ["a JSON blob", { extraConfig: '{"grafana": {"adminPassword": "hunter2"}}' }, "values.extraConfig<document>.grafana.adminPassword"],
        ["a high-entropy value under a suspicious key", { session: { key: "q8Zr2LxV9mKp4TnW7sYb3HcJ" } }, "values.session.key is a high-entropy value under the suspicious key key"],
        ["a PEM private key under a neutral key", { tls: { material: PEM } }, "values.tls.material holds a PEM private key"],
    ];
    it.each(missed)("flags %s", async (_what, values, fragment) => {
        const out = await helm(values);
        expect(out).toEqual([expect.stringContaining(fragment)]);
        expect(out.join("\n")).not.toContain("hunter2");
    });

    const passing: [string, Record<string, unknown>][] = [
        ["the plan's placeholder [redacted]", { auth: { password: "[redacted]" }, jwtSecret: "[redacted]", url: "postgres://kong:[redacted]@db/kong", connectionUrl: "postgres://kong:%5Bredacted%5D@db/kong" }],
        ["variables and empty values", { db: { password: "${DB_PASSWORD}", pwd: "" }, args: ["--password=${PASSWORD}"] }],
        ["references to where a secret lives", { existingSecret: "kong", passwordSecretRef: { name: "x", key: "password" }, tokenFile: "/var/run/token", secretName: "tls", apiKeyRef: "dd" }],
        ["words that merely end in pass", { bypass: "true", compass: "north", proxy: { bypassList: "localhost" } }],
        ["URLs without a password", { grafana: { url: "https://grafana.254carbon.com" }, kiali: { prometheus: "http://user@prometheus:9090" } }],
        ["ordinary settings and digests", { image: { digest: "sha256:0123456789abcdef0123456789abcdef" }, auth: { strategy: "token" }, session: { key: "session-cookie-name" } }],
        ["a YAML blob without credentials", { config: "server:\n  port: 8080\n  mode: strict\n" }],
        ["a public key", { jwt: { publicKeyFile: "/etc/jwt/pub.pem" }, tls: { crt: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" } }],
    ];
    it.each(passing)("passes %s", async (_what, values) => {
        expect(await helm(values)).toEqual([]);
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
        expect(await helm({ credentials: { existingSecret: "kong-credentials", secretName: "x", tokenFile: "/var/run/token" } })).toEqual([]);
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

    it("rejects a kubeconfig with a token and a URL with a password, and passes their redacted forms", async () => {
        const kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://10.0.0.1}\nusers:\n- name: u\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.abc.def\n";
        const out = await runStackPolicy(noSecretsInStackOutputs, [stack({ ...outputs, cluster: { kubeconfig }, events: { brokerUrl: "kafka://admin:hunter2@kafka:9093" } })]);
        expect(out.violations).toEqual([
            expect.stringContaining("stack output cluster.kubeconfig<document>.users[0].user.token is a credential-named key with a literal value (inside a YAML/JSON string)"),
            expect.stringContaining("stack output events.brokerUrl holds a URL with a password in its user-info"),
        ]);
        expect(out.violations.join("\n")).not.toContain("hunter2");
        const redacted = await runStackPolicy(noSecretsInStackOutputs, [stack({ ...outputs, cluster: { kubeconfig: kubeconfig.replace(/token: .*/, "token: '[redacted]'") }, gateway: { jwtSecrets: "[redacted]" }, events: { brokerUrl: "kafka://admin@kafka:9093" } })]);
        expect(redacted.violations).toEqual([]);
    });

    it("is not applicable when the analyzed state has no stack resource", async () => {
        const out = await runStackPolicy(noSecretsInStackOutputs, [release({})]);
        expect(out.notApplicable).toContain("no pulumi:pulumi:Stack");
    });
});
