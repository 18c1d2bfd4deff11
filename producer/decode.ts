import * as avro from "avsc";
import { HEADERS } from "./producer";
import { RegistrySchemaLookup } from "./registry";
import { fingerprintOf, SchemaSet, SchemaVersion } from "./schemas";
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

    /**
     * `registry`: where writer schemas of the Confluent wire format come from; an id the decoder has not seen is
     * fetched on read by {@link decodeResolving}. `schemaIds`: ids known up front (Avro full name → id of its current version).
     */
    constructor(
        private readonly schemas: SchemaSet = SchemaSet.load(),
        schemaIds: Readonly<Record<string, number>> = {},
        private readonly registry?: RegistrySchemaLookup,
    ) {
        for (const [name, id] of Object.entries(schemaIds)) {
            this.byId.set(id, schemas.currentVersion(name));
        }
    }

    /** Like {@link decode}, resolving a schema id it does not know through the registry first. */
    async decodeResolving(message: IncomingMessage): Promise<DecodedMessage> {
        const value = message.value;
        if (this.registry !== undefined && value !== null && value.length >= 5 && value[0] === 0) {
            const id = value.readInt32BE(1);
            if (!this.byId.has(id)) {
                const writer = await this.registry.byId(id);
                const fingerprint = fingerprintOf(writer.type);
                const known = this.schemas.byFingerprint(fingerprint);
                this.byId.set(id, known ?? { name: writer.name, version: 0, file: `(registry id ${id})`, type: writer.type, fingerprint });
            }
        }
        return this.decode(message);
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
                throw new Error(`unknown schema id ${id}: decode with decodeResolving() and a registry, or pass the id in schemaIds`);
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
