import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Catalog } from "../../model/catalog";
import { MeshModel } from "../../model/mesh";
import { Manifest } from "../../model/wellknown";
import { HelmReleaseSpec, istioBase, istioCni, istiod, jaeger, kiali, meshTelemetry, meshUrls } from "./controlplane";
import { networkPolicies } from "./network";
import { authorizationPolicies, peerAuthentications } from "./security";
import { buildTopology, defaultMeshContext, MeshContext } from "./topology";

export { meshContext } from "./topology";
export type { MeshContext } from "./topology";
import { rolloutPatchSpec, RolloutPatch, sidecarRollouts } from "./rollout";
import { destinationRule, sidecars, virtualService } from "./traffic";

export interface ServiceMeshArgs {
    /** Validated mesh settings of this stack. */
    readonly mesh: MeshModel;
    /** The service catalog: every service gets its policies from its entry. */
    readonly catalog: Catalog;
    /** Explicit Kubernetes provider; nothing here uses the ambient kubeconfig. */
    readonly kubernetes: k8s.Provider;
    /** The platform's namespaces by name (created with their injection labels by the platform). */
    readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
    /** The workloads the policies name and what this stack lacks (topology.ts meshContext); the documented defaults otherwise. */
    readonly context?: MeshContext;
}

/** Everything this component declares, as data, before any resource exists (used by the plan and tests). */
export interface MeshDeclaration {
    readonly releases: {
        readonly base: HelmReleaseSpec;
        readonly cni: HelmReleaseSpec;
        readonly istiod: readonly HelmReleaseSpec[];
        readonly jaeger: HelmReleaseSpec;
        readonly kiali: HelmReleaseSpec;
    };
    /** Istio custom resources (need the base chart's CRDs). */
    readonly istioResources: readonly Manifest[];
    readonly networkPolicies: readonly Manifest[];
    /** Deployments the program does not own, restarted once per revision so their pods get sidecars. */
    readonly rollouts: readonly RolloutPatch[];
}

export function declareMesh(mesh: MeshModel, catalog: Catalog, context: MeshContext = defaultMeshContext(catalog, mesh)): MeshDeclaration {
    const topology = buildTopology(catalog, context);
    const everyService = catalog.services;
    return {
        releases: {
            base: istioBase(mesh),
            cni: istioCni(mesh),
            istiod: mesh.revisions.map((rev) => istiod(mesh, rev)),
            jaeger: jaeger(context.traces),
            kiali: kiali(mesh),
        },
        istioResources: [
            meshTelemetry(mesh),
            ...peerAuthentications(mesh, topology),
            ...authorizationPolicies(topology),
            // DestinationRules also shape traffic *to* sidecar-less services (Kiali, Jaeger) from meshed clients.
            ...everyService.filter((s) => !context.absent.includes(s.name)).map(destinationRule),
            ...everyService.filter((s) => !context.absent.includes(s.name)).map(virtualService).filter((vs): vs is Manifest => vs !== undefined),
            ...sidecars(mesh, topology),
        ],
        networkPolicies: networkPolicies(topology),
        rollouts: sidecarRollouts(mesh, catalog),
    };
}

/**
 * The Istio service mesh: control plane (base → cni → istiod, revision-based), Jaeger and Kiali,
 * and the catalog-derived security and traffic policies.
 */
/** What the mesh tells other stacks (the `mesh` stack output). */
export interface MeshOutputs {
    readonly namespace: string;
    /** Active istiod revision (`1-28-3`). */
    readonly revision: string;
    /** Tag the injected namespaces carry (`stable`). */
    readonly revisionTag: string;
    readonly injectedNamespaces: string[];
    /** In-cluster URLs of Jaeger's query UI, Kiali and Jaeger's OTLP gRPC receiver. */
    readonly tracingUrl: string;
    readonly kialiUrl: string;
    readonly otlpEndpoint: string;
    readonly mtlsMode: string;
    /** Effective mTLS mode per injected namespace. */
    readonly namespaceMtls: Readonly<Record<string, string>>;
}

