import * as avro from "avsc";
// The client module alone: the package index also loads every KMS driver (AWS, Azure, GCP, Vault) at import time.
import { Client, SchemaRegistryClient } from "@confluentinc/schemaregistry/dist/schemaregistry-client";
import { LOGICAL_TYPES } from "./logical";
import { SchemaIdSource } from "./producer";
import { registrySchemaText, valueSubject } from "./schemas";

/**
 * The schema registry for the producer and the decoder, through Confluent's maintained client
 * (@confluentinc/schemaregistry 1.10.1, which caches ids and schemas itself) against any Confluent-compatible API
 * (the tests run Apicurio Registry 2.4's ccompat API: scripts/registry). Subjects follow Confluent's
 * TopicNameStrategy, `<topic>-value` (one schema per topic, as the topic catalog requires); the Pulumi program
 * registers them (components/events/registry), so producers only look ids up and never register: a schema the
 * program did not register fails connect() instead of creating a version nobody reviewed.
 */

export { registrySchemaText, valueSubject };

export interface RegistryOptions {
    /** e.g. http://127.0.0.1:18081/apis/ccompat/v7 for Apicurio. */
    readonly url: string;
    readonly basicAuth?: { readonly username: string; readonly password: string };
    /** Test seam: another implementation of the client's interface (e.g. its MockClient). */
    readonly client?: Client;
}

function clientFor(options: RegistryOptions): Client {
    if (options.client !== undefined) {
        return options.client;
    }
    return new SchemaRegistryClient({
        baseURLs: [options.url],
        cacheCapacity: 1000,
        maxRetries: 2,
        retriesWaitMs: 200,
        retriesMaxWaitMs: 2_000,
        ...(options.basicAuth !== undefined ? { basicAuthCredentials: { credentialsSource: "USER_INFO" as const, userInfo: `${options.basicAuth.username}:${options.basicAuth.password}` } } : {}),
    });
}

function message(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

/** Schema ids for the producer: looked up under each topic's subject (POST /subjects/{subject}). */
export class RegistrySchemaIds implements SchemaIdSource {
    private readonly client: Client;

    constructor(private readonly options: RegistryOptions) {
        this.client = clientFor(options);
    }

    async idsFor(schemas: readonly { readonly name: string; readonly type: avro.Type; readonly topic: string }[]): Promise<ReadonlyMap<string, number>> {
        const out = new Map<string, number>();
        const problems: string[] = [];
        await Promise.all(
            schemas.map(async (s) => {
                const subject = valueSubject(s.topic);
                try {
                    out.set(s.name, await this.client.getId(subject, { schemaType: "AVRO", schema: registrySchemaText(s.type) }, false));
                } catch (e) {
                    problems.push(`${subject} (${s.name}): ${message(e)}`);
                }
            }),
        );
        if (problems.length > 0) {
            throw new Error(
                `the schema registry ${this.options.url} does not hold the current schema of ${problems.length} subject(s); ` +
                    `register them with the Pulumi program (pulumi up) before producing:\n${problems.sort().map((p) => `  - ${p}`).join("\n")}`,
            );
        }
        return out;
    }
}

/** A writer schema the decoder fetched by id (GET /schemas/ids/{id}). */
export interface RegistryWriterSchema {
    readonly id: number;
    readonly name: string;
    readonly type: avro.Type;
}

/** Writer schemas by id, for the decoder: an id it has not seen is fetched once, then cached by the client. */
export class RegistrySchemaLookup {
    private readonly client: Client;
    private readonly parsed = new Map<number, RegistryWriterSchema>();

    constructor(options: RegistryOptions) {
        this.client = clientFor(options);
    }

    async byId(id: number): Promise<RegistryWriterSchema> {
        const known = this.parsed.get(id);
        if (known !== undefined) {
            return known;
        }
        let text: string;
        try {
            text = (await this.client.getBySubjectAndId("", id)).schema;
        } catch (e) {
            throw new Error(`schema id ${id} is unknown to the schema registry: ${message(e)}`);
        }
        const type = avro.Type.forSchema(JSON.parse(text) as avro.Schema, { logicalTypes: LOGICAL_TYPES });
        if (type.name === undefined) {
            throw new Error(`schema id ${id} is not a named Avro type`);
        }
        const entry = { id, name: type.name, type };
        this.parsed.set(id, entry);
        return entry;
    }
}
