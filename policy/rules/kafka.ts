import { ResourceValidationPolicy } from "@pulumi/policy";
import { decideEnvironment, EnvironmentConfig, environmentProperties } from "./environment";
import { asObject, asString, known } from "./values";

/**
 * Production Kafka topics (`@pulumi/kafka` Topic) survive a broker loss and `pulumi destroy`:
 * replicationFactor ≥ 3, config `min.insync.replicas` ≥ 2 (unset means the broker default, 1), and the resource
 * carries `protect: true`. Checked in validateResource: @pulumi/policy 1.21 passes resource options to resource
 * validations too (`ResourceValidationArgs.opts.protect`, the same `PolicyResourceOptions` a stack validation's
 * `PolicyResource.opts` has), so the violation is reported on the topic itself, at preview, before anything changes.
 */

export const TOPIC_TYPE = "kafka:index/topic:Topic";
export const DEFAULT_MIN_REPLICATION_FACTOR = 3;
export const DEFAULT_MIN_INSYNC_REPLICAS = 2;

interface KafkaConfig extends EnvironmentConfig {
    readonly minReplicationFactor?: number;
    readonly minInsyncReplicas?: number;
}

function asInteger(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isInteger(value)) {
        return value;
    }
    if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) {
        return Number(value);
    }
    return undefined;
}

export const prodKafkaTopicDurability: ResourceValidationPolicy = {
    name: "prod-kafka-topic-durability",
    description: "Production: every Kafka topic has replicationFactor >= 3, config min.insync.replicas >= 2, and is protected (protect: true).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...environmentProperties,
            minReplicationFactor: { type: "integer", minimum: 1, default: DEFAULT_MIN_REPLICATION_FACTOR, description: "Lowest replicationFactor allowed." },
            minInsyncReplicas: { type: "integer", minimum: 1, default: DEFAULT_MIN_INSYNC_REPLICAS, description: "Lowest min.insync.replicas allowed." },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== TOPIC_TYPE) {
            return;
        }
        const config = args.getConfig<KafkaConfig>();
        const env = decideEnvironment(config, args.urn);
        if (!env.production) {
            args.notApplicable(`not a production stack (${env.reason})`);
        }
        const minRf = config.minReplicationFactor ?? DEFAULT_MIN_REPLICATION_FACTOR;
        const minIsr = config.minInsyncReplicas ?? DEFAULT_MIN_INSYNC_REPLICAS;
        const topic = `Kafka topic ${known(() => asString(args.props.name), undefined) ?? args.name}`;

        const rf = asInteger(args.props.replicationFactor);
        if (rf === undefined || rf < minRf) {
            reportViolation(`${topic}: replicationFactor is ${rf ?? "not set"}; production requires at least ${minRf} (events.replicationFactor in Pulumi.<stack>.yaml).`);
        }
        const rawIsr = asObject(args.props.config)?.["min.insync.replicas"];
        const isr = asInteger(rawIsr);
        if (isr === undefined || isr < minIsr) {
            const shown = rawIsr === undefined ? "not set (broker default 1)" : String(rawIsr);
            reportViolation(`${topic}: config min.insync.replicas is ${shown}; production requires at least ${minIsr} (events.minInsyncReplicas in Pulumi.<stack>.yaml).`);
        }
        if (args.opts.protect !== true) {
            reportViolation(`${topic}: not protected; production topics carry protect: true so pulumi destroy or a replacement cannot drop their data (events.protect in Pulumi.<stack>.yaml).`);
        }
    },
};
