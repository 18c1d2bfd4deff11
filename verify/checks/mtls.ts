import { plaintextPortsOf } from "../../model/workloads";
import { Check, VerifyContext } from "../context";
import { Outcome, fail, pass, skip } from "../result";
import { ObjectMeta } from "./pods";

/**
 * mTLS mode per namespace matches the stack. PeerAuthentications are read from the Kubernetes API,
 * `GET /apis/security.istio.io/v1/namespaces/<ns>/peerauthentications` → `PeerAuthenticationList{items[]}`, each
 * `spec: {selector?: {matchLabels}, mtls?: {mode: UNSET|DISABLE|PERMISSIVE|STRICT}, portLevelMtls?: {"<port>": {mode}}}`
 * (https://istio.io/latest/docs/reference/config/security/peer_authentication/).
 *
 * Effective mode, as Istio resolves it: a namespace-wide policy (no selector) in the namespace, else the mesh-wide
 * one (no selector, in the root namespace), else PERMISSIVE; UNSET inherits; among several policies at one level the
 * oldest wins. In a namespace that must be STRICT, a workload policy may only open the ports its catalog service
 * declares as `plaintextPorts`; any other downgrade is reported.
 */

export interface PeerAuthentication {
    readonly metadata: ObjectMeta;
    readonly spec?: {
        readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
        readonly mtls?: { readonly mode?: string };
        readonly portLevelMtls?: Readonly<Record<string, { readonly mode?: string }>>;
    };
}

const DOWNGRADES = new Set(["PERMISSIVE", "DISABLE"]);

function isNamespaceWide(pa: PeerAuthentication): boolean {
    const labels = pa.spec?.selector?.matchLabels;
    return labels === undefined || Object.keys(labels).length === 0;
}

function mode(pa: PeerAuthentication | undefined): string | undefined {
    const m = pa?.spec?.mtls?.mode;
    return m === undefined || m === "UNSET" ? undefined : m;
}

/** The namespace-wide policy Istio applies (the oldest), and the others it ignores. */
export function namespacePolicy(items: readonly PeerAuthentication[]): { applied?: PeerAuthentication; ignored: PeerAuthentication[] } {
    const wide = items.filter(isNamespaceWide).sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || a.metadata.name.localeCompare(b.metadata.name));
    return { applied: wide[0], ignored: wide.slice(1) };
}

export const mtlsCheck: Check = {
    id: "mtls-mode",
    title: "mTLS mode per namespace",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const mesh = ctx.section("mesh");
        if (mesh === undefined) {
            return skip("the stack exports no `mesh` output (the mesh component is off)");
        }
        const kube = ctx.kube();
        const list = (ns: string): Promise<PeerAuthentication[] | undefined> => kube.list<PeerAuthentication>(`/apis/security.istio.io/v1/namespaces/${encodeURIComponent(ns)}/peerauthentications`);
        const root = await list(mesh.namespace);
        if (root === undefined) {
            return fail(
                "the Kubernetes API does not serve security.istio.io/v1 PeerAuthentications: Istio's CRDs (base chart) are not installed, or are older than 1.22",
                "run `pulumi up` for this stack so the Istio base chart installs the CRDs",
            );
        }
        const problems: string[] = [];
        const notes: string[] = [];
        const meshPolicy = namespacePolicy(root);
        const meshMode = mode(meshPolicy.applied) ?? "PERMISSIVE";
        if (meshMode !== mesh.mtlsMode) {
            problems.push(`mesh-wide (${mesh.namespace}${meshPolicy.applied ? `/${meshPolicy.applied.metadata.name}` : ", no policy"}): ${meshMode}, expected ${mesh.mtlsMode}`);
        } else {
            notes.push(`mesh-wide: ${meshMode}`);
        }
        for (const extra of meshPolicy.ignored) {
            notes.push(`${mesh.namespace}/${extra.metadata.name}: a second mesh-wide policy, ignored by Istio (the oldest wins); delete it`);
        }

        const services = (() => {
            try {
                return ctx.catalog().services;
            } catch {
                return undefined;
            }
        })();
        for (const [ns, expected] of Object.entries(mesh.namespaceMtls)) {
            const items = ns === mesh.namespace ? root : await list(ns);
            const policy = namespacePolicy(items ?? []);
            const effective = mode(policy.applied) ?? meshMode;
            const source = policy.applied !== undefined && mode(policy.applied) !== undefined ? `policy ${policy.applied.metadata.name}` : "inherited from mesh-wide";
            if (effective !== expected) {
                problems.push(`${ns}: ${effective} (${source}), expected ${expected}`);
            } else {
                notes.push(`${ns}: ${effective} (${source})`);
            }
            for (const extra of policy.ignored) {
                notes.push(`${ns}/${extra.metadata.name}: a second namespace-wide policy, ignored by Istio (the oldest wins)`);
            }
            if (expected !== "STRICT") continue;
            for (const pa of (items ?? []).filter((p) => !isNamespaceWide(p))) {
                const name = `${ns}/${pa.metadata.name}`;
                const top = mode(pa);
                if (top !== undefined && DOWNGRADES.has(top)) {
                    problems.push(`${name}: workload policy sets ${top} in a STRICT namespace`);
                }
                // The mesh names each exception `<service>-plaintext-ports` (components/mesh/security.ts); its pods'
                // labels are the service's real ones, so the name, not an `app` label, identifies the service.
                const svc = (services ?? []).find((s) => s.namespace === ns && `${s.name}-plaintext-ports` === pa.metadata.name);
                const app = svc?.app ?? pa.spec?.selector?.matchLabels?.app;
                const declared = new Set(svc ? plaintextPortsOf(svc, services ?? []).map(String) : []);
                for (const [port, pm] of Object.entries(pa.spec?.portLevelMtls ?? {})) {
                    if (pm.mode === undefined || !DOWNGRADES.has(pm.mode)) continue;
                    if (declared.has(port)) {
                        notes.push(`${name}: port ${port} ${pm.mode} (declared plaintextPorts of app ${app})`);
                    } else {
                        problems.push(`${name}: port ${port} ${pm.mode} in a STRICT namespace, not a declared plaintextPort${services === undefined ? " (the service catalog could not be read)" : ""}`);
                    }
                }
            }
        }
        if (problems.length > 0) {
            return fail(
                `${problems.length} mTLS setting(s) differ from the stack's config`,
                "run `pulumi up` for this stack (it owns the `default` PeerAuthentications); delete hand-made PeerAuthentications that downgrade STRICT namespaces, or declare the port as plaintextPorts in the catalog",
                [...problems, ...notes],
            );
        }
        return pass(`mesh-wide ${meshMode}; ${Object.entries(mesh.namespaceMtls).map(([ns, m]) => `${ns} ${m}`).join(", ")} as configured`, notes);
    },
};
