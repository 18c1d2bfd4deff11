import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import { EVENTS_SASL_PASSWORD_KEY, EventsModel } from "../../model/events";

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

    constructor(name: string, args: EventTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:events:EventTopics", name, {}, opts);
        const { model } = args;
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

        this.registerOutputs({ topicNames: this.topicNames, bootstrapServers: this.bootstrapServers });
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
