/**
 * npm run bench:cluster
 * On the local control plane (scripts/cluster/cluster.sh), side by side in one run:
 *   - `pulumi up` of stack local from empty, `pulumi preview` with no changes, `pulumi destroy` (seconds, resources);
 *   - the limit: `kubectl apply --server-side` of the same Kubernetes objects from the plan, and the same followed by
 *     `kubectl wait` for their Deployments (what Pulumi's await adds).
 * Targets: preview with no changes < 10 s; up ≤ 3× the kubectl apply of the same objects.
 */
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { buildModel, rawConfigFrom } from "../model";
import { isKubernetesObject, kubernetesManifest } from "../offline/plan";
import { readStackConfig, withPlaceholderSecrets } from "../offline/stack-config";
import { findPulumiTools, REPO } from "../tests/e2e/pulumi-cli";
import { kubectlOk, missingClusterTools, startControlPlane, stopControlPlane } from "../tests/cluster/control-plane";
import { clusterFixtures } from "../tests/cluster/fixtures";
import { LOCAL_STACK, LocalStack } from "../tests/cluster/workspace";
import { evaluateStack } from "../tests/support/stack";
import { startKongBehindKwok } from "../tests/e2e/kong-behind-kwok";

const ISTIO_CHARTS = path.join(REPO, "out/istio-charts");

function seconds(startedMs: number): number {
    return (Date.now() - startedMs) / 1000;
}

interface Step {
    name: string;
    op: string;
    start: number;
    end: number;
    seconds: number;
}

/**
 * The longest resource steps of one run, from its `--event-log` (one JSON event per line; `timestamp` is Unix seconds,
 * so a step's time is good to a second). A step runs from its resourcePreEvent to its resOutputsEvent.
 */
function slowestSteps(log: string, count: number): Step[] {
    interface EngineEvent {
        timestamp: number;
        resourcePreEvent?: { metadata: { urn: string; op: string } };
        resOutputsEvent?: { metadata: { urn: string } };
    }
    const events = log.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as EngineEvent);
    const first = events[0]?.timestamp ?? 0;
    const started = new Map<string, { op: string; at: number }>();
    const steps: Step[] = [];
    for (const e of events) {
        if (e.resourcePreEvent) {
            started.set(e.resourcePreEvent.metadata.urn, { op: e.resourcePreEvent.metadata.op, at: e.timestamp - first });
        } else if (e.resOutputsEvent) {
            const urn = e.resOutputsEvent.metadata.urn;
            const pre = started.get(urn);
            if (pre) {
                const end = e.timestamp - first;
                steps.push({ name: urn.split("::").slice(-2).join(" "), op: pre.op, start: pre.at, end, seconds: end - pre.at });
            }
        }
    }
    return steps.sort((a, b) => b.seconds - a.seconds).slice(0, count);
}

