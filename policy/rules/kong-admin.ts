import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asString, at, describeObject, known } from "./values";

/**
 * The Kong Admin API Service is never reachable from outside the cluster (all environments): not LoadBalancer, not
 * NodePort, no externalIPs. Reach it through the mesh (AuthorizationPolicy on port 8001) or `kubectl port-forward`.
 */

export const SERVICE_TYPE = "kubernetes:core/v1:Service";
export const DEFAULT_ADMIN_SERVICES: readonly string[] = ["kong-admin"];
const PUBLIC_TYPES: readonly string[] = ["LoadBalancer", "NodePort"];

interface KongAdminConfig {
    readonly services?: string[];
}

export const kongAdminNotPublic: ResourceValidationPolicy = {
    name: "kong-admin-not-public",
    description: "The Kong Admin API Service (kong-admin) is never LoadBalancer or NodePort and has no externalIPs.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            services: {
                type: "array",
                items: { type: "string" },
                default: [...DEFAULT_ADMIN_SERVICES],
                description: "Names (metadata.name) of the Services that expose the Kong Admin API.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== SERVICE_TYPE) {
            return;
        }
        const names = args.getConfig<KongAdminConfig>().services ?? DEFAULT_ADMIN_SERVICES;
        // metadata.name may be computed; the logical name is the fallback (the program uses the same for both).
        const name = known(() => asString(at(args.props, "metadata", "name")), undefined) ?? args.name;
        if (!names.includes(name)) {
            return;
        }
        const id = describeObject("Service", args.props, args.name);
        const type = asString(at(args.props, "spec", "type")) ?? "ClusterIP";
        if (PUBLIC_TYPES.includes(type)) {
            reportViolation(`${id}: spec.type is ${type}; the Kong Admin API must stay ClusterIP (never LoadBalancer or NodePort).`);
        }
        if (asArray(at(args.props, "spec", "externalIPs")).length > 0) {
            reportViolation(`${id}: spec.externalIPs is set; the Kong Admin API must not be reachable from outside the cluster.`);
        }
    },
};
