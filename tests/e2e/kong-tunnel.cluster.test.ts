/**
 * The Kong path through the REAL Kubernetes API: the Kong scenario (kong-scenario.ts: up, preview
 * --expect-no-changes, an in-place update, refresh after an out-of-band deletion, an orphan report, destroy) with no
 * admin URL at all — the provider opens its own port-forward (@kubernetes/client-node PortForward) through
 * kube-apiserver, its RBAC and its port-forward protocol, to a ready pod of a `kong` Deployment that kwok runs on its
 * fake node. kwok's ClusterPortForward (sigs.k8s.io/kwok v0.8.0 pkg/apis/v1alpha1/cluster_port_forward_types.go:
 * `spec.selector.matchNamespaces`, `spec.forwards[].ports`, `.target.{address,port}`; served by
 * pkg/kwok/server/debugging_port_forword.go) sends the pod's port 8001 to the project's fake Kong Admin API on
 * 127.0.0.1, so every byte the provider exchanges with "Kong" crossed the API server and the node.
 *
 * The identity is cluster.sh's `restricted` user (no groups), bound to a Role that grants exactly what the README
 * says configuring Kong takes; the scenario then repeats `up` with that Role lacking `pods/portforward`, which must
 * fail with the permission named. The control plane is this file's own (ports from its pid, state in a temp dir).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { ControlPlane, kubectl, kubectlOk, startControlPlane, stopControlPlane } from "../cluster/control-plane";
import type { VerifyContext } from "../../verify/context";
import { getKongAdmin } from "../../verify/endpoint";
import { CannotRun } from "../../verify/result";
import { kongAccessPreflight } from "../../preflight/kong";
import { writeKongPortForward } from "./kong-behind-kwok";
import { ci, kongScenario, tools } from "./kong-scenario";

const TOOLS_BIN = path.join(os.homedir(), ".cache/254carbon/bin");
const NEEDED = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok"];
const missing = [...NEEDED.filter((b) => !fs.existsSync(path.join(TOOLS_BIN, b))), ...(typeof tools === "string" ? [tools] : [])];
const skipHere = missing.length > 0 && !ci;
if (skipHere) {
    console.warn(`[kong tunnel e2e] skipped: ${missing.join(", ")} missing (scripts/tools/install-cluster.sh, scripts/tools/install-pulumi.sh)`);
}

const RESTRICTED_USER = "254carbon-restricted";
const CONTEXT = "254carbon-local-restricted";

/** The Role the README documents for whoever configures Kong; `portForward: false` is the refused identity. */
function configurerRole(portForward: boolean): string {
    return JSON.stringify({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "kong-configurer", namespace: "kong" },
        rules: [
            { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
            // get: the WebSocket upgrade is a GET; create: required for it too since Kubernetes 1.35.
            ...(portForward ? [{ apiGroups: [""], resources: ["pods/portforward"], verbs: ["get", "create"] }] : []),
        ],
    });
}

/** A stand-in Kong Deployment: kwok runs its pod (Ready) on the fake node; nothing is pulled. */
const KONG_DEPLOYMENT = JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "kong", namespace: "kong", labels: { app: "kong" } },
    spec: {
        replicas: 1,
        selector: { matchLabels: { app: "kong" } },
        template: {
            metadata: { labels: { app: "kong" } },
            spec: { containers: [{ name: "kong", image: "kong:3.9.3", ports: [{ name: "admin", containerPort: 8001 }] }] },
        },
    },
});

let cp: ControlPlane | undefined;
let stateDir = "";

function controlPlane(): ControlPlane {
    if (cp === undefined) throw new Error("control plane not started");
    return cp;
}