async function main(): Promise<void> {
    const tools = findPulumiTools();
    const missing = missingClusterTools() ?? (typeof tools === "string" ? tools : undefined);
    if (missing !== undefined || typeof tools === "string") {
        throw new Error(missing);
    }
    spawnSync("bash", [path.join(REPO, "scripts/cluster/istio-charts.sh"), ISTIO_CHARTS], { stdio: "inherit" });
    const plan = await evaluateStack(LOCAL_STACK);
    const { flat } = withPlaceholderSecrets(readStackConfig(LOCAL_STACK));
    const model = buildModel({ stack: LOCAL_STACK, config: rawConfigFrom(flat) });
    const objects = plan.resources.filter((r) => isKubernetesObject(r) && !r.type.endsWith("Patch")).map((r) => kubernetesManifest(r));
    // Kong's Admin API (the project's fake) behind kwok's node, reached through the API server's port-forward.
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "254carbon-bench-cluster-"));
    const kong = await startKongBehindKwok(stateDir);
    process.env.CLUSTER_KWOK_EXTRA_CONFIG = kong.configFile;
    const cp = startControlPlane(stateDir);
    // `--event-log` (the slowest steps below) is a flag only debug commands have (pkg/cmd/pulumi/operations/up.go, v3.276.0).
    const stack = new LocalStack(tools, randomBytes(16).toString("hex"), cp, ISTIO_CHARTS, { PULUMI_DEBUG_COMMANDS: "true" });
    try {
        const crds = spawnSync("bash", [path.join(REPO, "scripts/cluster/crds.sh"), "prometheus-operator"], { encoding: "utf8" }).stdout.trim().split("\n");
        for (const f of crds) {
            kubectlOk(cp, ["apply", "--server-side", "-f", f]);
        }
        kubectlOk(cp, ["apply", "--server-side", "--field-manager=fixtures", "-f", "-"], { input: clusterFixtures(plan.resources, model).map((f) => YAML.stringify(f)).join("---\n") });
        await stack.init(randomBytes(16).toString("hex"));

        // Kept after the run (out/bench/) for a closer look at the timeline.
        const eventLog = path.join(REPO, "out/bench/cluster-up-events.jsonl");
        fs.mkdirSync(path.dirname(eventLog), { recursive: true });
        fs.rmSync(eventLog, { force: true });
        let t = Date.now();
        await stack.run(["up", "--yes", "--skip-preview", "--event-log", eventLog]);
        const up = seconds(t);
        const state = JSON.parse(await stack.ws.exportStack()) as { deployment: { resources: unknown[] } };
        t = Date.now();
        await stack.run(["preview", "--expect-no-changes"]);
        const preview = seconds(t);
        t = Date.now();
        await stack.run(["destroy", "--yes", "--skip-preview"]);
        const destroy = seconds(t);

        // The limit: the same objects (Istio's CRDs are still there: Helm keeps them), applied in one kubectl call.
        // As a JSON List: kubectl reads YAML as 1.1, where an unquoted `off` would turn into false.
        const file = path.join(cp.stateDir, "plan-objects.json");
        fs.writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
        kubectlOk(cp, ["apply", "--server-side", "--field-manager=fixtures", "-f", "-"], { input: clusterFixtures(plan.resources, model).map((f) => YAML.stringify(f)).join("---\n") });
        t = Date.now();
        kubectlOk(cp, ["apply", "--server-side", "--force-conflicts", "-f", file]);
        const apply = seconds(t);
        const namespaces = [...new Set(objects.filter((o) => o.kind === "Deployment").map((o) => (o.metadata as { namespace: string }).namespace))];
        for (const ns of namespaces) {
            kubectlOk(cp, ["wait", "-n", ns, "--for=condition=Available", "--timeout=120s", "deployment", "--all"]);
        }
        const applyWait = seconds(t);

        console.log(`stack local: ${state.deployment.resources.length} resources in state after up; ${objects.length} Kubernetes objects in the plan (+3 Helm releases)`);
        console.log("step                                   seconds");
        console.log(`pulumi up (from empty)                 ${up.toFixed(1).padStart(7)}`);
        console.log(`pulumi preview (no changes)            ${preview.toFixed(1).padStart(7)}   target < 10 s: ${preview < 10 ? "met" : "missed"}`);
        console.log(`pulumi destroy                         ${destroy.toFixed(1).padStart(7)}`);
        console.log(`kubectl apply --server-side (limit)    ${apply.toFixed(1).padStart(7)}`);
        console.log(`kubectl apply + wait for Deployments   ${applyWait.toFixed(1).padStart(7)}`);
        console.log(`up / kubectl apply: ×${(up / apply).toFixed(1)}; up / (apply + wait): ×${(up / applyWait).toFixed(1)}   target ≤ 3× the apply: ${up <= 3 * apply ? "met" : "missed"}`);
        console.log("\nslowest steps of up (Pulumi's event log, seconds from the first event):");
        for (const step of slowestSteps(fs.readFileSync(eventLog, "utf8"), 12)) {
            console.log(`  ${step.seconds.toFixed(0).padStart(4)} s  from ${step.start.toFixed(0).padStart(3)} to ${step.end.toFixed(0).padStart(3)}  ${step.op} ${step.name}`);
        }
        console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
    } finally {
        stack.dispose();
        await kong.stop();
        stopControlPlane(cp);
        fs.rmSync(cp.stateDir, { recursive: true, force: true });
    }
}

main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
