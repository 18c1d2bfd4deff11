import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NamespaceSpec } from "../../model/catalog";
import { metadata, REVISION_LABEL } from "../../model/wellknown";

export interface PlatformNamespacesArgs {
    readonly namespaces: readonly NamespaceSpec[];
    /** Revision tag injected namespaces carry; undefined when the mesh is off for this stack. */
    readonly revisionTag: string | undefined;
    readonly kubernetes: k8s.Provider;
    /** Keep namespaces (and so everything in them) from being deleted by `pulumi destroy`. */
    readonly protect: boolean;
}

/** Labels a catalog namespace gets: the revision tag (never the legacy `istio-injection`) where sidecars are injected. */
export function namespaceLabels(ns: NamespaceSpec, revisionTag: string | undefined): Record<string, string> {
    return ns.injected && revisionTag !== undefined ? { [REVISION_LABEL]: revisionTag } : {};
}

/** The catalog's namespaces, created once and shared by every component. */
export class PlatformNamespaces extends pulumi.ComponentResource {
    readonly byName: Readonly<Record<string, k8s.core.v1.Namespace>>;

    constructor(name: string, args: PlatformNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:core:Namespaces", name, {}, opts);
        const byName: Record<string, k8s.core.v1.Namespace> = {};
        for (const ns of args.namespaces) {
            byName[ns.name] = new k8s.core.v1.Namespace(
                ns.name,
                { metadata: metadata(ns.name, undefined, namespaceLabels(ns, args.revisionTag)) },
                { parent: this, provider: args.kubernetes, protect: args.protect },
            );
        }
        this.byName = byName;
        this.registerOutputs({ names: Object.keys(byName) });
    }
}
