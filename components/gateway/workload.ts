import { ContainerResources } from "../../model/gateway";

/**
 * Scratch space every gateway container may use (Kong's nginx prefix and /tmp are emptyDirs, PostgreSQL's
 * runtime files): requested so the scheduler counts it, limited so a runaway log cannot fill the node.
 */
export const EPHEMERAL_STORAGE = { request: "128Mi", limit: "1Gi" } as const;

export function withEphemeralStorage(r: ContainerResources): { requests: Record<string, string>; limits: Record<string, string> } {
    return {
        requests: { ...r.requests, "ephemeral-storage": EPHEMERAL_STORAGE.request },
        limits: { ...r.limits, "ephemeral-storage": EPHEMERAL_STORAGE.limit },
    };
}
