import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { decideEnvironment, EnvironmentConfig, environmentProperties } from "./environment";
import { asObject, asString, at, describeObject, PlainObject } from "./values";

/**
 * Production mTLS: STRICT everywhere. Istio PeerAuthentication (security.istio.io/v1, and its identical v1beta1):
 * - `spec.mtls.mode` must be STRICT on every policy (mesh-wide, namespace-wide and workload-selector ones; UNSET or
 *   missing inherits, which is PERMISSIVE when nothing stricter is above it);
 * - `portLevelMtls` may make a port PERMISSIVE only in a policy with a workload selector (Istio ignores port-level
 *   settings without one): the catalog's declared plaintext ports. A port is never DISABLE;
 * - the stack has a mesh-wide STRICT policy (root namespace, no selector), so workloads without a namespace policy
 *   are STRICT too.
 */

export const PEER_AUTHENTICATION_TYPES: readonly string[] = [
    "kubernetes:security.istio.io/v1:PeerAuthentication",
    "kubernetes:security.istio.io/v1beta1:PeerAuthentication",
];
export const DEFAULT_MESH_ROOT_NAMESPACE = "istio-system";

function hasWorkloadSelector(spec: PlainObject): boolean {
    const labels = asObject(at(spec, "selector", "matchLabels"));
    return labels !== undefined && Object.keys(labels).length > 0;
}

/** Violations of one PeerAuthentication under the production rule (exported for reuse by the stack policy's tests). */
export function peerAuthenticationProblems(props: PlainObject, logicalName: string): string[] {
    const id = describeObject("PeerAuthentication", props, logicalName);
    const spec = asObject(props.spec) ?? {};
    const problems: string[] = [];
    const mode = asString(at(spec, "mtls", "mode"));
    if (mode !== "STRICT") {
        const shown = mode === undefined ? "not set (inherits; PERMISSIVE unless a parent policy is STRICT)" : mode;
        problems.push(
            `${id}: spec.mtls.mode is ${shown}; production requires STRICT. ` +
                `Set service-integration:mesh.mtls.mode (or mesh.mtls.namespaces.<namespace>) to STRICT in Pulumi.<stack>.yaml.`,
        );
    }
    const selector = hasWorkloadSelector(spec);
    const ports = asObject(spec.portLevelMtls) ?? {};
    for (const port of Object.keys(ports)) {
        const portMode = asString(at(ports[port], "mode"));
        if (portMode === "DISABLE") {
            problems.push(`${id}: spec.portLevelMtls["${port}"].mode is DISABLE; production allows at most PERMISSIVE, and only on a workload's declared plaintext ports.`);
        } else if (portMode === "PERMISSIVE" && !selector) {
            problems.push(
                `${id}: spec.portLevelMtls["${port}"].mode is PERMISSIVE in a policy without a workload selector; ` +
                    `PERMISSIVE ports belong in a workload-selector policy (declare them as the service's plaintextPorts in the catalog).`,
            );
        }
    }
    return problems;
}

export const prodMtlsStrict: ResourceValidationPolicy = {
    name: "prod-mtls-strict",
    description:
        "Production: every Istio PeerAuthentication sets mtls.mode STRICT; a port may be PERMISSIVE only in a workload-selector policy (declared plaintext ports), never DISABLE.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...environmentProperties } },
    validateResource: (args, reportViolation) => {
        if (!PEER_AUTHENTICATION_TYPES.includes(args.type)) {
            return;
        }
        const env = decideEnvironment(args.getConfig<EnvironmentConfig>(), args.urn);
        if (!env.production) {
            args.notApplicable(`not a production stack (${env.reason})`);
        }
        for (const problem of peerAuthenticationProblems(args.props, args.name)) {
            reportViolation(problem);
        }
    },
};

interface MeshWideConfig extends EnvironmentConfig {
    readonly meshRootNamespace?: string;
}

/** Whether the stack runs Istio at all: any Istio custom resource, or an istiod Helm release. */
function usesIstio(resources: readonly PolicyResource[]): boolean {
    return resources.some(
        (r) =>
            /^kubernetes:[a-z]+\.istio\.io\//.test(r.type) ||
            (r.type === "kubernetes:helm.sh/v3:Release" && asString(r.props.chart) === "istiod"),
    );
}

export const prodMeshWideMtlsStrict: StackValidationPolicy = {
    name: "prod-mesh-wide-mtls-strict",
    description: "Production: a stack that runs Istio declares a mesh-wide PeerAuthentication (root namespace, no selector) with mtls.mode STRICT.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...environmentProperties,
            meshRootNamespace: { type: "string", default: DEFAULT_MESH_ROOT_NAMESPACE, description: "Istio's root namespace (meshConfig.rootNamespace)." },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<MeshWideConfig>();
        if (args.resources.length === 0) {
            args.notApplicable("the stack has no resources");
        }
        const env = decideEnvironment(config, args.resources[0].urn);
        if (!env.production) {
            args.notApplicable(`not a production stack (${env.reason})`);
        }
        if (!usesIstio(args.resources)) {
            args.notApplicable("the stack declares no Istio resources");
        }
        const root = config.meshRootNamespace ?? DEFAULT_MESH_ROOT_NAMESPACE;
        const meshWide = args.resources.filter(
            (r) =>
                PEER_AUTHENTICATION_TYPES.includes(r.type) &&
                asString(at(r.props, "metadata", "namespace")) === root &&
                !hasWorkloadSelector(asObject(r.props.spec) ?? {}),
        );
        if (meshWide.length === 0) {
            reportViolation(
                `no mesh-wide PeerAuthentication: production needs one in namespace ${root} without a selector and with mtls.mode STRICT ` +
                    `(Istio's default without it is PERMISSIVE for every workload).`,
            );
            return;
        }
        for (const r of meshWide) {
            const mode = asString(at(r.props, "spec", "mtls", "mode"));
            if (mode !== "STRICT") {
                reportViolation(
                    `${describeObject("PeerAuthentication", r.props, r.name)} is the mesh-wide policy but its mtls.mode is ${mode ?? "not set"}; production requires STRICT.`,
                    r.urn,
                );
            }
        }
    },
};
