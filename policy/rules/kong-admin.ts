import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asString, at, describeObject, known } from "./values";

/**
 * The Kong Admin API Service is never reachable from outside the cluster (all environments): not LoadBalancer, not
 * NodePort, no externalIPs. Reach it through the mesh (AuthorizationPolicy on port 8001) or `kubectl port-forward`.
 * And no other Service exposes the Admin port at all, of any type: a second Service with port or targetPort 8001
 * (or the container port's name, `admin`), e.g. kong-proxy mapping 8001, would bypass every rule on kong-admin.
 */

export const SERVICE_TYPE = "kubernetes:core/v1:Service";
export const DEFAULT_ADMIN_SERVICES: readonly string[] = ["kong-admin"];
const PUBLIC_TYPES: readonly string[] = ["LoadBalancer", "NodePort"];

/** Kong's Admin API listener (KONG_ADMIN_LISTEN, port 8001 in Kong's defaults) and its container port's name. */
export const DEFAULT_ADMIN_PORT = 8001;
export const DEFAULT_ADMIN_PORT_NAMES: readonly string[] = ["admin"];

interface KongAdminConfig {
    readonly services?: string[];
    readonly adminPort?: number;
    readonly adminPortNames?: string[];
}

/** `port 8001`, `targetPort admin`, ...: how a Service's ports reach the Admin API, or an empty list. */
function adminExposures(ports: unknown[], adminPort: number, adminNames: readonly string[]): string[] {
    const found: string[] = [];
    ports.forEach((raw, i) => {
        const port = known(() => at(raw, "port"), undefined);
        const target = known(() => at(raw, "targetPort"), undefined);
        const nodePort = known(() => at(raw, "nodePort"), undefined);
        const label = `spec.ports[${i}]`;
        if (port === adminPort || port === String(adminPort)) {
            found.push(`${label}.port ${adminPort}`);
        }
        if (target === adminPort || target === String(adminPort) || (typeof target === "string" && adminNames.includes(target))) {
            found.push(`${label}.targetPort ${String(target)}`);
        }
        // targetPort defaults to port: port 8001 without a targetPort already counted above.
        if (nodePort === adminPort) {
            found.push(`${label}.nodePort ${adminPort}`);
        }
    });
    return found;
}

export const kongAdminNotPublic: ResourceValidationPolicy = {
    name: "kong-admin-not-public",
    description: "The Kong Admin API Service (kong-admin) is never LoadBalancer or NodePort and has no externalIPs, and no other Service exposes the Admin port (8001 or the container port named admin).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            services: {
                type: "array",
                items: { type: "string" },
                default: [...DEFAULT_ADMIN_SERVICES],
                description: "Names (metadata.name) of the Services that expose the Kong Admin API.",
            },
            adminPort: { type: "number", default: DEFAULT_ADMIN_PORT, description: "Port of Kong's Admin API listener." },
            adminPortNames: { type: "array", items: { type: "string" }, default: [...DEFAULT_ADMIN_PORT_NAMES], description: "Names of the Kong container port of the Admin API." },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== SERVICE_TYPE) {
            return;
        }
        const config = args.getConfig<KongAdminConfig>();
        const names = config.services ?? DEFAULT_ADMIN_SERVICES;
        // metadata.name may be computed; the logical name is the fallback (the program uses the same for both).
        const name = known(() => asString(at(args.props, "metadata", "name")), undefined) ?? args.name;
        const id = describeObject("Service", args.props, args.name);
        if (!names.includes(name)) {
            const exposures = adminExposures(asArray(known(() => at(args.props, "spec", "ports"), [])), config.adminPort ?? DEFAULT_ADMIN_PORT, config.adminPortNames ?? DEFAULT_ADMIN_PORT_NAMES);
            if (exposures.length > 0) {
                reportViolation(`${id}: ${exposures.join(", ")} exposes the Kong Admin API port; only ${names.join(", ")} may, as ClusterIP. Remove the port from this Service.`);
            }
            return;
        }
        const type = asString(at(args.props, "spec", "type")) ?? "ClusterIP";
        if (PUBLIC_TYPES.includes(type)) {
            reportViolation(`${id}: spec.type is ${type}; the Kong Admin API must stay ClusterIP (never LoadBalancer or NodePort).`);
        }
        if (asArray(at(args.props, "spec", "externalIPs")).length > 0) {
            reportViolation(`${id}: spec.externalIPs is set; the Kong Admin API must not be reachable from outside the cluster.`);
        }
    },
};
