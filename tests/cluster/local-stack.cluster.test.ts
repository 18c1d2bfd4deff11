/**
 * The real engine, the real Kubernetes provider and a real API server: stack `local` (Pulumi.local.yaml) goes from
 * empty through `pulumi up`, a no-change preview, an update (one service added, one namespace switched to STRICT),
 * `refresh` and `destroy` against the control plane of scripts/cluster/cluster.sh, and every Kubernetes object of
 * the dev and prod plans is dry-run on the same server with the real CRDs.
 *
 * Needs scripts/tools/install-cluster.sh and install-pulumi.sh. In CI (CI set) a missing tool fails the run;
 * elsewhere the file is skipped with the reason. About 4–6 minutes on a 2-core machine.
 */
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel, rawConfigFrom } from "../../model";
import { DeclaredResource } from "../../offline/evaluate";
import { isKubernetesObject, kubernetesManifest } from "../../offline/plan";
import { readStackConfig, withPlaceholderSecrets } from "../../offline/stack-config";
import { findPulumiTools, REPO } from "../e2e/pulumi-cli";
import { KongBehindKwok, startKongBehindKwok } from "../e2e/kong-behind-kwok";
import { evaluateStack } from "../support/stack";
import { ApiServer, describeObject, ObjectRef } from "./apiserver";
import { ControlPlane, kubectl, kubectlOk, missingClusterTools, startControlPlane, stopControlPlane } from "./control-plane";
import { declaredFieldDifferences } from "./compare";
import { clusterFixtures } from "./fixtures";
import { LOCAL_STACK, LocalStack, previewSteps } from "./workspace";

const ci = Boolean(process.env.CI);
const pulumiTools = findPulumiTools();
const missing = missingClusterTools() ?? (typeof pulumiTools === "string" ? pulumiTools : undefined);
if (missing !== undefined && !ci) {
    console.warn(`[cluster] skipped: ${missing}`);
}
const STEP = 900_000;
const ISTIO_CHARTS = path.join(REPO, "out/istio-charts");

/** Objects of a plan that exist as whole objects (server-side-apply patches are partial by design). */
function planObjects(resources: readonly DeclaredResource[]): ObjectRef[] {
    return resources.filter((r) => isKubernetesObject(r) && !r.type.endsWith("Patch")).map((r) => kubernetesManifest(r) as unknown as ObjectRef);
}

async function localPlan(): Promise<{ resources: readonly DeclaredResource[] }> {
    return evaluateStack(LOCAL_STACK);
}

function localModel(): ReturnType<typeof buildModel> {
    const { flat } = withPlaceholderSecrets(readStackConfig(LOCAL_STACK));
    return buildModel({ stack: LOCAL_STACK, config: rawConfigFrom(flat) });
}

function prometheusOperatorCrds(): string[] {
    const r = spawnSync("bash", [path.join(REPO, "scripts/cluster/crds.sh"), "prometheus-operator"], { encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`crds.sh: ${r.stderr}`);
    }
    return r.stdout.trim().split("\n");
}

