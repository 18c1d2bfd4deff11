import { spawnSync } from "child_process";
import { Manifest } from "../model/wellknown";
import { Flow } from "./flows";
import { Peer } from "./peers";

/**
 * L3: the Kubernetes NetworkPolicy verdict of each flow, from a real engine — cyclonus's NetworkPolicy simulator
 * (github.com/mattfenwick/cyclonus pkg/matcher, pinned in scripts/tools/versions.sh), run through our small main
 * `netpol-flows` (scripts/tools/netpol-flows/main.go) that returns the verdict and the deciding policies as JSON.
 */

export interface L3Verdict {
    readonly allowed: boolean;
    /** `namespace/name` of the policies that decide: the ones that admit it, or the ones that select the pod and do not. */
    readonly decidedBy: readonly string[];
    /** Which direction denied it (ingress at the destination, egress at the source). */
    readonly deniedAt?: "ingress" | "egress" | "ingress+egress";
}

interface EngineDirection {
    readonly allowed: boolean;
    readonly allowedBy: readonly string[];
    readonly deniedBy: readonly string[];
}

interface EngineVerdict {
    readonly id: string;
    readonly allowed: boolean;
    readonly ingress: EngineDirection;
    readonly egress: EngineDirection;
}

export const L3_ENGINE = "netpol-flows";

function trafficPeer(p: Peer): Record<string, unknown> {
    if (p.kind === "external") {
        return { IP: p.ip };
    }
    return { Internal: { PodLabels: p.podLabels, NamespaceLabels: p.namespaceLabels, Namespace: p.namespace }, IP: p.ip };
}

export function engineInput(policies: readonly Manifest[], flows: readonly Flow[]): string {
    return JSON.stringify({
        policies: policies.map((m) => ({ apiVersion: m.apiVersion, kind: m.kind, metadata: { name: m.metadata.name, namespace: m.metadata.namespace }, spec: m.spec })),
        flows: flows.map((f) => ({ id: f.id, traffic: { Source: trafficPeer(f.from), Destination: trafficPeer(f.to), ResolvedPort: f.port, ResolvedPortName: "", Protocol: f.protocol } })),
    });
}

function verdictOf(v: EngineVerdict): L3Verdict {
    if (v.allowed) {
        const by = [...v.egress.allowedBy, ...v.ingress.allowedBy];
        return { allowed: true, decidedBy: by.length > 0 ? [...new Set(by)] : ["(no policy selects either pod)"] };
    }
    const at = !v.ingress.allowed && !v.egress.allowed ? "ingress+egress" : !v.ingress.allowed ? "ingress" : "egress";
    const by = [...(v.egress.allowed ? [] : v.egress.deniedBy), ...(v.ingress.allowed ? [] : v.ingress.deniedBy)];
    return { allowed: false, decidedBy: [...new Set(by)], deniedAt: at };
}

/** Evaluates every flow against the NetworkPolicies with the engine at `binary`; throws with the engine's error. */
export function evaluateL3(binary: string, policies: readonly Manifest[], flows: readonly Flow[]): Map<string, L3Verdict> {
    const input = engineInput(policies.filter((m) => m.kind === "NetworkPolicy"), flows);
    const result = spawnSync(binary, [], { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (result.status !== 0) {
        throw new Error(`${L3_ENGINE} failed (exit ${result.status}): ${result.stderr || result.error?.message}`);
    }
    const verdicts = JSON.parse(result.stdout) as EngineVerdict[];
    return new Map(verdicts.map((v) => [v.id, verdictOf(v)]));
}
