import * as avro from "avsc";
import { HEADERS } from "./producer";
import { SchemaSet, SchemaVersion } from "./schemas";
import { TRACEPARENT_HEADER } from "./trace";

/**
 * Decoding for consumers (and the tests): finds the writer schema (Confluent schema id, or the fingerprint header
 * against every version under schemas/ and schemas/history/) and reads the event into the current schema, so a
 * consumer built today reads events written with any earlier schema version.
 */

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

export interface IncomingMessage {
    readonly value: Buffer | null;
    readonly key?: Buffer | null;
    readonly headers?: Readonly<Record<string, HeaderValue>>;
}

export interface DecodedMessage {
    /** Avro full name of the record. */
    readonly schema: string;
    /** Version of the schema the producer wrote with. */
    readonly writerVersion: number;
    readonly event: Record<string, unknown>;
    readonly headers: Readonly<Record<string, string>>;
    readonly traceparent?: string;
    readonly key?: string;
}

export function headerString(value: HeaderValue): string | undefined {
    if (value === undefined) {
        return undefined;
    }
    const v = Array.isArray(value) ? value[value.length - 1] : value;
    return typeof v === "string" ? v : v.toString("utf8");
}

export class EventDecoder {
    private readonly byId = new Map<number, SchemaVersion>();
    private readonly resolvers = new Map<string, { reader: avro.Type; resolver: ReturnType<avro.Type["createResolver"]> | undefined }>();

    /** `schemaIds`: the same map the producer got (Avro full name → Schema Registry id of its current version). */
    constructor(
        private readonly schemas: SchemaSet = SchemaSet.load(),
        schemaIds: Readonly<Record<string, number>> = {},
    ) {
        for (const [name, id] of Object.entries(schemaIds)) {
            this.byId.set(id, schemas.currentVersion(name));
        }
    }

    decode(message: IncomingMessage): DecodedMessage {
        if (message.value === null) {
            throw new Error("message has no value (a tombstone), not an event");
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
            const s = headerString(v);
            if (s !== undefined) {
                headers[k] = s;
            }
        }
        let writer: SchemaVersion | undefined;
        let body: Buffer;
        const fp = headers[HEADERS.fingerprint];
        if (fp !== undefined) {
            writer = this.schemas.byFingerprint(fp.replace(/^sha256:/, ""));
            if (!writer) {
                throw new Error(`unknown writer schema fingerprint ${fp}: is schemas/history up to date?`);
            }
            body = message.value;
        } else if (message.value.length >= 5 && message.value[0] === 0) {
            const id = message.value.readInt32BE(1);
            writer = this.byId.get(id);
            if (!writer) {
                throw new Error(`unknown schema id ${id}: pass the producer's schemaIds to the decoder`);
            }
            body = message.value.subarray(5);
        } else {
            throw new Error(`message has neither a ${HEADERS.fingerprint} header nor the Confluent magic byte`);
        }
        const cacheKey = writer.fingerprint;
        let entry = this.resolvers.get(cacheKey);
        if (!entry) {
            const reader = this.schemas.type(writer.name);
            entry = { reader, resolver: reader === writer.type ? undefined : reader.createResolver(writer.type) };
            this.resolvers.set(cacheKey, entry);
        }
        const event = entry.reader.fromBuffer(body, entry.resolver) as Record<string, unknown>;
        return {
            schema: writer.name,
            writerVersion: writer.version,
            event,
            headers,
            traceparent: headers[TRACEPARENT_HEADER],
            key: message.key ? message.key.toString("utf8") : undefined,
        };
    }
}
