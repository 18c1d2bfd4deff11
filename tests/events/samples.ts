import { EventTypeOf, TopicKey, TopicPayloads } from "../../producer/events";

/** One valid event per catalog topic, typed by the producer's payload types (so a type drift fails tsc). */
export type Sample<K extends TopicKey> = { readonly eventType: EventTypeOf<K>; readonly payload: TopicPayloads[K] };

export const SAMPLES: { readonly [K in TopicKey]: Sample<K> } = {
    "data-ingestion": {
        eventType: "data.ingestion.completed",
        payload: { datasetId: "prices-eu", runId: "run-1", sourceSystem: "s3", status: "COMPLETED", recordCount: 1200, byteCount: 48_000 },
    },
    "data-quality": {
        eventType: "data.quality.failed",
        payload: { datasetId: "prices-eu", checkId: "not-null-price", checkName: "price is never null", result: "FAILED", score: 0.97, failedRecords: 36, details: { column: "price" } },
    },
    "data-lineage": {
        eventType: "data.lineage.recorded",
        payload: { datasetId: "prices-eu-daily", inputDatasetIds: ["prices-eu", "fx-rates"], jobName: "daily-rollup", transformationRunId: "run-7" },
    },
    "data-transformation": {
        eventType: "data.transformation.completed",
        payload: { pipelineId: "daily-rollup", runId: "run-7", status: "COMPLETED", inputDatasetIds: ["prices-eu"], outputDatasetIds: ["prices-eu-daily"], durationMs: 5400 },
    },
    "system-health": {
        eventType: "system.health.changed",
        payload: { service: "portal-services", namespace: "data-platform", status: "DEGRADED", checks: { database: "slow" }, message: "p99 above SLO" },
    },
    "deployment-events": {
        eventType: "deployment.succeeded",
        payload: { service: "portal-services", namespace: "data-platform", version: "1.4.2", previousVersion: "1.4.1", status: "SUCCEEDED", initiatedBy: "ci" },
    },
    "config-changes": {
        eventType: "config.updated",
        payload: { component: "kong", key: "rate-limiting.minute", changeType: "UPDATED", previousValueHash: "a".repeat(64), newValueHash: "b".repeat(64), changedBy: "ops@254carbon.com" },
    },
    "security-events": {
        eventType: "security.authentication.failed",
        payload: { subject: "user-42", category: "AUTHENTICATION", severity: "MEDIUM", description: "bad JWT signature", sourceIp: "10.0.0.7", attributes: { route: "portal-api" } },
    },
    "audit-user-actions": {
        eventType: "audit.user.action",
        payload: { actor: { kind: "USER", id: "user-42", ip: "10.0.0.7" }, action: "dashboard.create", resource: "dashboard/17", outcome: "SUCCESS" },
    },
    "audit-api-calls": {
        eventType: "audit.api.call",
        payload: { actor: { kind: "SERVICE", id: "scheduler" }, method: "POST", route: "ingestion-api", statusCode: 202, latencyMs: 38, consumerId: "scheduler", requestId: "req-1" },
    },
    "audit-data-access": {
        eventType: "audit.data.access",
        payload: { actor: { kind: "USER", id: "user-42" }, datasetId: "prices-eu", operation: "EXPORT", recordCount: 1000, purpose: "quarterly report", outcome: "SUCCESS" },
    },
    "audit-admin-operations": {
        eventType: "audit.admin.operation",
        payload: { actor: { kind: "USER", id: "admin-1" }, operation: "user.grant-role", target: "user-42", outcome: "SUCCESS", changes: { role: "analyst" } },
    },
};

/** The value of the catalog's partition key path in a payload. */
export function keyOf(payload: object, path: string): string {
    let current: unknown = payload;
    for (const part of path.split(".")) {
        current = (current as Record<string, unknown>)[part];
    }
    return current as string;
}