export class ServiceMesh extends pulumi.ComponentResource {
    /** Resources that must exist before any Istio custom resource is created (CRDs and the validating webhook). */
    readonly crdsReady: pulumi.Resource[];
    /**
     * Resources that must serve before a pod of the mesh starts: istiod's injection webhook (or the pod comes up
     * without a sidecar) and the CNI node agent (with `pilot.cni.enabled` the injected pod has no istio-init and
     * relies on the agent for its traffic redirection).
     */
    readonly podsReady: pulumi.Resource[];
    readonly outputs: MeshOutputs;

    constructor(name: string, args: ServiceMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:mesh:ServiceMesh", name, {}, opts);
        const declared = declareMesh(args.mesh, args.catalog, args.context);
        const provider = args.kubernetes;
        const rootNs = args.namespaces[declared.releases.base.namespace];
        const release = (spec: HelmReleaseSpec, dependsOn: pulumi.Resource[]): k8s.helm.v3.Release =>
            new k8s.helm.v3.Release(
                spec.name,
                {
                    name: spec.name,
                    chart: spec.path ?? spec.chart,
                    version: spec.version,
                    repositoryOpts: spec.repo ? { repo: spec.repo } : undefined,
                    namespace: spec.namespace,
                    values: spec.values,
                    // Upgrades of the control plane must not half-apply.
                    atomic: true,
                    cleanupOnFail: true,
                    timeout: 600,
                },
                { parent: this, provider, dependsOn: rootNs ? [rootNs, ...dependsOn] : dependsOn },
            );

        const base = release(declared.releases.base, []);
        // istiod and the CNI agent only need base's CRDs, so they install side by side: istiod has no sidecar and
        // does not need the agent; what does (the mesh's pods) waits for both through podsReady.
        const cni = release(declared.releases.cni, [base]);
        const istiods = declared.releases.istiod.map((spec) => release(spec, [base]));
        const activeIstiod = istiods[args.mesh.revisions.findIndex((r) => r.name === args.mesh.active.name)];
        this.crdsReady = [base, activeIstiod];
        this.podsReady = [...this.crdsReady, cni];
        const tracing = args.mesh.addons.jaeger ? release(declared.releases.jaeger, [base]) : undefined;
        if (args.mesh.addons.kiali) {
            release(declared.releases.kiali, tracing ? [activeIstiod, tracing] : [activeIstiod]);
        }

        for (const m of declared.istioResources) {
            const ns = m.metadata.namespace ?? "";
            const nsResource = args.namespaces[ns];
            new k8s.apiextensions.CustomResource(
                `${m.kind.toLowerCase()}-${ns}-${m.metadata.name}`,
                { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec },
                { parent: this, provider, dependsOn: nsResource ? [...this.crdsReady, nsResource] : this.crdsReady },
            );
        }
        for (const m of declared.networkPolicies) {
            const ns = m.metadata.namespace ?? "";
            const nsResource = args.namespaces[ns];
            new k8s.networking.v1.NetworkPolicy(
                `networkpolicy-${ns}-${m.metadata.name}`,
                { metadata: m.metadata, spec: m.spec as k8s.types.input.networking.v1.NetworkPolicySpec },
                { parent: this, provider, dependsOn: nsResource ? [nsResource] : [] },
            );
        }

        for (const patch of declared.rollouts) {
            new k8s.apps.v1.DeploymentPatch(
                `rollout-${patch.namespace}-${patch.deployment}`,
                {
                    metadata: {
                        name: patch.deployment,
                        namespace: patch.namespace,
                        // Take over just this field even if another manager (kubectl, CI) set it before.
                        annotations: { "pulumi.com/patchForce": "true" },
                    },
                    spec: rolloutPatchSpec(patch),
                },
                // After istiod and the CNI agent serve, or the restarted pods would come up without a working sidecar again.
                { parent: this, provider, dependsOn: this.podsReady },
            );
        }

        const urls = meshUrls();
        this.outputs = {
            namespace: declared.releases.base.namespace,
            revision: args.mesh.active.name,
            revisionTag: args.mesh.revisionTag,
            injectedNamespaces: args.catalog.namespaces.filter((n) => n.injected).map((n) => n.name),
            tracingUrl: urls.tracing,
            kialiUrl: urls.kiali,
            otlpEndpoint: urls.otlp,
            mtlsMode: args.mesh.mtlsMode,
            namespaceMtls: args.mesh.namespaceMtls,
        };
        this.registerOutputs({ ...this.outputs });
    }
}
