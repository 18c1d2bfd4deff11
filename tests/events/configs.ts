import * as fs from "fs";
import * as path from "path";
import { Catalog, parseCatalog } from "../../model/catalog";
import { Problems } from "../../model/errors";
import { EventsModel, loadTopicCatalog, parseEventsConfig, TopicCatalog } from "../../model/events";
import { Reader } from "../../model/reader";

/** Example `service-integration:events` values for a dev-like and a prod-like stack. */
export const DEV_EVENTS = {
    bootstrapServers: ["kafka-bootstrap.data-platform.svc:9092"],
    tlsEnabled: false,
    kafkaVersion: "4.2.0",
    replicationFactor: 1,
    minInsyncReplicas: 1,
    retention: { data: "1d", system: "3d", audit: "30d" },
};

export const PROD_EVENTS = {
    bootstrapServers: ["kafka-0.kafka.data-platform.svc:9093", "kafka-1.kafka.data-platform.svc:9093", "kafka-2.kafka.data-platform.svc:9093"],
    tlsEnabled: true,
    sasl: { mechanism: "scram-sha512", username: "platform-admin" },
    kafkaVersion: "4.2.0",
    replicationFactor: 3,
    minInsyncReplicas: 2,
    protect: true,
    retention: { audit: "730d" },
    topics: { "audit-api-calls": { config: { "max.message.bytes": "2097152" } } },
};

export function serviceCatalog(): Catalog {
    const file = path.join(__dirname, "..", "..", "catalog", "services.json");
    return parseCatalog(JSON.parse(fs.readFileSync(file, "utf8")), "catalog/services.json");
}

/** Parses an events config the way the program does and throws the ConfigError the program would. */
export function parseEvents(config: unknown, topics: TopicCatalog = loadTopicCatalog()): EventsModel {
    const problems = new Problems();
    const model = parseEventsConfig(Reader.root("service-integration:events", config, problems), serviceCatalog(), topics);
    problems.throwIfAny("stack config service-integration:events");
    return model;
}
