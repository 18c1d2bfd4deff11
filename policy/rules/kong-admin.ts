import { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, at, describeObject, known } from "./values";

/**
 * No Service of the plan targets Kong's Admin API port (all environments), whatever its type or name. The Admin API
 * listens on the Kong pods' loopback only (KONG_ADMIN_LISTEN=127.0.0.1:8001) and is reached through a port-forward
 * over the Kubernetes API, so who may configure Kong is who holds pods/portforward in Kong's namespace. A Service
 * with port, targetPort or nodePort 8001, or targetPort naming the container port `admin` (e.g. the old kong-admin,
 * or kong-proxy mapping 8001), would be a second way in that bypasses that permission, or dead weight answering nothing.
 */

export const SERVICE_TYPE = "kubernetes:core/v1:Service";

/** Kong's Admin API listener (KONG_ADMIN_LISTEN, port 8001 in Kong's defaults) and the container port name it once had. */
export const DEFAULT_ADMIN_PORT = 8001;
export const DEFAULT_ADMIN_PORT_NAMES: readonly string[] = ["admin"];

interface KongAdminConfig {
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

export const kongAdminNoService: ResourceValidationPolicy = {
    name: "kong-admin-no-service",
    description:
        "No Service targets Kong's Admin API port (port, targetPort or nodePort 8001, or targetPort admin): the Admin API listens on the pods' loopback only and is reached through a port-forward (pods/portforward).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            adminPort: { type: "number", default: DEFAULT_ADMIN_PORT, description: "Port of Kong's Admin API listener." },
            adminPortNames: { type: "array", items: { type: "string" }, default: [...DEFAULT_ADMIN_PORT_NAMES], description: "Names a Kong container port of the Admin API may have." },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== SERVICE_TYPE) {
            return;
        }
        const config = args.getConfig<KongAdminConfig>();
        const exposures = adminExposures(asArray(known(() => at(args.props, "spec", "ports"), [])), config.adminPort ?? DEFAULT_ADMIN_PORT, config.adminPortNames ?? DEFAULT_ADMIN_PORT_NAMES);
        if (exposures.length > 0) {
            const id = describeObject("Service", args.props, args.name);
            reportViolation(
                `${id}: ${exposures.join(", ")} targets the Kong Admin API port, which listens on the pods' loopback only. Remove the port (or the Service); reach the Admin API through a port-forward (pods/portforward in Kong's namespace).`,
            );
        }
    },
};
