import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { DeclaredResource } from "../../offline/evaluate";
import { all, CRDS, envOf, evaluateGateway, GatewayEvaluation, one, podTemplate, T } from "./component";
import { PROD_GATEWAY } from "./fixtures";

/** prod: external PostgreSQL managed with @pulumi/postgresql, JWT required, LoadBalancer proxy, protected state. */

let ev: GatewayEvaluation;
let r: readonly DeclaredResource[];

beforeAll(async () => {
    ev = await evaluateGateway(
        "prod",
        PROD_GATEWAY,
        {
            postgresAdminPassword: pulumi.secret("admin-pw"),
            kongAdminToken: pulumi.secret("admin-token"),
            jwtSecrets: { "partner-etl-issuer": pulumi.secret("partner-shared-secret") },
        },
        true,
    );
    r = ev.resources;
});

describe("gateway on prod (external database)", () => {
    it("connects to the external server through its own postgresql provider", () => {
        const provider = r.find((x) => x.type === T.pgProvider && x.name === "kong-postgres-admin")!;
        expect(provider.inputs).toMatchObject({ host: "kong-db.prod.254carbon.internal", port: "5432", username: "platform_admin", sslmode: "verify-full", superuser: "false", database: "postgres" });
        for (const type of [T.pgRole, T.pgDatabase, T.pgGrant]) {
            for (const res of all(r, type)) {
                expect(res.provider, `${type} ${res.name}`).toBe("pulumi:providers:postgresql/kong-postgres-admin");
            }
        }
    });

    it("creates role kong (secret password), database kong owned by it, and PG15's grants on schema public", () => {
        expect(one(r, T.pgRole, "kong").inputs).toMatchObject({ name: "kong", login: true });
        expect(one(r, T.randomPassword, "kong-postgres-password").inputs).toMatchObject({ length: 32, special: false });
        expect(one(r, T.pgDatabase, "kong").inputs).toMatchObject({ name: "kong", owner: "kong" });
        expect(one(r, T.pgGrant, "kong-public-schema").inputs).toMatchObject({ database: "kong", role: "kong", schema: "public", objectType: "schema", privileges: ["CREATE", "USAGE"] });
        expect(all(r, T.statefulSet)).toHaveLength(0);
    });

    it("protects the role, the database and the password", () => {
        expect(ev.protect.get(`${T.pgRole}/kong`)).toBe(true);
        expect(ev.protect.get(`${T.pgDatabase}/kong`)).toBe(true);
        expect(ev.protect.get(`${T.randomPassword}/kong-postgres-password`)).toBe(true);
    });

    it("orders role/database/grants → migrations → Deployment", () => {
        expect(one(r, T.job, "kong-migrations").dependsOn).toEqual(expect.arrayContaining([`${T.pgRole}/kong`, `${T.pgDatabase}/kong`, `${T.pgGrant}/kong-public-schema`, `${T.secret}/kong-database`]));
        expect(one(r, T.deployment, "kong").dependsOn).toEqual(expect.arrayContaining([`${T.job}/kong-migrations`, `${T.job}/kong-migrations-up-3-9-3`]));
    });

    it("gives Kong TLS to the database and a way out of the namespace and the mesh", () => {
        const c = podTemplate(one(r, T.deployment, "kong")).spec.containers[0];
        expect(envOf(c, "KONG_PG_SSL")?.value).toBe("on");
        expect(envOf(c, "KONG_PG_SSL_VERIFY")?.value).toBe("on");
        expect(envOf(c, "KONG_LUA_SSL_TRUSTED_CERTIFICATE")?.value).toBe("system");
        expect(one(r, T.networkPolicy, "kong-database-egress").inputs.spec).toMatchObject({ egress: [{ ports: [{ protocol: "TCP", port: 5432 }] }] });
        const se = one(r, T.custom("networking.istio.io/v1", "ServiceEntry"), "kong-postgres-external");
        expect(se.inputs.spec).toMatchObject({ hosts: ["kong-db.prod.254carbon.internal"], location: "MESH_EXTERNAL", ports: [{ number: 5432, protocol: "TCP" }] });
        expect(se.dependsOn).toContain(CRDS);
    });

    it("scales Kong and exposes the proxy on a LoadBalancer, the Admin API on no Service", () => {
        expect((one(r, T.deployment, "kong").inputs.spec as { replicas: number }).replicas).toBe(3);
        const proxy = one(r, T.service, "kong-proxy");
        expect(proxy.inputs.spec).toMatchObject({ type: "LoadBalancer", externalTrafficPolicy: "Local" });
        expect((proxy.inputs.metadata as { annotations: Record<string, string> }).annotations).toEqual({ "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" });
        expect(all(r, T.service).map((s) => s.name)).not.toContain("kong-admin");
        expect(podTemplate(one(r, T.deployment, "kong")).spec.containers[0].resources).toEqual({ requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "128Mi" }, limits: { cpu: "2", memory: "2Gi", "ephemeral-storage": "1Gi" } });
    });

    it("names the Admin API port in no NetworkPolicy or AuthorizationPolicy (it listens on the pod's loopback only)", () => {
        const policies = [...all(r, T.networkPolicy), ...all(r, T.custom("security.istio.io/v1", "AuthorizationPolicy"))];
        expect(policies.length).toBeGreaterThan(0);
        expect(policies.filter((p) => /\b8001\b/.test(JSON.stringify(p.inputs.spec))).map((p) => p.name)).toEqual([]);
    });

    it("requires JWT on every route and declares consumers with their credentials", () => {
        const routes = all(r, T.kong("Route"));
        const jwt = all(r, T.kong("Plugin")).filter((p) => (p.inputs.body as { name: string }).name === "jwt");
        expect(jwt.map((p) => (p.inputs.parent as { key: string }).key).sort()).toEqual(routes.map((x) => x.inputs.key as string).sort());
        expect(one(r, T.kong("Consumer"), "kong-consumer-partner-etl").inputs.body).toMatchObject({ custom_id: "partner-42" });
        const cred = one(r, T.kong("JwtCredential"), "kong-jwt-partner-etl-issuer");
        expect(cred.inputs).toMatchObject({ kind: "jwt", key: "partner-etl-issuer", parent: { collection: "consumers", key: "partner-etl" }, body: { algorithm: "HS512" } });
        expect(cred.dependsOn).toContain(`${T.kong("Consumer")}/kong-consumer-partner-etl`);
        // The config secret reaches the provider as a Pulumi secret, never in the body.
        expect(cred.inputs.secret).toEqual({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "partner-shared-secret" });
        expect(JSON.stringify(cred.inputs.body)).not.toContain("partner-shared-secret");
        expect(one(r, T.randomPassword, "kong-jwt-portal-frontend-issuer").inputs).toMatchObject({ length: 48 });
    });

    it("sends the admin token as a secret connection setting", () => {
        const conn = one(r, T.kong("Service"), "kong-service-query-service").inputs.connection as { value: { token: string; adminUrl: string } };
        expect(conn.value).toMatchObject({ adminUrl: "http://127.0.0.1:8001", token: "admin-token" });
        expect(conn).toHaveProperty("4dabf18193072939515e22adb298388d");
        expect(ev.deck).not.toContain("partner-shared-secret");
        expect(ev.deck).not.toContain("admin-token");
    });
});
