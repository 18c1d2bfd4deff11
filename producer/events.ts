/**
 * TypeScript shapes of the event payloads, one per topic, mirroring `schemas/<family>/*.avsc` (the envelope is
 * filled by the producer). The tests encode a sample of each through its Avro schema, so a drift between the two
 * fails there; the Avro schema stays the contract.
 */

/** Envelope fields a caller may set; the producer fills eventId, occurredAt, source and traceId when absent. */
export interface EnvelopeInput {
    /** One of the topic's event types in catalog/topics.json. */
    readonly eventType: string;
    /** UUID; generated when absent (set it to make a retry of the same business event idempotent downstream). */
    readonly eventId?: string;
    /** Date or epoch milliseconds; now when absent. */
    readonly occurredAt?: Date | number;
    /** Emitting service; the producer's `source` option when absent. */
    readonly source?: string;
    readonly correlationId?: string | null;
    readonly causationId?: string | null;
}

/** The envelope as it is encoded and decoded. */
export interface EventEnvelope {
    readonly eventId: string;
    readonly eventType: string;
    /** Epoch milliseconds (Avro timestamp-millis). */
    readonly occurredAt: number;
    readonly source: string;
    readonly correlationId: string | null;
    readonly causationId: string | null;
    readonly traceId: string | null;
}

// ----- data ------------------------------------------------------------------------------------------------------

export interface DataIngestion {
    readonly datasetId: string;
    readonly runId: string;
    readonly sourceSystem: string;
    readonly status: "STARTED" | "COMPLETED" | "FAILED";
    readonly recordCount?: number;
    readonly byteCount?: number;
    readonly error?: string | null;
}

export interface DataQualityCheck {
    readonly datasetId: string;
    readonly checkId: string;
    readonly checkName: string;
    readonly result: "PASSED" | "WARNING" | "FAILED";
    readonly score?: number | null;
    readonly failedRecords?: number;
    readonly details?: Readonly<Record<string, string>>;
}

export interface DataLineage {
    readonly datasetId: string;
    readonly datasetVersion?: string | null;
    readonly inputDatasetIds: readonly string[];
    readonly jobName: string;
    readonly transformationRunId?: string | null;
}

export interface DataTransformation {
    readonly pipelineId: string;
    readonly runId: string;
    readonly status: "STARTED" | "COMPLETED" | "FAILED";
    readonly inputDatasetIds?: readonly string[];
    readonly outputDatasetIds?: readonly string[];
    readonly durationMs?: number | null;
    readonly error?: string | null;
}

// ----- system ----------------------------------------------------------------------------------------------------

export interface SystemHealth {
    readonly service: string;
    readonly namespace: string;
    readonly status: "HEALTHY" | "DEGRADED" | "UNHEALTHY" | "UNKNOWN";
    readonly checks?: Readonly<Record<string, string>>;
    readonly message?: string | null;
}

export interface Deployment {
    readonly service: string;
    readonly namespace: string;
    readonly version: string;
    readonly previousVersion?: string | null;
    readonly status: "STARTED" | "SUCCEEDED" | "FAILED" | "ROLLED_BACK";
    readonly initiatedBy: string;
}

export interface ConfigChange {
    readonly component: string;
    readonly key: string;
    readonly changeType: "CREATED" | "UPDATED" | "DELETED";
    readonly previousValueHash?: string | null;
    readonly newValueHash?: string | null;
    readonly changedBy: string;
}

export interface SecurityEvent {
    readonly subject: string;
    readonly category: "AUTHENTICATION" | "AUTHORIZATION" | "CERTIFICATE" | "POLICY" | "ANOMALY";
    readonly severity: "INFO" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
    readonly description: string;
    readonly sourceIp?: string | null;
    readonly attributes?: Readonly<Record<string, string>>;
}

// ----- audit -----------------------------------------------------------------------------------------------------

export interface Actor {
    readonly kind: "USER" | "SERVICE" | "SYSTEM";
    readonly id: string;
    readonly ip?: string | null;
}

