import { Problems } from "./errors";

/**
 * Kafka identities from the catalogs: which principal may do what to which topic. The service catalog says which
 * topics each service produces to and consumes from (`produces`/`consumes`); the topic catalog names, per family,
 * the readers outside the service catalog (`readers`, e.g. the audit family's auditor). From that:
 *   - every service that names a topic gets a SCRAM user of its own name, and exactly the ACLs its lists need;
 *   - a producer may write to (and describe) its topics, never read them: audit topics are write-only for producers;
 *   - a consumer may read and describe its topics and use consumer groups named `<service>.<anything>`;
 *   - an audit-family topic is readable only by the family's named readers;
 *   - a service the catalog does not name in any list gets no user and no ACL, so the authorizer refuses it.
 * The derivation is pure data: components/events declares it through @pulumi/kafka, and the broker tests create the
 * same entries through Kafka's admin API and check what the authorizer allows.
 */

/**
 * ACL vocabulary as the Pulumi Kafka provider spells it (Mongey/terraform-provider-kafka kafka/kafka_acls.go:
 * stringToACLResource "Topic"/"Group", stringToOperation "Read"/"Write"/"Describe", stringToAclPermissionType
 * "Allow"; pattern types "Literal"/"Prefixed" from sarama's AclResourcePatternType text form).
 */
export type AclResourceType = "Topic" | "Group";
export type AclOperation = "Read" | "Write" | "Describe";
export type AclPatternType = "Literal" | "Prefixed";

export interface AclEntry {
    /** `User:<name>`: the SCRAM user's principal (Kafka's KafkaPrincipal.USER_TYPE "User"). */
    readonly principal: string;
    readonly resourceType: AclResourceType;
    readonly resourceName: string;
    readonly patternType: AclPatternType;
    readonly operation: AclOperation;
    readonly permission: "Allow";
    readonly host: "*";
}

export interface KafkaPrincipal {
    /** SCRAM user name (the service's catalog name, or a family reader's name). */
    readonly name: string;
    readonly kind: "service" | "reader";
    /** Kafka topic names (stack prefix applied). */
    readonly produces: readonly string[];
    readonly consumes: readonly string[];
}

export interface KafkaQuotas {
    /** Bytes/s each principal may produce and consume (Kafka's `producer_byte_rate`/`consumer_byte_rate` user quotas). */
    readonly producerByteRate: number;
    readonly consumerByteRate: number;
}

export interface KafkaAccess {
    readonly mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512";
    readonly principals: readonly KafkaPrincipal[];
    readonly acls: readonly AclEntry[];
    readonly quotas: KafkaQuotas;
}

export interface AccessInputs {
    readonly services: readonly { readonly name: string; readonly at: string; readonly produces: readonly string[]; readonly consumes: readonly string[] }[];
    /** Catalog topics: key, Kafka name, family. */
    readonly topics: readonly { readonly key: string; readonly name: string; readonly family: string }[];
    /** Per family: who may read its topics besides the services that list them (for audit: the only ones). */
    readonly families: Readonly<Record<string, { readonly readers: readonly string[] }>>;
    readonly topicPrefix: string;
    readonly mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512";
    readonly quotas: KafkaQuotas;
}

/** Families whose topics only their named readers may read (write-only for producers). */
export const READ_RESTRICTED_FAMILIES: readonly string[] = ["audit"];

/** Consumer group ids a consumer may use: `<service>.` as a prefix, so one service cannot join another's groups. */
export function consumerGroupPrefix(topicPrefix: string, principal: string): string {
    return `${topicPrefix}${principal}.`;
}

function checkTopics(list: readonly string[], at: string, known: ReadonlyMap<string, { name: string; family: string }>, problems: Problems): void {
    list.forEach((t, i) => {
        if (!known.has(t)) {
            problems.add(`${at}[${i}]`, t, "is not a topic of the topic catalog", `use one of ${[...known.keys()].join(", ")}`);
        } else if (list.indexOf(t) !== i) {
            problems.add(`${at}[${i}]`, t, "is listed twice", "remove the duplicate");
        }
    });
}

function aclsFor(p: KafkaPrincipal, topicPrefix: string): AclEntry[] {
    const principal = `User:${p.name}`;
    const entry = (resourceType: AclResourceType, resourceName: string, operation: AclOperation, patternType: AclPatternType = "Literal"): AclEntry => ({
        principal,
        resourceType,
        resourceName,
        patternType,
        operation,
        permission: "Allow",
        host: "*",
    });
    const out: AclEntry[] = [];
    for (const t of p.produces) {
        // Write on the topic also grants the idempotent producer its producer id (KIP-679, Kafka 3.0+).
        out.push(entry("Topic", t, "Write"), entry("Topic", t, "Describe"));
    }
    for (const t of p.consumes) {
        out.push(entry("Topic", t, "Read"), entry("Topic", t, "Describe"));
    }
    if (p.consumes.length > 0) {
        out.push(entry("Group", consumerGroupPrefix(topicPrefix, p.name), "Read", "Prefixed"));
    }
    return out;
}

/** Derives principals, ACLs and quotas; every problem (unknown topic, audit read by a non-reader) goes to `problems`. */
export function deriveKafkaAccess(inputs: AccessInputs, problems: Problems): KafkaAccess {
    const known = new Map(inputs.topics.map((t) => [t.key, t]));
    const principals: KafkaPrincipal[] = [];
    const readers = new Map<string, string[]>();
    for (const [family, spec] of Object.entries(inputs.families)) {
        for (const reader of spec.readers) {
            readers.set(reader, [...(readers.get(reader) ?? []), family]);
        }
    }
    for (const s of inputs.services) {
        checkTopics(s.produces, `${s.at}.produces`, known, problems);
        checkTopics(s.consumes, `${s.at}.consumes`, known, problems);
        s.consumes.forEach((key, i) => {
            const family = known.get(key)?.family;
            if (family !== undefined && READ_RESTRICTED_FAMILIES.includes(family) && !(readers.get(s.name) ?? []).includes(family)) {
                problems.add(
                    `${s.at}.consumes[${i}]`,
                    key,
                    `is an ${family} topic: ${family} topics are write-only for their producers and readable only by the family's readers (${inputs.families[family]?.readers.join(", ") || "none"})`,
                    `remove it, or add ${s.name} to families.${family}.readers in catalog/topics.json`,
                );
            }
        });
        const familyReads = inputs.topics.filter((t) => (readers.get(s.name) ?? []).includes(t.family)).map((t) => t.key);
        const consumes = [...new Set([...s.consumes, ...familyReads])].filter((k) => known.has(k));
        const produces = s.produces.filter((k) => known.has(k));
        if (produces.length > 0 || consumes.length > 0) {
            principals.push({ name: s.name, kind: "service", produces: produces.map((k) => known.get(k)!.name), consumes: consumes.map((k) => known.get(k)!.name) });
        }
    }
    const serviceNames = new Set(inputs.services.map((s) => s.name));
    for (const [reader, families] of readers) {
        if (serviceNames.has(reader)) {
            continue;
        }
        const consumes = inputs.topics.filter((t) => families.includes(t.family)).map((t) => t.name);
        principals.push({ name: reader, kind: "reader", produces: [], consumes });
    }
    principals.sort((a, b) => a.name.localeCompare(b.name));
    return { mechanism: inputs.mechanism, principals, acls: principals.flatMap((p) => aclsFor(p, inputs.topicPrefix)), quotas: inputs.quotas };
}
