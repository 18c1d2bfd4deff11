import { PlatformModel } from "../model";
import { EXCLUDE_INBOUND_PORTS_ANNOTATION, Manifest, MESH_ROOT_NAMESPACE } from "../model/wellknown";
import { deriveFlows, Flow } from "./flows";
import { evaluateL3, L3Verdict } from "./l3";
import { evaluateL7, L7Request, L7Verdict } from "./l7";
import { Peer } from "./peers";

/**
 * The connectivity contract of a stack: every derived flow evaluated at L3 (the declared NetworkPolicies, by
 * cyclonus's engine) and at L7 (the declared PeerAuthentications and AuthorizationPolicies, by contract/l7.ts).
 * A required flow must pass both; a forbidden flow must be stopped by at least one, and by L3 wherever L7 cannot
 * see it (a sender without a sidecar, a receiver without one).
 */

export { deriveFlows } from "./flows";
export type { Flow } from "./flows";

/** Ports Istio's sidecar never captures inbound (istio cni/pkg/plugin/sidecar_redirect.go appends 15020,15021,15090). */
export const ISTIO_UNCAPTURED_PORTS = [15020, 15021, 15090] as const;

export interface FlowResult {
    readonly flow: Flow;
    readonly l3: L3Verdict;
    readonly l7: L7Verdict;
    /** Why the flow breaks the contract; undefined when it holds. */
    readonly problem?: string;
}

interface PodTemplate {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

/** Pod templates of the declared workloads, for the ports their sidecars leave uncaptured. */
function podTemplates(manifests: readonly Manifest[]): PodTemplate[] {
    return manifests
        .filter((m) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(m.kind))
        .map((m) => {
            const t = ((m.spec ?? {}) as { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } }).template?.metadata ?? {};
            return { namespace: m.metadata.namespace ?? "", labels: t.labels ?? {}, annotations: t.annotations ?? {} };
        });
}

function uncapturedPorts(peer: Peer, templates: readonly PodTemplate[]): number[] {
    if (peer.kind !== "pod") {
        return [];
    }
    const own = templates.find((t) => t.namespace === peer.namespace && Object.entries(peer.podLabels).every(([k, v]) => t.labels[k] === v));
    const excluded = (own?.annotations[EXCLUDE_INBOUND_PORTS_ANNOTATION] ?? "").split(",").map((p) => Number(p.trim())).filter((p) => Number.isInteger(p) && p > 0);
    return [...ISTIO_UNCAPTURED_PORTS, ...excluded];
}

export function l7Request(flow: Flow, templates: readonly PodTemplate[]): L7Request {
    const from = flow.from;
    const to = flow.to;
    return {
        source: from.kind === "pod" ? { principal: from.principal, namespace: from.namespace, ip: from.ip, sidecar: from.sidecar } : { ip: from.ip, sidecar: false },
        destination: to.kind === "pod" ? { namespace: to.namespace, labels: to.podLabels, sidecar: to.sidecar, uncapturedPorts: uncapturedPorts(to, templates) } : { namespace: "", labels: {}, sidecar: false, uncapturedPorts: [] },
        port: flow.port,
        ...(flow.request ? { http: flow.request } : {}),
    };
}

function problemOf(flow: Flow, l3: L3Verdict, l7: L7Verdict): string | undefined {
    if (flow.expect === "allow") {
        if (!l3.allowed) {
            return `required flow blocked at L3 (${l3.deniedAt}) by ${l3.decidedBy.join(", ")}`;
        }
        if (!l7.allowed) {
            return `required flow blocked at L7 by ${l7.decidedBy}`;
        }
        return undefined;
    }
    const l7Blind = flow.from.kind === "external" || !flow.from.sidecar || flow.to.kind === "external" || !flow.to.sidecar;
    if (l3.allowed && l7Blind) {
        return `forbidden flow allowed at L3 by ${l3.decidedBy.join(", ")}, and L7 cannot stop it (${flow.from.kind === "pod" && flow.from.sidecar ? "the receiver" : "the sender"} has no sidecar)`;
    }
    if (l3.allowed && l7.allowed) {
        return `forbidden flow allowed at L3 by ${l3.decidedBy.join(", ")} and at L7 by ${l7.decidedBy}`;
    }
    return undefined;
}

/**
 * Evaluates the contract of `model` against the declared Kubernetes objects (`manifests`: the plan's
 * NetworkPolicies, PeerAuthentications, AuthorizationPolicies and workloads) with the L3 engine at `engine`.
 */
export function evaluateContract(model: PlatformModel, manifests: readonly Manifest[], engine: string): FlowResult[] {
    const { flows } = deriveFlows(model);
    const l3 = evaluateL3(engine, manifests, flows);
    const istio = manifests.filter((m) => m.kind === "PeerAuthentication" || m.kind === "AuthorizationPolicy");
    const templates = podTemplates(manifests);
    return flows.map((flow) => {
        const l3v = l3.get(flow.id) ?? { allowed: false, decidedBy: ["(no verdict from the engine)"] };
        const l7v = evaluateL7(istio, MESH_ROOT_NAMESPACE, l7Request(flow, templates));
        return { flow, l3: l3v, l7: l7v, problem: problemOf(flow, l3v, l7v) };
    });
}

const cell = (text: string): string => text.replace(/\|/g, "\\|");

/** `out/plan/<stack>/flows.md`: one row per flow, its verdicts and the policies that decided them. */
export function renderFlows(stack: string, results: readonly FlowResult[]): string {
    const broken = results.filter((r) => r.problem !== undefined);
    const lines = [
        `# Connectivity contract: ${stack}`,
        "",
        `${results.length} flows (${results.filter((r) => r.flow.expect === "allow").length} required, ${results.filter((r) => r.flow.expect === "deny").length} forbidden); ${broken.length} break the contract.`,
        "L3: the declared NetworkPolicies through cyclonus's engine (netpol-flows). L7: the declared PeerAuthentications and AuthorizationPolicies (contract/l7.ts).",
        "",
        "| flow | expected | L3 | L3 decided by | L7 | L7 decided by | why | contract |",
        "|---|---|---|---|---|---|---|---|",
        ...results.map((r) =>
            [
                "",
                cell(r.flow.id),
                r.flow.expect,
                r.l3.allowed ? "allow" : `deny (${r.l3.deniedAt})`,
                cell(r.l3.decidedBy.join(", ")),
                r.l7.allowed ? `allow${r.l7.mtls ? " (mTLS)" : ""}` : "deny",
                cell(r.l7.decidedBy),
                cell(r.flow.why),
                r.problem ? `**BROKEN**: ${cell(r.problem)}` : "ok",
                "",
            ].join(" | ").trim(),
        ),
        "",
    ];
    return lines.join("\n");
}
