import { Check, VerifyContext } from "../context";
import { Outcome, fail, pass, skip } from "../result";
import { Namespace, Pod, REVISION_LABEL, SIDECAR_CONTAINER, injectedRevision, isLive, optOutReason, ownerOf, restartCommand, sidecarKind } from "./pods";

/**
 * Seed test 1, for every pod instead of one: each live pod in the mesh's injected namespaces runs `istio-proxy`
 * (as a container or a native sidecar). Pods that opted out (`sidecar.istio.io/inject: "false"`, hostNetwork) are
 * listed, not failed; pods injected by another revision than the active one are listed for a restart.
 * The namespaces themselves must exist and carry the revision label, or new pods would start without a sidecar.
 */
export const sidecarsCheck: Check = {
    id: "sidecars",
    title: "Sidecar injection",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const mesh = ctx.section("mesh");
        if (mesh === undefined) {
            return skip("the stack exports no `mesh` output (the mesh component is off)");
        }
        if (mesh.injectedNamespaces.length === 0) {
            return skip("the mesh injects no namespace");
        }
        const kube = ctx.kube();
        const missing: string[] = [];
        const restarts = new Set<string>();
        const notes: string[] = [];
        const badNamespaces: string[] = [];
        let withSidecar = 0;
        let native = 0;
        const acceptedRevisions = new Set([mesh.revisionTag, mesh.revision].filter((r) => r !== ""));
        for (const ns of mesh.injectedNamespaces) {
            const namespace = await kube.get<Namespace>(`/api/v1/namespaces/${encodeURIComponent(ns)}`);
            if (namespace === undefined) {
                badNamespaces.push(`${ns}: namespace does not exist`);
                continue;
            }
            const rev = namespace.metadata.labels?.[REVISION_LABEL];
            if (rev === undefined || !acceptedRevisions.has(rev)) {
                badNamespaces.push(`${ns}: label ${REVISION_LABEL}=${rev ?? "(none)"}, expected ${[...acceptedRevisions].join(" or ")}`);
            }
            const pods = (await kube.list<Pod>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods`)) ?? [];
            for (const pod of pods.filter(isLive)) {
                const name = `${ns}/${pod.metadata.name}`;
                const kind = sidecarKind(pod);
                if (kind !== undefined) {
                    withSidecar += 1;
                    if (kind === "native") native += 1;
                    const injected = injectedRevision(pod);
                    if (injected !== undefined && injected !== mesh.revision) {
                        notes.push(`${name}: sidecar of revision ${injected}, active is ${mesh.revision} (restart it to move it)`);
                        const cmd = restartCommand(ns, ownerOf(pod));
                        if (cmd !== undefined) restarts.add(cmd);
                    }
                    continue;
                }
                const reason = optOutReason(pod);
                if (reason !== undefined) {
                    notes.push(`${name}: no sidecar, opted out (${reason})`);
                    continue;
                }
                const owner = ownerOf(pod);
                missing.push(`${name}: no ${SIDECAR_CONTAINER} container${owner !== undefined ? ` (${owner.kind}/${owner.name})` : ""}`);
                const cmd = restartCommand(ns, owner);
                if (cmd !== undefined) restarts.add(cmd);
            }
        }
        if (missing.length > 0 || badNamespaces.length > 0) {
            const parts: string[] = [];
            if (missing.length > 0) parts.push(`${missing.length} live pod(s) in ${mesh.injectedNamespaces.join(", ")} run without the istio-proxy sidecar`);
            if (badNamespaces.length > 0) parts.push(`${badNamespaces.length} injected namespace(s) are missing or mislabelled`);
            const actions: string[] = [];
            if (badNamespaces.length > 0) actions.push(`run \`pulumi up\` for this stack so the namespaces exist with ${REVISION_LABEL}=${mesh.revisionTag || mesh.revision}`);
            if (restarts.size > 0) actions.push(`restart the workloads so the injector adds the sidecar: ${[...restarts].join("; ")}`);
            if (missing.length > 0 && restarts.size === 0) actions.push("delete the listed pods so their controllers recreate them with a sidecar");
            return fail(`${parts.join("; ")}.`, actions.join(". "), [...badNamespaces, ...missing, ...notes]);
        }
        const nativeNote = native > 0 ? ` (${native} as native sidecars)` : "";
        return pass(`${withSidecar} live pod(s) in ${mesh.injectedNamespaces.join(", ")} run istio-proxy${nativeNote}${notes.length > 0 ? `; ${notes.length} note(s)` : ""}.`, notes);
    },
};
