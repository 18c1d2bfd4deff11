/**
 * The Kong e2e scenario, shared by the direct run (kong.e2e.test.ts: the fake Admin API on 127.0.0.1) and the run
 * through the Kubernetes API (kong-tunnel.cluster.test.ts: kube-apiserver + kwok port-forwarding to the same fake).
 *
 * The Kong Admin API dynamic provider (components/gateway/kong) under the REAL Pulumi engine: the `pulumi` CLI and
 * Node.js language host built by scripts/tools/install-pulumi.sh, our `pulumi-resource-pulumi-nodejs` launcher
 * (scripts/tools), a file:// backend with passphrase secrets, and the tests/e2e/kong program — the default catalog's
 * Kong entities through parseGatewayConfig → deriveKongEntities → KongConfiguration — against the in-process fake
 * Admin API of tests/gateway/fakeKong.ts (Kong's documented behaviour, incl. server-filled plugin defaults).
 *
 * One stack `e2e` goes through: up → every declared entity on the server, tagged → preview --expect-no-changes
 * (with and without --refresh) → a rate limit changed in config → in-place update (same Kong id, one PUT) → a route
 * deleted behind Pulumi's back → refresh drops it and its cascaded plugins → up recreates them → secrets never in
 * plaintext in `pulumi stack export` → destroy leaves only entities the stack does not own.
 *
 * In CI (CI set) a missing CLI fails the run (.ci/run must build it); elsewhere the file is skipped with the reason.
 * About 1–2 minutes on a 2-core machine (each CLI run starts node + ts-node: 5–15 s).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KongAdminClient } from "../../components/gateway/kong/client";
import { DeclaredPlugin, deriveKongEntities, KongDeclaration } from "../../components/gateway/kong/entities";
import { FakeKong } from "../gateway/fakeKong";
import { defaultCatalog, gatewayModel } from "../gateway/fixtures";
import { CommandResult, findPulumiTools, PulumiWorkspace, REPO } from "./pulumi-cli";

const STACK = "e2e";
const OWNER = ["managed-by:pulumi", `stack:${STACK}`];
const PROGRAM_DIR = path.join(REPO, "tests/e2e/kong");
const CMD_TIMEOUT = 240_000;
const STEP_TIMEOUT = 600_000;

export const ci = Boolean(process.env.CI);
export const tools = findPulumiTools();

// Secrets of this run: none may ever show up in plaintext in the stack's state.
const ADMIN_TOKEN = `e2e-admin-token-${randomBytes(12).toString("hex")}`;
const JWT_SECRETS: Record<string, string> = {
    "portal-frontend-issuer": `portal-${randomBytes(24).toString("hex")}`,
    "partner-etl-issuer": `partner-${randomBytes(24).toString("hex")}`,
};
const RSA_PUBLIC_KEY = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } }).publicKey;
const PARTNER_LIMIT = "consumer.partner-etl.rate-limiting";

/** `service-integration:gateway` of the stack: prod-like (JWT on routes, consumers, extra plugins, admin token). */
function gatewayConfig(adminUrl: string | undefined, partnerPerMinute: number): Record<string, unknown> {
    return {
        admin: { ...(adminUrl !== undefined ? { url: adminUrl } : {}), token: true, retryAttempts: 4 },
        jwtRequired: true,
        consumers: [
            { name: "portal-frontend", jwt: [{ key: "portal-frontend-issuer", algorithm: "HS256", secret: "config" }] },
            {
                name: "partner-etl",
                customId: "partner-42",
                jwt: [
                    { key: "partner-etl-issuer", algorithm: "HS512", secret: "config" },
                    { key: "partner-etl-signer", algorithm: "RS256", publicKey: RSA_PUBLIC_KEY },
                ],
            },
        ],
        plugins: [
            { name: "ip-restriction", scope: "route:query-service/query-api", config: { allow: ["10.0.0.0/8"] } },
            { name: "rate-limiting", scope: "consumer:partner-etl", config: { minute: partnerPerMinute } },
        ],
    };
}