describe.skipIf(missing !== undefined && !ci)("stack local on a real API server with the real Kubernetes provider", () => {
    let cp: ControlPlane;
    let api: ApiServer;
    let stack: LocalStack;
    // Kong's Admin API behind kwok's node: the program's Kong entities go through the API server's port-forward.
    let kong: KongBehindKwok | undefined;
    const passphrase = randomBytes(24).toString("base64url");
    const dbPassword = randomBytes(24).toString("base64url");

    beforeAll(async () => {
        if (missing !== undefined) {
            throw new Error(`${missing} (CI must build it: .ci/run runs scripts/tools/install-cluster.sh)`);
        }
        const charts = spawnSync("bash", [path.join(REPO, "scripts/cluster/istio-charts.sh"), ISTIO_CHARTS], { encoding: "utf8" });
        if (charts.status !== 0) {
            throw new Error(`istio-charts.sh: ${charts.stderr}`);
        }
        const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "254carbon-cluster-"));
        kong = await startKongBehindKwok(stateDir);
        process.env.CLUSTER_KWOK_EXTRA_CONFIG = kong.configFile;
        cp = startControlPlane(stateDir);
        api = new ApiServer(cp.adminKubeconfig);
        // prometheus-operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule): the cluster's Prometheus brings them.
        for (const f of prometheusOperatorCrds()) {
            kubectlOk(cp, ["apply", "--server-side", "-f", f]);
        }
        kubectlOk(cp, ["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
    }, 240_000);

    afterAll(async () => {
        stack?.dispose();
        api?.close();
        await kong?.stop();
        delete process.env.CLUSTER_KWOK_EXTRA_CONFIG;
        if (cp) {
            stopControlPlane(cp);
            fs.rmSync(cp.stateDir, { recursive: true, force: true });
        }
    }, 120_000);

    describe("pulumi up / preview / update / refresh / destroy of stack local", () => {
        let declared: ObjectRef[] = [];

        beforeAll(async () => {
            const plan = await localPlan();
            declared = planObjects(plan.resources);
            // What a real cluster holds before `up`: the platform's Deployments and the workloads we do not own.
            const fixtures = clusterFixtures(plan.resources, localModel());
            kubectlOk(cp, ["apply", "--server-side", "--field-manager=fixtures", "-f", "-"], { input: fixtures.map((f) => YAML.stringify(f)).join("---\n") });
            stack = new LocalStack(pulumiTools as Exclude<typeof pulumiTools, string>, passphrase, cp, ISTIO_CHARTS);
            await stack.init(dbPassword);
        }, STEP);

        it("up from empty creates every object of the plan with the declared fields", async () => {
            const up = await stack.run(["up", "--yes", "--skip-preview"], { timeoutMs: STEP });
            expect(up.code).toBe(0);
            const differences: string[] = [];
            for (const obj of declared) {
                const live = await api.get(obj);
                if (live.status !== 200) {
                    differences.push(`${describeObject(obj)}: not on the server (${live.status} ${String(live.body.message ?? "")})`);
                    continue;
                }
                differences.push(...declaredFieldDifferences(obj, live.body).map((d) => `${describeObject(obj)}: ${d}`));
            }
            expect(differences).toEqual([]);
        }, STEP);

        it("Deployments are Available, Jobs Complete, Helm releases deployed, Istio resources created after their CRDs", async () => {
            const notReady: string[] = [];
            for (const obj of declared.filter((o) => o.kind === "Deployment" || o.kind === "Job")) {
                const live = (await api.get(obj)).body as { status?: { conditions?: { type: string; status: string }[] } };
                const want = obj.kind === "Deployment" ? "Available" : "Complete";
                if (!live.status?.conditions?.some((c) => c.type === want && c.status === "True")) {
                    notReady.push(`${describeObject(obj)} is not ${want}: ${JSON.stringify(live.status?.conditions ?? [])}`);
                }
            }
            expect(notReady).toEqual([]);

            const state = JSON.parse(await stack.ws.exportStack()) as { deployment: { resources: { type: string; urn: string; outputs?: { status?: { status?: string } } }[] } };
            const releases = state.deployment.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
            expect(releases.length).toBe(3);
            expect(releases.map((r) => `${r.urn.split("::").pop()}: ${r.outputs?.status?.status}`)).toEqual(releases.map((r) => `${r.urn.split("::").pop()}: deployed`));

            const crds = JSON.parse(kubectlOk(cp, ["get", "crd", "-o", "json"])) as { items: { metadata: { name: string; creationTimestamp: string } }[] };
            const crdCreated = new Map(crds.items.map((c) => [c.metadata.name, Date.parse(c.metadata.creationTimestamp)]));
            const early: string[] = [];
            for (const obj of declared.filter((o) => o.apiVersion.includes("istio.io/"))) {
                const live = (await api.get(obj)).body as { metadata: { creationTimestamp: string } };
                const plural = (await api.pathOf(obj)) as string;
                const crd = `${plural.split("/").slice(-2, -1)[0]}.${obj.apiVersion.split("/")[0]}`;
                if (!(Date.parse(live.metadata.creationTimestamp) >= (crdCreated.get(crd) ?? Infinity))) {
                    early.push(`${describeObject(obj)} created ${live.metadata.creationTimestamp}, its CRD ${crd} at ${new Date(crdCreated.get(crd) ?? NaN).toISOString()}`);
                }
            }
            expect(early).toEqual([]);
        }, STEP);

        it("Kong's entities were configured through the API server's port-forward: every catalog route is in Kong", async () => {
            const routes = (kong?.kong.db.routes ?? []).map((r) => String(r.name));
            const declaredRoutes = localModel().catalog.services.flatMap((svc) => (svc.gateway?.routes ?? []).map((r) => `${svc.name}.${r.name}`));
            expect(declaredRoutes.length).toBeGreaterThan(0);
            expect(routes.sort()).toEqual(declaredRoutes.sort());
            expect(kong?.kong.log.some((l) => l.method === "PUT")).toBe(true);
        }, STEP);

        it("preview after up expects no changes", async () => {
            const r = await stack.run(["preview", "--expect-no-changes"], { timeoutMs: STEP });
            expect(r.code).toBe(0);
        }, STEP);

        it("one service added and one namespace switched to STRICT: only the new service's objects are created, the rest updated in place", async () => {
            const catalog = JSON.parse(fs.readFileSync(path.join(REPO, "catalog/services.json"), "utf8")) as { services: Record<string, unknown>[] };
            const template = catalog.services.find((s) => s.namespace === "data-platform" && s.protocol !== "tcp" && s.deployment === undefined) ?? catalog.services[0];
            const added = { ...template, name: "ledger-service", app: "ledger-service", serviceAccount: undefined, labels: undefined, callers: [], gateway: undefined, deployment: undefined };
            const copy = path.join(stack.projectDir, "catalog-with-ledger.json");
            fs.writeFileSync(copy, JSON.stringify({ ...catalog, services: [...catalog.services, JSON.parse(JSON.stringify(added))] }, null, 2));
            await stack.setConfig("catalog", copy);
            await stack.setConfig("mesh.mtls.namespaces.data-platform", "STRICT", { path: true });

            const preview = await stack.run(["preview", "--json"], { timeoutMs: STEP });
            const steps = previewSteps(preview.stdout);
            const replaced = steps.filter((s) => s.op !== "create" && s.op !== "update");
            expect(replaced.map((s) => `${s.op} ${s.urn}`)).toEqual([]);
            const created = steps.filter((s) => s.op === "create");
            expect(created.length).toBeGreaterThan(0);
            expect(created.filter((s) => !s.urn.includes("ledger-service")).map((s) => s.urn)).toEqual([]);
            expect(steps.some((s) => s.op === "update" && s.urn.includes("peerauthentication"))).toBe(true);

            const up = await stack.run(["up", "--yes", "--skip-preview"], { timeoutMs: STEP });
            expect(up.code).toBe(0);
            const again = await stack.run(["preview", "--expect-no-changes"], { timeoutMs: STEP });
            expect(again.code).toBe(0);
        }, STEP);

        it("refresh finds no drift", async () => {
            const r = await stack.run(["refresh", "--yes", "--expect-no-changes", "--skip-preview"], { timeoutMs: STEP });
            expect(r.code).toBe(0);
        }, STEP);

        it("destroy leaves nothing of the stack; only the CRDs Helm keeps remain, and they are Istio's", async () => {
            const r = await stack.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: STEP });
            expect(r.code).toBe(0);
            const left: string[] = [];
            for (const obj of declared) {
                const live = await api.get(obj);
                if (live.status === 200 && !(live.body.metadata as { deletionTimestamp?: string }).deletionTimestamp) {
                    left.push(describeObject(obj));
                }
            }
            expect(left).toEqual([]);
            // Helm leaves CRDs annotated helm.sh/resource-policy: keep (Istio's base chart, crd-all.gen.yaml): listed, not deleted.
            const kept = (JSON.parse(kubectlOk(cp, ["get", "crd", "-o", "json"])) as { items: { metadata: { name: string; annotations?: Record<string, string> } }[] }).items.filter(
                (c) => !c.metadata.name.endsWith("monitoring.coreos.com"),
            );
            console.log(`[cluster] CRDs kept after destroy (helm.sh/resource-policy: keep): ${kept.map((c) => c.metadata.name).join(", ")}`);
            expect(kept.filter((c) => !c.metadata.name.endsWith("istio.io"))).toEqual([]);
            const leftoverNamespaces = kubectl(cp, ["get", "namespaces", "-l", "app.kubernetes.io/managed-by=pulumi", "-o", "name"]).stdout.trim();
            expect(leftoverNamespaces).toBe("");
        }, STEP);
        it("a roll-out of a Deployment that does not exist fails preview and up in the preflight, naming it, and changes nothing", async () => {
            const catalog = JSON.parse(fs.readFileSync(path.join(REPO, "catalog/services.json"), "utf8")) as { services: Record<string, unknown>[] };
            const target = catalog.services.find((s) => typeof s.deployment === "string")!;
            const broken = { ...catalog, services: catalog.services.map((s) => (s === target ? { ...s, deployment: "no-such-deployment" } : s)) };
            const copy = path.join(stack.projectDir, "catalog-missing-deployment.json");
            fs.writeFileSync(copy, JSON.stringify(broken, null, 2));
            await stack.setConfig("catalog", copy);
            const expected = `Deployment ${String(target.namespace)}/no-such-deployment does not exist`;
            const preview = await stack.run(["preview"], { allowFailure: true, timeoutMs: STEP });
            expect(preview.code).not.toBe(0);
            expect(preview.stdout + preview.stderr).toContain(expected);
            const up = await stack.run(["up", "--yes", "--skip-preview"], { allowFailure: true, timeoutMs: STEP });
            expect(up.code).not.toBe(0);
            expect(up.stdout + up.stderr).toContain(expected);
            const state = JSON.parse(await stack.ws.exportStack()) as { deployment: { resources?: { type: string }[] } };
            expect((state.deployment.resources ?? []).filter((r) => !r.type.startsWith("pulumi:"))).toEqual([]);
        }, STEP);
    });

    describe("server-side dry-run of every Kubernetes object of the dev and prod plans", () => {
        beforeAll(() => {
            // Istio's CRDs as the base chart ships them (still there after destroy: Helm keeps them), re-applied in
            // case the lifecycle above did not get that far.
            kubectlOk(cp, ["apply", "--server-side", "--force-conflicts", "--field-manager=dry-run-setup", "-f", path.join(ISTIO_CHARTS, "base/files/crd-all.gen.yaml")]);
            kubectlOk(cp, ["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
            api.forget();
        }, 120_000);

        it.each(["dev", "prod"])("stack %s: 0 objects rejected by the API server", async (stackName) => {
            const { resources } = await evaluateStack(stackName);
            const objects = planObjects(resources);
            expect(objects.length).toBeGreaterThan(50);
            // Namespaced objects need their namespace: create the plan's own Namespaces for real, dry-run the rest.
            for (const ns of objects.filter((o) => o.kind === "Namespace")) {
                const r = await api.apply(ns, { dryRun: false, fieldManager: "dry-run-setup" });
                expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
            }
            const rejected: string[] = [];
            for (const obj of objects) {
                const r = await api.apply(obj, { dryRun: true, fieldManager: "dry-run" });
                if (r.status >= 300 || r.status === 0) {
                    rejected.push(`${describeObject(obj)}: ${r.status} ${String(r.body.message ?? JSON.stringify(r.body))}`);
                }
            }
            expect(rejected).toEqual([]);
        }, 300_000);

        it("the API server rejects a broken object, naming the field (the check can fail)", async () => {
            const broken: ObjectRef & Record<string, unknown> = {
                apiVersion: "networking.istio.io/v1",
                kind: "DestinationRule",
                metadata: { name: "broken", namespace: "default" },
                spec: { host: "x", trafficPolicy: { outlierDetection: { consecutive5xxErrors: "five" } } },
            };
            const r = await api.apply(broken, { dryRun: true, fieldManager: "dry-run" });
            // Server-side apply answers a type error in the typed patch with 500 ("failed to create typed patch object").
            expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400);
            expect(String(r.body.message)).toMatch(/consecutive5xxErrors/);
            const badName = await api.apply({ apiVersion: "v1", kind: "Service", metadata: { name: "Bad_Name", namespace: "default" }, spec: { ports: [{ port: 80 }] } } as ObjectRef, { dryRun: true, fieldManager: "dry-run" });
            expect(badName.status, JSON.stringify(badName.body)).toBe(422);
            expect(String(badName.body.message)).toMatch(/metadata.name/);
        });
    });
});
