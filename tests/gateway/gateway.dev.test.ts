import { beforeAll, describe, expect, it } from "vitest";
import { DeclaredResource } from "../../offline/evaluate";
import { all, Container, CRDS, envOf, evaluateGateway, GatewayEvaluation, one, podTemplate, T } from "./component";
import { DEV_GATEWAY } from "./fixtures";

/** dev: in-cluster PostgreSQL 15, JWT off, ClusterIP proxy. */

let ev: GatewayEvaluation;
let r: readonly DeclaredResource[];
const kongContainer = (): Container => podTemplate(one(r, T.deployment, "kong")).spec.containers[0];

beforeAll(async () => {
    ev = await evaluateGateway("dev", DEV_GATEWAY, {});
    r = ev.resources;
});

describe("gateway on dev (in-cluster database)", () => {
    it("runs PostgreSQL 15 as StatefulSet kong-postgres with a 10Gi volume, hardened, without a sidecar", () => {
        const sts = one(r, T.statefulSet, "kong-postgres");
        const spec = sts.inputs.spec as { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] };
        expect(spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("10Gi");
        const pod = podTemplate(sts);
        const pg = pod.spec.containers[0];
        expect(pg.image).toMatch(/^postgres:15\.\d+/);
        expect(pod.metadata.labels["sidecar.istio.io/inject"]).toBe("false");
        expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
        expect(pg.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
        expect(envOf(pg, "POSTGRES_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({ name: "kong-database", key: "pg_password" });
        expect(one(r, T.service, "kong-postgres").inputs.spec).toMatchObject({ type: "ClusterIP", ports: [{ name: "tcp-postgres", port: 5432 }] });
    });

    it("generates the database password with RandomPassword into the Secret kong-database", () => {
        expect(one(r, T.randomPassword, "kong-postgres-password").inputs).toMatchObject({ length: 32, special: false });
        // The whole stringData reaches the engine as a secret (Pulumi's secret signature wraps it).
        const stringData = one(r, T.secret, "kong-database").inputs.stringData as { "4dabf18193072939515e22adb298388d": string; value: Record<string, string> };
        expect(stringData["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
        // pg_password is the RandomPassword's result, which the recording mocks leave unset.
        expect(Object.keys(stringData.value).sort()).toEqual(["pg_database", "pg_host", "pg_port", "pg_user"]);
        expect(stringData.value.pg_host).toBe("kong-postgres.kong.svc.cluster.local");
    });

    it("orders database → bootstrap → up → Deployment → finish → Kong entities", () => {
        const bootstrap = one(r, T.job, "kong-migrations");
        expect(bootstrap.dependsOn).toEqual(expect.arrayContaining([`${T.statefulSet}/kong-postgres`, `${T.secret}/kong-database`, `${T.service}/kong-postgres`]));
        const up = one(r, T.job, "kong-migrations-up-3-9-3");
        expect(up.dependsOn).toContain(`${T.job}/kong-migrations`);
        expect(one(r, T.deployment, "kong").dependsOn).toEqual(expect.arrayContaining([`${T.job}/kong-migrations`, `${T.job}/kong-migrations-up-3-9-3`]));
        expect(one(r, T.job, "kong-migrations-finish-3-9-3").dependsOn).toContain(`${T.deployment}/kong`);
        expect(one(r, T.kongConfiguration, "kong").dependsOn).toEqual(expect.arrayContaining([`${T.deployment}/kong`, `${T.job}/kong-migrations-finish-3-9-3`]));
        // No Service: the entities reach Kong through a port-forward to a ready pod, not through any Service.
        expect(one(r, T.kongConfiguration, "kong").dependsOn.filter((d) => d.startsWith(`${T.service}/`))).toEqual([]);
    });

    it("runs migrations with the sidecar off, the right commands, and the DB settings from the Secret", () => {
        const cmds = all(r, T.job).map((j) => podTemplate(j).spec.containers[0].command?.join(" ")).sort();
        expect(cmds).toEqual(["kong migrations bootstrap", "kong migrations finish", "kong migrations up"]);
        for (const job of all(r, T.job)) {
            const pod = podTemplate(job);
            expect(pod.metadata.labels["sidecar.istio.io/inject"], job.name).toBe("false");
            expect(pod.metadata.annotations?.["sidecar.istio.io/inject"], job.name).toBe("false");
            expect(envOf(pod.spec.containers[0], "KONG_PG_PASSWORD")?.valueFrom?.secretKeyRef).toEqual({ name: "kong-database", key: "pg_password" });
            expect(pod.spec.containers[0].image).toBe("kong:3.9.3");
        }
    });

    it("deploys Kong with replicas from config, sidecar held until the proxy starts, status probes on 8100", () => {
        const dep = one(r, T.deployment, "kong");
        expect((dep.inputs.spec as { replicas: number }).replicas).toBe(2);
        const pod = podTemplate(dep);
        expect(JSON.parse(pod.metadata.annotations!["proxy.istio.io/config"])).toEqual({ holdApplicationUntilProxyStarts: true });
        const c = kongContainer();
        expect(c.ports).toContainEqual({ name: "status", containerPort: 8100 });
        expect(c.readinessProbe?.httpGet).toEqual({ path: "/status/ready", port: "status" });
        expect(c.livenessProbe?.httpGet).toEqual({ path: "/status", port: "status" });
        expect(envOf(c, "KONG_STATUS_LISTEN")?.value).toBe("0.0.0.0:8100");
        for (const key of ["HOST", "PORT", "USER", "DATABASE", "PASSWORD"]) {
            expect(envOf(c, `KONG_PG_${key}`)?.valueFrom?.secretKeyRef?.name, key).toBe("kong-database");
        }
    });

    it("hardens Kong: non-root, read-only root with emptyDirs for /tmp and the prefix, no escalation, no capabilities, requests/limits", () => {
        const pod = podTemplate(one(r, T.deployment, "kong"));
        const c = kongContainer();
        expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        expect(c.volumeMounts.map((m) => m.mountPath).sort()).toEqual(["/kong_prefix", "/tmp"]);
        expect(pod.spec.volumes.every((v) => v.emptyDir !== undefined)).toBe(true);
        expect(envOf(c, "KONG_PREFIX")?.value).toBe("/kong_prefix");
        expect(c.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi", "ephemeral-storage": "128Mi" }, limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "1Gi" } });
        expect(pod.spec.automountServiceAccountToken).toBe(false);
        expect(one(r, T.serviceAccount, "kong").inputs.automountServiceAccountToken).toBe(false);
    });

    it("exposes kong-proxy 80/443 → 8000/8443 as ClusterIP, and the Admin API on no Service or container port", () => {
        const proxy = one(r, T.service, "kong-proxy").inputs.spec as { type: string; ports: { port: number; targetPort: string }[] };
        expect(proxy.type).toBe("ClusterIP");
        expect(proxy.ports.map((p) => [p.port, p.targetPort])).toEqual([
            [80, "proxy"],
            [443, "proxy-tls"],
        ]);
        expect(kongContainer().ports).toEqual([{ name: "proxy", containerPort: 8000 }, { name: "proxy-tls", containerPort: 8443 }, { name: "status", containerPort: 8100 }]);
        expect(envOf(kongContainer(), "KONG_ADMIN_LISTEN")?.value).toBe("127.0.0.1:8001");
        const services = all(r, T.service).map((s) => ({ name: s.name, ports: (s.inputs.spec as { ports: { port: number; targetPort?: number | string }[] }).ports }));
        expect(services.filter((s) => s.ports.some((p) => p.port === 8001 || p.targetPort === 8001 || p.targetPort === "admin")).map((s) => s.name)).toEqual([]);
        expect(services.map((s) => s.name)).not.toContain("kong-admin");
        expect(one(r, T.pdb, "kong").inputs.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { app: "kong" } } });
    });

    it("opens only the status port to the scraper, and no policy names the Admin API port; Istio policies after the CRDs", () => {
        const np = one(r, T.networkPolicy, "kong-status").inputs.spec as { ingress: { ports: { port: number }[] }[] };
        expect(np.ingress.map((rule) => rule.ports)).toEqual([[{ protocol: "TCP", port: 8100 }]]);
        const metrics = one(r, T.custom("security.istio.io/v1", "AuthorizationPolicy"), "kong-metrics");
        expect(metrics.inputs.spec).toMatchObject({ selector: { matchLabels: { app: "kong" } }, action: "ALLOW", rules: [{ to: [{ operation: { methods: ["GET"], ports: ["8100"], paths: ["/metrics"] } }] }] });
        expect(metrics.dependsOn).toContain(CRDS);
        const policies = [...all(r, T.networkPolicy), ...all(r, T.custom("security.istio.io/v1", "AuthorizationPolicy"))];
        expect(policies.filter((p) => /\b8001\b/.test(JSON.stringify(p.inputs.spec))).map((p) => p.name)).toEqual([]);
        expect(policies.map((p) => p.name).filter((n) => n.startsWith("kong-admin"))).toEqual([]);
    });

    it("declares the catalog's Kong entities through the Kong provider, tagged for this stack", () => {
        const services = all(r, T.kong("Service"));
        expect(services.map((s) => s.inputs.key)).toEqual(["portal-services", "data-ingestion-api", "data-quality-service", "lineage-service", "metadata-catalog", "query-service"]);
        expect(services[0].inputs.body).toMatchObject({ protocol: "http", host: "portal-services.data-platform.svc.cluster.local", port: 8080, tags: ["managed-by:pulumi", "stack:dev"] });
        const route = one(r, T.kong("Route"), "kong-route-query-service.query-api");
        expect(route.inputs).toMatchObject({ kind: "route", key: "query-service.query-api", parent: { collection: "services", key: "query-service" } });
        expect(route.inputs.body).toMatchObject({ paths: ["/api/query"], methods: ["GET", "POST"], strip_path: true });
        expect(route.dependsOn).toContain(`${T.kong("Service")}/kong-service-query-service`);
        const rl = one(r, T.kong("Plugin"), "kong-plugin-query-service.query-api.rate-limiting");
        expect(rl.inputs).toMatchObject({ parent: { collection: "routes", key: "query-service.query-api" }, body: { name: "rate-limiting", config: { minute: 120, policy: "cluster" } } });
        const prom = one(r, T.kong("Plugin"), "kong-plugin-global.prometheus");
        expect(prom.inputs.parent).toBeUndefined();
        expect((prom.inputs.body as { config: unknown }).config).toEqual({ per_consumer: false, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true });
        expect(all(r, T.kong("Plugin")).filter((p) => (p.inputs.body as { name: string }).name === "jwt")).toHaveLength(0);
        expect(all(r, T.kong("Service"))[0].inputs.connection).toMatchObject({ adminUrl: "http://127.0.0.1:8001" });
        for (const e of [...all(r, T.kong("Service")), ...all(r, T.kong("Route")), ...all(r, T.kong("Plugin"))]) {
            expect((e.inputs.body as { tags: string[] }).tags, e.name).toEqual(["managed-by:pulumi", "stack:dev"]);
        }
    });

    it("keeps the decK listing for the plan", () => {
        expect(ev.deck).toContain('_format_version: "3.0"');
        expect(ev.deck).toContain("name: portal-services.portal-api");
    });

    it("does not protect anything in dev", () => {
        expect(ev.protect.get(`${T.statefulSet}/kong-postgres`)).toBe(false);
    });
});
