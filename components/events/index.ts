import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { EVENTS_SASL_PASSWORD_KEY, EventsModel } from "../../model/events";
import { KafkaAccess } from "../../model/kafka-access";
import { SchemaSet } from "../../producer/schemas";
import { SchemaSubject, subjectInputs } from "./registry";

export interface EventTopicsArgs {
    /** The validated events model (`parseEventsConfig`): connection, replication, retention, protection, topics. */
    readonly model: EventsModel;
    /**
     * SASL password, required when `model.connection.sasl` is set: pass `config.requireSecret("kafkaSaslPassword")`.
     * It is wrapped in `pulumi.secret` again here, so a plain value can never reach the state in clear text.
     */
    readonly saslPassword?: pulumi.Input<string>;
    /** `events.clientCertificate`: PEM client certificate and key (secrets kafkaClientCert/kafkaClientKey). */
    readonly clientCert?: pulumi.Input<string>;
    readonly clientKey?: pulumi.Input<string>;
    /** The event schemas (default: schemas/), registered when the model names a schema registry. */
    readonly schemas?: SchemaSet;
}

/**
 * The platform's Kafka topics, one `kafka.Topic` per topic-catalog entry, through an explicit Kafka provider built
 * from the model (never from ambient `kafka:*` config). Topic names are explicit (no random suffix), so the names the
 * producer library routes to are the names that exist; in prod every topic is protected.
 */
export class EventTopics extends pulumi.ComponentResource {
    /** Kafka topic name per catalog key (e.g. `data-ingestion` → `data-ingestion`, or `dev.data-ingestion` with a prefix). */
    readonly topicNames: Record<string, pulumi.Output<string>>;
    readonly topics: Record<string, kafka.Topic>;
    readonly provider: kafka.Provider;
    readonly bootstrapServers: pulumi.Output<string[]>;
    private readonly model: EventsModel;
    /** SCRAM password per Kafka user of the catalog (secret outputs; empty when the cluster does not use SCRAM). */
    readonly credentials: Record<string, pulumi.Output<string>> = {};
    /** Registry id of each topic's current schema (catalog key → id), when `events.schemaRegistryUrl` is set. */
    readonly schemaIds: Record<string, pulumi.Output<number>> = {};

    constructor(name: string, args: EventTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:events:EventTopics", name, {}, opts);
        const { model } = args;
        this.model = model;
        const conn = model.connection;
        if (conn.sasl && args.saslPassword === undefined) {
            throw new Error(
                `EventTopics ${name}: service-integration:events.sasl is set (user ${conn.sasl.username}) but no password was passed; ` +
                    `set it with \`pulumi config set --secret ${EVENTS_SASL_PASSWORD_KEY} <password>\` and pass config.requireSecret("${EVENTS_SASL_PASSWORD_KEY}")`,
            );
        }

        this.provider = new kafka.Provider(
            `${name}-kafka`,
            {
                bootstrapServers: [...conn.bootstrapServers],
                tlsEnabled: conn.tlsEnabled,
                // Explicit, so KAFKA_SKIP_VERIFY in someone's environment cannot turn certificate checks off.
                skipTlsVerify: false,
                kafkaVersion: conn.kafkaVersion,
                // A private CA is trusted explicitly (the system bundle alone fails for it); mTLS from secrets.
                ...(conn.caCertificate !== undefined ? { caCert: conn.caCertificate } : {}),
                ...(conn.clientCertificate && args.clientCert !== undefined && args.clientKey !== undefined
                    ? { clientCert: pulumi.secret(args.clientCert), clientKey: pulumi.secret(args.clientKey) }
                    : {}),
                ...(conn.sasl
                    ? {
                          saslMechanism: conn.sasl.mechanism,
                          saslUsername: conn.sasl.username,
                          saslPassword: pulumi.secret(args.saslPassword as pulumi.Input<string>),
                      }
                    : {}),
            },
            { parent: this },
        );

        this.topics = {};
        this.topicNames = {};
        for (const topic of model.topics) {
            const resource = new kafka.Topic(
                `${name}-${topic.key}`,
                {
                    name: topic.name,
                    partitions: topic.partitions,
                    replicationFactor: topic.replicationFactor,
                    config: { ...topic.config },
                },
                { parent: this, provider: this.provider, protect: model.protect },
            );
            this.topics[topic.key] = resource;
            this.topicNames[topic.key] = resource.name;
        }
        this.bootstrapServers = pulumi.output([...conn.bootstrapServers]);
        if (model.access !== undefined) {
            this.declareAccess(name, model.access, Object.values(this.topics));
        }
        if (model.schemaRegistryUrl !== undefined) {
            this.declareSubjects(name, model.schemaRegistryUrl, args.schemas ?? SchemaSet.load());
        }

        this.registerOutputs({ topicNames: this.topicNames, bootstrapServers: this.bootstrapServers });
    }