type Row = Record<string, unknown> & { id: string };
type Parent = "service" | "route" | "consumer";

/** Every plugin the declaration holds, with the parent it hangs from (none: global). */
function declaredPlugins(d: KongDeclaration): { plugin: DeclaredPlugin; parent?: { kind: Parent; key: string } }[] {
    return [
        ...d.plugins.map((plugin) => ({ plugin })),
        ...d.services.flatMap((s) => [
            ...s.plugins.map((plugin) => ({ plugin, parent: { kind: "service" as const, key: s.name } })),
            ...s.routes.flatMap((r) => r.plugins.map((plugin) => ({ plugin, parent: { kind: "route" as const, key: r.name } }))),
        ]),
        ...d.consumers.flatMap((c) => c.plugins.map((plugin) => ({ plugin, parent: { kind: "consumer" as const, key: c.username } }))),
    ];
}

function byKey(rows: readonly Row[], field: string): Map<string, Row> {
    return new Map(rows.map((r) => [String(r[field]), r]));
}

function fk(row: Row, field: string): string | null {
    return (row[field] as { id?: string } | null)?.id ?? null;
}

function sorted(xs: Iterable<string>): string[] {
    return [...xs].sort();
}

/** Kong resources in an exported deployment: URN name → outputs. */
function stateResources(exported: string): Map<string, Record<string, unknown>> {
    const d = JSON.parse(exported) as { deployment: { resources?: { urn: string; type: string; outputs?: Record<string, unknown> }[] } };
    return new Map((d.deployment.resources ?? []).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/kong:")).map((r) => [r.urn.split("::").pop()!, r.outputs ?? {}]));
}

/** How the scenario reaches the fake Kong: directly, or through the Kubernetes API. */
export interface KongAccessMode {
    /** Test title suffix and timing label. */
    readonly name: string;
    /** The direct admin URL (the fake's own), or undefined to go through the stack's kubeconfig. */
    adminUrl(fakeUrl: string): string | undefined;
    /** Extra stack config (e.g. `service-integration:kubernetes`). */
    readonly extraConfig?: Record<string, unknown>;
    /** Runs after the fake Kong started, before the stack is created (e.g. start a cluster pointing at it). */
    setup?(fakeUrl: string): Promise<void>;
    teardown?(): Promise<void>;
    /** Extra tests after the scenario's, on the same (destroyed) stack: e.g. an identity that is refused. */
    after?(s: ScenarioHandle): void;
}

export interface ScenarioHandle {
    pulumi(args: string[], opts?: { allowFailure?: boolean; stdin?: string }): Promise<CommandResult>;
    readonly kong: FakeKong;
    /** Rewrites the stack's config with other extra settings (the gateway settings stay). */
    setExtraConfig(extra: Record<string, unknown>): void;
    exportStack(): Promise<string>;
}

export function kongScenario(mode: KongAccessMode, skip: boolean): void {
describe.skipIf(skip)(`Kong dynamic provider under the real Pulumi engine (fake Kong Admin API, ${mode.name})`, () => {
    const kong = new FakeKong();
    let ws: PulumiWorkspace | undefined;
    let adminUrl = "";
    let admin: KongAdminClient;
    let declaration: KongDeclaration;
    const timings: string[] = [];

    const workspace = (): PulumiWorkspace => {
        if (!ws) {
            throw new Error("workspace not set up (see beforeAll)");
        }
        return ws;
    };
    const pulumi = async (args: string[], opts: { allowFailure?: boolean; stdin?: string } = {}) => {
        const r = await workspace().run(args, { timeoutMs: CMD_TIMEOUT, ...opts });
        const label = args[0] === "config" ? args.slice(0, 2) : args.filter((a) => !a.startsWith("-") || a === "--refresh" || a === "--expect-no-changes");
        timings.push(`${label.join(" ")} ${(r.ms / 1000).toFixed(1)}s`);
        return r;
    };
    const stackFile = (): string => path.join(workspace().projectDir, `Pulumi.${STACK}.yaml`);
    // Read when the stack file is written (after setup), not when the suite is defined.
    let extraConfig: Record<string, unknown> | undefined;
    let partnerLimit = 100;
    const writeGatewayConfig = (partnerPerMinute: number): void => {
        partnerLimit = partnerPerMinute;
        const doc = (YAML.parse(fs.readFileSync(stackFile(), "utf8")) ?? {}) as { config?: Record<string, unknown> };
        doc.config = { ...doc.config, ...(extraConfig ?? mode.extraConfig ?? {}), "service-integration:gateway": gatewayConfig(mode.adminUrl(adminUrl), partnerPerMinute) };
        fs.writeFileSync(stackFile(), YAML.stringify(doc));
    };
    const db = (): FakeKong["db"] => kong.db;
    const ownedRows = (): Row[] => Object.values(db()).flat().filter((r) => OWNER.every((t) => ((r.tags as string[] | null) ?? []).includes(t)));

    beforeAll(async () => {
        if (typeof tools === "string") {
            throw new Error(`CI is set but ${tools}. .ci/run must run scripts/tools/install-pulumi.sh (and eval "$(scripts/tools/env.sh)") before the tests.`);
        }
        adminUrl = await kong.start();
        await mode.setup?.(adminUrl);
        admin = new KongAdminClient({ adminUrl, token: ADMIN_TOKEN, retry: { attempts: 2, baseDelayMs: 1 } });
        // Entities this stack does not own: destroy must leave them alone.
        await admin.put("/services/legacy-billing", { host: "billing.legacy.internal", port: 8080, tags: ["stack:other"] });
        await admin.put("/consumers/ops-admin", {});

        declaration = deriveKongEntities(gatewayModel(gatewayConfig(adminUrl, 100)), defaultCatalog(), STACK);

        ws = new PulumiWorkspace(tools, `e2e-${randomBytes(8).toString("hex")}`);
        // The committed project, with `main` pointing back at the program in the repo, so that nothing (stack file,
        // state) is written into the repo and the program's relative imports still resolve.
        const project = YAML.parse(fs.readFileSync(path.join(PROGRAM_DIR, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
        fs.writeFileSync(path.join(ws.projectDir, "Pulumi.yaml"), YAML.stringify({ ...project, main: path.join(PROGRAM_DIR, String(project.main ?? "index.ts")) }));

        await pulumi(["stack", "init", STACK]);
        writeGatewayConfig(100);
        // Secret values go in on stdin, never as arguments (which error messages would show).
        await pulumi(["config", "set", "--secret", "service-integration:kongAdminToken"], { stdin: ADMIN_TOKEN });
        for (const [key, secret] of Object.entries(JWT_SECRETS)) {
            await pulumi(["config", "set", "--secret", `service-integration:jwtSecret-${key}`], { stdin: secret });
        }
        const stackYaml = fs.readFileSync(stackFile(), "utf8");
        for (const secret of [ADMIN_TOKEN, ...Object.values(JWT_SECRETS)]) {
            expect(stackYaml).not.toContain(secret);
        }
    }, STEP_TIMEOUT);

    afterAll(async () => {
        if (timings.length > 0) {
            console.info(`[kong e2e ${mode.name}] pulumi timings: ${timings.join(", ")}`);
        }
        ws?.dispose();
        await kong.stop();
        await mode.teardown?.();
    }, 240_000);

    it("pulumi up creates every declared entity, tagged for the stack, through our dynamic-provider launcher", async () => {
        const logStart = kong.log.length;
        await pulumi(["up", "--yes", "--skip-preview"]);

        // Our launcher (scripts/tools/pulumi-resource-pulumi-nodejs) started the provider, on the repo's @pulumi/pulumi.
        const starts = workspace().launcherStarts();
        expect(starts.length).toBeGreaterThan(0);
        for (const line of starts) {
            expect(fs.realpathSync(line.split("\t")[2])).toBe(fs.realpathSync(path.join(REPO, "node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js")));
        }

        const d = declaration;
        const services = byKey(db().services, "name");
        const routes = byKey(db().routes, "name");
        const plugins = byKey(db().plugins, "instance_name");
        const consumers = byKey(db().consumers, "username");
        const jwts = byKey(db().jwt_secrets, "key");

        // The default catalog exposes several services, each with routes; JWT is required (prod-like).
        expect(d.services.length).toBeGreaterThanOrEqual(5);
        expect(sorted(services.keys())).toEqual(sorted(["legacy-billing", ...d.services.map((s) => s.name)]));
        for (const s of d.services) {
            expect(services.get(s.name)).toMatchObject({ protocol: s.protocol, host: s.host, port: s.port, retries: 0 });
        }
        const declaredRoutes = d.services.flatMap((s) => s.routes.map((r) => ({ service: s.name, route: r })));
        expect(sorted(routes.keys())).toEqual(sorted(declaredRoutes.map((x) => x.route.name)));
        for (const { service, route } of declaredRoutes) {
            const row = routes.get(route.name)!;
            expect(fk(row, "service")).toBe(services.get(service)!.id);
            expect(row).toMatchObject({ paths: route.paths ?? null, strip_path: route.strip_path, protocols: [...route.protocols] });
        }

        const expectedPlugins = declaredPlugins(d);
        expect(sorted(plugins.keys())).toEqual(sorted(expectedPlugins.map((p) => p.plugin.instance_name)));
        const parentRow = { service: services, route: routes, consumer: consumers };
        for (const { plugin, parent } of expectedPlugins) {
            const row = plugins.get(plugin.instance_name)!;
            expect(row.name).toBe(plugin.name);
            for (const scope of ["service", "route", "consumer"] as const) {
                expect(fk(row, scope), `${plugin.instance_name} ${scope}`).toBe(parent?.kind === scope ? parentRow[scope].get(parent.key)!.id : null);
            }
            expect(row.config).toMatchObject(plugin.config);
        }
        // Kong filled the config fields the program did not set with its defaults (what the diff must ignore).
        const routeLimit = plugins.get("query-service.query-api.rate-limiting")!.config as Record<string, unknown>;
        expect(routeLimit).toMatchObject({ limit_by: "consumer", fault_tolerant: true, redis: { port: 6379 } });
        expect(declaredPlugins(d).find((p) => p.plugin.instance_name === "query-service.query-api.rate-limiting")!.plugin.config).not.toHaveProperty("limit_by");
        expect(expectedPlugins.filter((p) => p.plugin.name === "jwt").length).toBe(declaredRoutes.length);

        expect(sorted(consumers.keys())).toEqual(["ops-admin", "partner-etl", "portal-frontend"]);
        expect(consumers.get("partner-etl")!.custom_id).toBe("partner-42");
        expect(sorted(jwts.keys())).toEqual(["partner-etl-issuer", "partner-etl-signer", "portal-frontend-issuer"]);
        expect(jwts.get("portal-frontend-issuer")).toMatchObject({ algorithm: "HS256", secret: JWT_SECRETS["portal-frontend-issuer"] });
        expect(jwts.get("partner-etl-issuer")).toMatchObject({ algorithm: "HS512", secret: JWT_SECRETS["partner-etl-issuer"] });
        expect(jwts.get("partner-etl-signer")).toMatchObject({ algorithm: "RS256", rsa_public_key: RSA_PUBLIC_KEY });
        for (const [key, row] of jwts) {
            expect(fk(row, "consumer")).toBe(consumers.get(key.startsWith("portal") ? "portal-frontend" : "partner-etl")!.id);
        }

        // Every entity of the stack carries the ownership tags; the seeded ones do not.
        const owned = ownedRows();
        expect(owned.length).toBe(d.services.length + declaredRoutes.length + expectedPlugins.length + 2 + 3);
        expect(owned.map((r) => r.id)).not.toContain(services.get("legacy-billing")!.id);

        // The stack's outputs name the same Kong ids.
        const ids = JSON.parse((await pulumi(["stack", "output", "kongIds", "--json"])).stdout) as Record<string, Record<string, string>>;
        expect(ids.services["query-service"]).toBe(services.get("query-service")!.id);
        expect(ids.plugins[PARTNER_LIMIT]).toBe(plugins.get(PARTNER_LIMIT)!.id);
        expect(ids.jwtCredentials["partner-etl-signer"]).toBe(jwts.get("partner-etl-signer")!.id);

        // The admin token (a secret config value) reached the provider and went out on every request.
        const calls = kong.log.slice(logStart);
        expect(calls.length).toBeGreaterThan(0);
        expect(calls.filter((c) => c.headers["kong-admin-token"] !== ADMIN_TOKEN)).toEqual([]);
    }, STEP_TIMEOUT);

    it("pulumi preview --expect-no-changes passes, also after a refresh that reads Kong's defaults back", async () => {
        const before = kong.log.length;
        await pulumi(["preview", "--expect-no-changes"]);
        await pulumi(["preview", "--refresh", "--expect-no-changes"]);
        const calls = kong.log.slice(before);
        // The refresh really read every entity (GETs), and nothing was written.
        expect(calls.filter((c) => c.method === "GET").length).toBeGreaterThanOrEqual(ownedRows().length);
        expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
    }, STEP_TIMEOUT);

    it("a rate limit changed in config is an in-place update: same Kong id, one PUT, nothing else touched", async () => {
        const before = { ...db().plugins.find((p) => p.instance_name === PARTNER_LIMIT)! };
        expect((before.config as Record<string, unknown>).minute).toBe(100);
        writeGatewayConfig(50);
        const logStart = kong.log.length;
        await pulumi(["up", "--yes", "--skip-preview"]);

        const after = db().plugins.find((p) => p.instance_name === PARTNER_LIMIT)!;
        expect(after.id).toBe(before.id);
        expect(after.config).toMatchObject({ minute: 50, limit_by: "consumer", policy: "local" });
        const writes = kong.log.slice(logStart).filter((c) => c.method !== "GET");
        expect(writes.map((c) => `${c.method} ${c.path}`)).toEqual([`PUT /consumers/partner-etl/plugins/${PARTNER_LIMIT}`]);
        const ids = JSON.parse((await pulumi(["stack", "output", "kongIds", "--json"])).stdout) as Record<string, Record<string, string>>;
        expect(ids.plugins[PARTNER_LIMIT]).toBe(before.id);
        await pulumi(["preview", "--expect-no-changes"]);
    }, STEP_TIMEOUT);

    it("a route deleted behind Pulumi's back: refresh drops it (and its cascaded plugins), up recreates them", async () => {
        const routeName = "query-service.query-api";
        const route = db().routes.find((r) => r.name === routeName)!;
        const routePlugins = db().plugins.filter((p) => fk(p, "route") === route.id).map((p) => String(p.instance_name));
        expect(sorted(routePlugins)).toEqual([`${routeName}.ip-restriction`, `${routeName}.jwt`, `${routeName}.rate-limiting`]);
        await admin.delete(`/services/query-service/routes/${routeName}`);
        expect(db().plugins.filter((p) => routePlugins.includes(String(p.instance_name)))).toEqual([]);

        const gone = [`kong-route-${routeName}`, ...routePlugins.map((p) => `kong-plugin-${p}`)];
        const stateBefore = stateResources(await workspace().exportStack());
        gone.forEach((name) => expect(stateBefore.has(name), name).toBe(true));

        await pulumi(["refresh", "--yes", "--skip-preview"]);
        const stateAfter = stateResources(await workspace().exportStack());
        gone.forEach((name) => expect(stateAfter.has(name), name).toBe(false));
        expect(stateAfter.size).toBe(stateBefore.size - gone.length);

        // Pulumi now plans to create them again.
        const drift = await pulumi(["preview", "--expect-no-changes"], { allowFailure: true });
        expect(drift.code).not.toBe(0);

        await pulumi(["up", "--yes", "--skip-preview"]);
        const recreated = db().routes.find((r) => r.name === routeName)!;
        expect(recreated.id).not.toBe(route.id);
        expect(fk(recreated, "service")).toBe(db().services.find((s) => s.name === "query-service")!.id);
        expect(sorted(db().plugins.filter((p) => fk(p, "route") === recreated.id).map((p) => String(p.instance_name)))).toEqual(sorted(routePlugins));
        expect(stateResources(await workspace().exportStack()).size).toBe(stateBefore.size);
        await pulumi(["preview", "--expect-no-changes"]);
    }, STEP_TIMEOUT);

    it("an entity added behind Pulumi's back with the stack's tags: refresh reports it as an orphan and leaves it", async () => {
        await admin.put("/services/query-service/routes/query-service.handmade", { paths: ["/handmade"], tags: OWNER });
        await pulumi(["refresh", "--yes", "--skip-preview"]);
        const inventory = stateResources(await workspace().exportStack()).get("kong-inventory");
        expect(inventory?.orphans).toEqual(["routes/query-service.handmade"]);
        expect(db().routes.some((r) => r.name === "query-service.handmade")).toBe(true);
        // Reported, not a change for `up` (pruneOrphans is off).
        await pulumi(["preview", "--expect-no-changes"]);
        await admin.delete("/services/query-service/routes/query-service.handmade");
        await pulumi(["refresh", "--yes", "--skip-preview"]);
        expect(stateResources(await workspace().exportStack()).get("kong-inventory")?.orphans).toEqual([]);
    }, STEP_TIMEOUT);

    it("JWT secrets and the admin token are secrets: never in plaintext in pulumi stack export", async () => {
        const generated = String(db().jwt_secrets.find((j) => j.key === "partner-etl-signer")!.secret);
        const secrets = [ADMIN_TOKEN, ...Object.values(JWT_SECRETS), generated];
        const exported = await workspace().exportStack();
        for (const s of secrets) {
            expect(exported.includes(s), "a secret is in plaintext in the exported state").toBe(false);
        }
        expect(exported).toContain("ciphertext");
        // The values are in the state (encrypted): decrypted, they are there.
        const decrypted = await workspace().exportStack(true);
        for (const s of secrets) {
            expect(decrypted).toContain(s);
        }
        const outputs = await pulumi(["stack", "output", "--json"]);
        expect(JSON.parse(outputs.stdout).jwtSecrets).toBe("[secret]");
        const shown = JSON.parse((await pulumi(["stack", "output", "jwtSecrets", "--json", "--show-secrets"])).stdout) as Record<string, string>;
        expect(shown).toEqual(JWT_SECRETS);
    }, STEP_TIMEOUT);

    it("pulumi destroy removes every entity of the stack and leaves the others", async () => {
        await pulumi(["destroy", "--yes", "--skip-preview"]);
        expect(ownedRows()).toEqual([]);
        expect(db().services.map((s) => s.name)).toEqual(["legacy-billing"]);
        expect(db().consumers.map((c) => c.username)).toEqual(["ops-admin"]);
        expect(db().routes.length + db().plugins.length + db().jwt_secrets.length).toBe(0);
        expect(stateResources(await workspace().exportStack()).size).toBe(0);
    }, STEP_TIMEOUT);

    mode.after?.({
        pulumi: (args, opts) => pulumi(args, opts),
        kong,
        setExtraConfig: (extra) => {
            extraConfig = extra;
            writeGatewayConfig(partnerLimit);
        },
        exportStack: () => workspace().exportStack(),
    });
});
}
