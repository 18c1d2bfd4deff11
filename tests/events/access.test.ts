import { describe, expect, it } from "vitest";
import { Problems } from "../../model/errors";
import { AccessInputs, deriveKafkaAccess } from "../../model/kafka-access";
import { PROD_EVENTS, parseEvents } from "./configs";

/** The derivation of Kafka users and ACLs from the catalogs, and the bad inputs it refuses (all at once). */

const base: AccessInputs = {
    services: [
        { name: "writer", at: "services.writer", produces: ["audit-api-calls", "data-ingestion"], consumes: [] },
        { name: "reader", at: "services.reader", produces: [], consumes: ["data-ingestion"] },
        { name: "bystander", at: "services.bystander", produces: [], consumes: [] },
    ],
    topics: [
        { key: "audit-api-calls", name: "dev.audit-api-calls", family: "audit" },
        { key: "data-ingestion", name: "dev.data-ingestion", family: "data" },
    ],
    families: { audit: { readers: ["auditor"] }, data: { readers: [] } },
    topicPrefix: "dev.",
    mechanism: "SCRAM-SHA-512",
    quotas: { producerByteRate: 1024, consumerByteRate: 2048 },
};

function derive(inputs: AccessInputs): { access: ReturnType<typeof deriveKafkaAccess>; problems: string } {
    const problems = new Problems();
    const access = deriveKafkaAccess(inputs, problems);
    let text = "";
    try {
        problems.throwIfAny("catalog");
    } catch (e) {
        text = (e as Error).message;
    }
    return { access, problems: text };
}

describe("Kafka access from the catalogs", () => {
    it("producers write, consumers read, the auditor reads audit topics, a service without lists gets nothing; names carry the stack prefix", () => {
        const { access, problems } = derive(base);
        expect(problems).toBe("");
        expect(access.principals.map((p) => [p.name, p.kind, p.produces, p.consumes])).toEqual([
            ["auditor", "reader", [], ["dev.audit-api-calls"]],
            ["reader", "service", [], ["dev.data-ingestion"]],
            ["writer", "service", ["dev.audit-api-calls", "dev.data-ingestion"], []],
        ]);
        const ops = (who: string): string[] => access.acls.filter((a) => a.principal === `User:${who}`).map((a) => `${a.operation} ${a.resourceType}:${a.resourceName}`);
        expect(ops("writer")).toEqual(["Write Topic:dev.audit-api-calls", "Describe Topic:dev.audit-api-calls", "Write Topic:dev.data-ingestion", "Describe Topic:dev.data-ingestion"]);
        expect(ops("reader")).toEqual(["Read Topic:dev.data-ingestion", "Describe Topic:dev.data-ingestion", "Read Group:dev.reader."]);
        expect(ops("bystander")).toEqual([]);
    });

    it("refuses, naming the entry, the value and the fix: an unknown topic, a duplicate, and an audit topic read by a service that is not a reader", () => {
        const { problems } = derive({
            ...base,
            services: [
                { name: "writer", at: "services.writer", produces: ["data-ingestoin", "data-ingestion", "data-ingestion"], consumes: ["audit-api-calls"] },
            ],
        });
        expect(problems).toContain('services.writer.produces[0]: is not a topic of the topic catalog (found "data-ingestoin")');
        expect(problems).toContain("use one of audit-api-calls, data-ingestion");
        expect(problems).toContain("services.writer.produces[2]: is listed twice");
        expect(problems).toContain("services.writer.consumes[0]: is an audit topic: audit topics are write-only for their producers and readable only by the family's readers (auditor)");
        expect(problems).toContain("add writer to families.audit.readers in catalog/topics.json");
    });

    it("the real catalogs: SCRAM-SHA-512 users when the stack authenticates; PLAIN cannot carry them", () => {
        const access = parseEvents(PROD_EVENTS).access!;
        expect(access.mechanism).toBe("SCRAM-SHA-512");
        expect(access.principals.find((p) => p.name === "audit-reviewer")!.consumes).toEqual(["audit-user-actions", "audit-api-calls", "audit-data-access", "audit-admin-operations"]);
        expect(() => parseEvents({ ...PROD_EVENTS, sasl: { mechanism: "plain", username: "admin" } })).toThrow(/sasl\.mechanism: cannot carry the catalog's Kafka users/);
    });
});