    /**
     * One subject per topic (`<kafka topic>-value`, the name the producer library looks ids up under), at the topic
     * family's compatibility level, with every recorded version then the current schema; `preview` shows an
     * incompatible change as the registry's own error (the provider's check).
     */
    private declareSubjects(name: string, url: string, schemas: SchemaSet): void {
        for (const topic of this.model.topics) {
            const subject = new SchemaSubject(`${name}-subject-${topic.key}`, subjectInputs(url, topic, schemas), { parent: this });
            this.schemaIds[topic.key] = subject.schemaId;
        }
    }

    /**
     * The catalog's Kafka identities (model/kafka-access.ts): a SCRAM user per principal with a generated password,
     * its ACLs and its quotas. ACLs wait for the topics, so a first `up` never grants access to a name before the
     * topic exists. ACL strings: Mongey/terraform-provider-kafka kafka/kafka_acls.go; quota entity types (user, client-id, ip): @pulumi/kafka 3.13.2 quota.d.ts;
     * quota keys: Kafka 4.2 QuotaConfig (producer_byte_rate, consumer_byte_rate).
     */
    private declareAccess(name: string, access: KafkaAccess, topics: readonly kafka.Topic[]): void {
        const opts = { parent: this, provider: this.provider };
        for (const p of access.principals) {
            const password = new random.RandomPassword(`${name}-kafka-user-${p.name}`, { length: 32, special: false }, { parent: this });
            new kafka.UserScramCredential(
                `${name}-user-${p.name}`,
                { username: p.name, scramMechanism: access.mechanism, scramIterations: 8192, password: pulumi.secret(password.result) },
                opts,
            );
            this.credentials[p.name] = pulumi.secret(password.result);
            new kafka.Quota(
                `${name}-quota-${p.name}`,
                {
                    entityType: "user",
                    entityName: p.name,
                    config: { producer_byte_rate: String(access.quotas.producerByteRate), consumer_byte_rate: String(access.quotas.consumerByteRate) },
                },
                opts,
            );
        }
        for (const acl of access.acls) {
            new kafka.Acl(
                `${name}-acl-${acl.principal.slice("User:".length)}-${acl.resourceType}-${acl.operation}-${acl.resourceName}`.toLowerCase(),
                {
                    aclPrincipal: acl.principal,
                    aclHost: acl.host,
                    aclOperation: acl.operation,
                    aclPermissionType: acl.permission,
                    aclResourceType: acl.resourceType,
                    aclResourceName: acl.resourceName,
                    resourcePatternTypeFilter: acl.patternType,
                },
                { ...opts, dependsOn: [...topics] },
            );
        }
    }
}

/** The `events` stack output: everything a consumer or the verify command needs, nothing secret. */
export interface EventsOutputs {
    readonly bootstrapServers: string[];
    readonly tlsEnabled: boolean;
    readonly sasl?: { readonly mechanism: string; readonly username: string };
    readonly topicPrefix: string;
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    /** Catalog key → Kafka topic name. */
    readonly topicNames: Record<string, string>;
    readonly topics: Record<string, { name: string; partitions: number; replicationFactor: number; config: Record<string, string> }>;
}

export function eventsOutputs(model: EventsModel): EventsOutputs {
    return {
        bootstrapServers: [...model.connection.bootstrapServers],
        tlsEnabled: model.connection.tlsEnabled,
        ...(model.connection.sasl !== undefined ? { sasl: { mechanism: model.connection.sasl.mechanism, username: model.connection.sasl.username } } : {}),
        topicPrefix: model.topicPrefix,
        replicationFactor: model.replicationFactor,
        minInsyncReplicas: model.minInsyncReplicas,
        topicNames: Object.fromEntries(model.topics.map((t) => [t.key, t.name])),
        topics: Object.fromEntries(model.topics.map((t) => [t.key, { name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, config: { ...t.config } }])),
    };
}
