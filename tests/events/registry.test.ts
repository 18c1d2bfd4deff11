import { MockClient } from "@confluentinc/schemaregistry/dist/mock-schemaregistry-client";
import { describe, expect, it } from "vitest";
import { loadTopicCatalog } from "../../model/events";
import { EventDecoder } from "../../producer/decode";
import { EventProducer } from "../../producer/producer";
import { registrySchemaText, RegistrySchemaIds, RegistrySchemaLookup, valueSubject } from "../../producer/registry";
import { SchemaSet } from "../../producer/schemas";
import { EventTransport, PartitionAck, TopicBatch, TopicMetadata } from "../../producer/transport";
import { SAMPLES } from "./samples";

/**
 * Wiring only (the Confluent client's own MockClient stands in for a registry): the producer looks ids up under
 * `<topic>-value` and frames values with them, refuses to start when a subject lacks its schema, and the decoder
 * resolves an id it has never seen on read. The same on the real registry: registry.registry.test.ts.
 */

const catalog = loadTopicCatalog();
const schemas = SchemaSet.load();

class NullTransport implements EventTransport {
    async connect(topics: readonly string[]): Promise<ReadonlyMap<string, TopicMetadata>> {
        return new Map(topics.map((t) => [t, { partitions: 3 }]));
    }
    async send(batches: readonly TopicBatch[]): Promise<PartitionAck[]> {
        return batches.map((b) => ({ topic: b.topic, partition: 0, baseOffset: "0" }));
    }
    async disconnect(): Promise<void> {}
}

describe("schema ids from the registry (wiring, MockClient)", () => {
    it("frames values with the id registered under <topic>-value, and the decoder resolves it on read", async () => {
        const client = new MockClient({ baseURLs: ["mock://"] });
        const name = "com.carbon254.events.audit.UserAction";
        const id = await client.register(valueSubject("audit-user-actions"), { schemaType: "AVRO", schema: registrySchemaText(schemas.type(name)) }, false);
        const producer = new EventProducer({ source: "portal-services", topics: catalog, schemas, produces: ["audit-user-actions"], transport: new NullTransport(), schemaIds: new RegistrySchemaIds({ url: "mock://", client }) });
        await producer.connect();
        const { eventType, payload } = SAMPLES["audit-user-actions"];
        const m = producer.prepare("audit-user-actions", eventType, payload);
        expect(m.value[0]).toBe(0);
        expect(m.value.readInt32BE(1)).toBe(id);
        expect(Object.keys(m.headers)).toEqual(["traceparent"]);
        const decoder = new EventDecoder(schemas, {}, new RegistrySchemaLookup({ url: "mock://", client }));
        expect(() => decoder.decode({ value: m.value })).toThrow(/unknown schema id/);
        const decoded = await decoder.decodeResolving({ value: m.value });
        expect(decoded.schema).toBe(name);
        expect(decoded.event).toMatchObject(payload);
    });

    it("refuses to connect when a subject does not hold the current schema, naming the subject", async () => {
        const client = new MockClient({ baseURLs: ["mock://"] });
        const producer = new EventProducer({ source: "x", topics: catalog, schemas, produces: ["data-ingestion"], transport: new NullTransport(), schemaIds: new RegistrySchemaIds({ url: "mock://", client }) });
        await expect(producer.connect()).rejects.toThrow(/data-ingestion-value \(com\.carbon254\.events\.data\.DataIngestion\)/);
    });
});