async function waitForReadyKongPod(c: ControlPlane): Promise<string> {
    const deadline = Date.now() + 120_000;
    let last = "";
    while (Date.now() < deadline) {
        const r = kubectl(c, ["-n", "kong", "get", "pods", "-l", "app=kong", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"]);
        last = `${r.stdout}${r.stderr}`.trim();
        const ready = last.split("\n").find((l) => l.endsWith(" True"));
        if (ready) return ready.split(" ")[0];
        await new Promise((res) => setTimeout(res, 1_000));
    }
    throw new Error(`no ready kong pod after 120 s: ${last}`);
}

kongScenario(
    {
        name: "through kube-apiserver and kwok's port-forward",
        adminUrl: () => undefined,
        get extraConfig() {
            return { "service-integration:kubernetes": { kubeconfigPath: controlPlane().restrictedKubeconfig, context: CONTEXT } };
        },
        async setup(fakeUrl: string) {
            stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "254carbon-kong-tunnel-"));
            const forward = writeKongPortForward(stateDir, fakeUrl);
            process.env.CLUSTER_KWOK_EXTRA_CONFIG = forward;
            // cluster.sh reads its binaries' directory from TOOLS_BIN_DIR (scripts/tools/lib.sh's name for it).
            process.env.TOOLS_BIN_DIR ??= TOOLS_BIN;
            cp = startControlPlane(stateDir);
            kubectlOk(cp, ["create", "namespace", "kong"]);
            kubectlOk(cp, ["apply", "-f", "-"], { input: configurerRole(true) });
            kubectlOk(cp, ["-n", "kong", "create", "rolebinding", "kong-configurer", "--role=kong-configurer", `--user=${RESTRICTED_USER}`]);
            kubectlOk(cp, ["apply", "-f", "-"], { input: KONG_DEPLOYMENT });
            await waitForReadyKongPod(cp);
            // The identity has exactly the documented rights, and not more.
            expect(kubectl(cp, ["auth", "can-i", "create", "pods", "--subresource=portforward", "-n", "kong"], { kubeconfig: cp.restrictedKubeconfig }).stdout.trim()).toBe("yes");
            expect(kubectl(cp, ["auth", "can-i", "create", "pods", "--subresource=portforward", "-n", "default"], { kubeconfig: cp.restrictedKubeconfig }).stdout.trim()).toBe("no");
        },
        async teardown() {
            delete process.env.CLUSTER_KWOK_EXTRA_CONFIG;
            if (cp !== undefined) stopControlPlane(cp);
            fs.rmSync(stateDir, { recursive: true, force: true });
            fs.rmSync(`${stateDir}.lock`, { force: true });
        },
        after(s) {
            // What verify's kong-status check does when neither --kong-admin-url nor a direct gateway.adminUrl is set.
            const verifyGet = () =>
                getKongAdmin({ endpoints: { kubeconfig: controlPlane().restrictedKubeconfig, kubeContext: CONTEXT }, timeoutMs: 20_000 } as unknown as VerifyContext, undefined, "/services", {
                    what: "the Kong Admin API",
                    action: "see README",
                });
            it("verify reaches the loopback-only Admin API through the same port-forward", async () => {
                const before = s.kong.log.length;
                const { res, via } = await verifyGet();
                expect(res.status).toBe(200);
                expect(via).toBe("a port-forward to kong/app=kong:8001");
                expect(s.kong.log.slice(before).map((l) => `${l.method} ${l.path}`)).toEqual(["GET /services"]);
            }, 120_000);

            it("the preflight (what `preview` runs) passes the RBAC checks and reaches the Admin API through the port-forward", async () => {
                const before = s.kong.log.length;
                expect(await kongAccessPreflight({ kubeconfigPath: controlPlane().restrictedKubeconfig, context: CONTEXT })).toEqual([]);
                expect(s.kong.log.slice(before).map((l) => `${l.method} ${l.path}`)).toEqual(["GET /status"]);
            }, 120_000);

            it("an identity without pods/portforward in kong is refused, with that permission named", async () => {
                kubectlOk(controlPlane(), ["apply", "-f", "-"], { input: configurerRole(false) });
                const before = s.kong.log.length;
                const r = await s.pulumi(["up", "--yes", "--skip-preview"], { allowFailure: true });
                expect(r.code).not.toBe(0);
                expect(`${r.stdout}${r.stderr}`).toContain(`the Kubernetes identity of context ${CONTEXT} may not create pods/portforward in namespace kong`);
                // Refused before any byte reached Kong.
                expect(s.kong.log.length).toBe(before);
                const [problem] = await kongAccessPreflight({ kubeconfigPath: controlPlane().restrictedKubeconfig, context: CONTEXT });
                expect(problem.key).toBe("service-integration:kubernetes.context");
                expect(problem.problem).toContain("may not create pods/portforward in namespace kong");
                const denied = await verifyGet().catch((e: unknown) => e);
                expect(denied).toBeInstanceOf(CannotRun);
                expect((denied as CannotRun).message).toContain("may not create pods/portforward in namespace kong");
            }, 600_000);
        },
    },
    skipHere,
);