export type AuditOutcome = "SUCCESS" | "FAILURE" | "DENIED";

export interface UserAction {
    readonly actor: Actor;
    readonly action: string;
    readonly resource: string;
    readonly outcome: AuditOutcome;
    readonly details?: Readonly<Record<string, string>>;
}

export interface ApiCall {
    readonly actor: Actor;
    readonly method: string;
    readonly route: string;
    readonly statusCode: number;
    readonly latencyMs: number;
    readonly consumerId?: string | null;
    readonly requestId?: string | null;
}

export interface DataAccess {
    readonly actor: Actor;
    readonly datasetId: string;
    readonly operation: "READ" | "WRITE" | "EXPORT" | "DELETE";
    readonly recordCount?: number;
    readonly purpose?: string | null;
    readonly outcome: AuditOutcome;
}

export interface AdminOperation {
    readonly actor: Actor;
    readonly operation: string;
    readonly target: string;
    readonly outcome: AuditOutcome;
    readonly changes?: Readonly<Record<string, string>>;
}

// ----- topic map -------------------------------------------------------------------------------------------------

/** Payload type per topic (catalog name), grouped by family. The tests check these keys against catalog/topics.json. */
export interface DataTopics {
    "data-ingestion": DataIngestion;
    "data-quality": DataQualityCheck;
    "data-lineage": DataLineage;
    "data-transformation": DataTransformation;
}

export interface SystemTopics {
    "system-health": SystemHealth;
    "deployment-events": Deployment;
    "config-changes": ConfigChange;
    "security-events": SecurityEvent;
}

export interface AuditTopics {
    "audit-user-actions": UserAction;
    "audit-api-calls": ApiCall;
    "audit-data-access": DataAccess;
    "audit-admin-operations": AdminOperation;
}

export interface TopicPayloads extends DataTopics, SystemTopics, AuditTopics {}
export type TopicKey = keyof TopicPayloads;

export interface FamilyTopics {
    data: DataTopics;
    system: SystemTopics;
    audit: AuditTopics;
}

/** Runtime list of the typed topics, per family (checked against the catalog by the tests and at producer start). */
export const TYPED_TOPICS: { readonly [F in keyof FamilyTopics]: readonly (keyof FamilyTopics[F])[] } = {
    data: ["data-ingestion", "data-quality", "data-lineage", "data-transformation"],
    system: ["system-health", "deployment-events", "config-changes", "security-events"],
    audit: ["audit-user-actions", "audit-api-calls", "audit-data-access", "audit-admin-operations"],
};

/** An event as decoded from a topic: the envelope plus the payload. */
export type DecodedEvent<K extends TopicKey> = TopicPayloads[K] & { readonly envelope: EventEnvelope };

/** Event types per topic, as literal types (the tests check them against catalog/topics.json, which stays the source of truth). */
export const TOPIC_EVENT_TYPES = {
    "data-ingestion": ["data.ingestion.started", "data.ingestion.completed", "data.ingestion.failed"],
    "data-quality": ["data.quality.passed", "data.quality.warning", "data.quality.failed"],
    "data-lineage": ["data.lineage.recorded"],
    "data-transformation": ["data.transformation.started", "data.transformation.completed", "data.transformation.failed"],
    "system-health": ["system.health.reported", "system.health.changed"],
    "deployment-events": ["deployment.started", "deployment.succeeded", "deployment.failed", "deployment.rolled_back"],
    "config-changes": ["config.created", "config.updated", "config.deleted"],
    "security-events": [
        "security.authentication.failed",
        "security.authorization.denied",
        "security.certificate.rotated",
        "security.policy.changed",
        "security.anomaly.detected",
    ],
    "audit-user-actions": ["audit.user.action"],
    "audit-api-calls": ["audit.api.call"],
    "audit-data-access": ["audit.data.access"],
    "audit-admin-operations": ["audit.admin.operation"],
} as const satisfies { readonly [K in TopicKey]: readonly string[] };

export type EventTypeOf<K extends TopicKey> = (typeof TOPIC_EVENT_TYPES)[K][number];
