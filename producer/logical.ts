import * as avro from "avsc";

/**
 * The Avro logical types the event schemas use, so avsc validates them (not just their underlying type) and keeps
 * the `logicalType` attribute when it writes a schema back out (history snapshots, schema registration).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `{"type": "long", "logicalType": "timestamp-millis"}`: accepts a Date or epoch milliseconds, decodes to epoch milliseconds. */
export class TimestampMillisType extends avro.types.LogicalType {
    protected _fromValue(val: number): number {
        return val;
    }

    protected _toValue(val: unknown): number | undefined {
        if (val instanceof Date) {
            const ms = val.getTime();
            return Number.isNaN(ms) ? undefined : ms;
        }
        return typeof val === "number" && Number.isSafeInteger(val) ? val : undefined;
    }

    protected _resolve(type: avro.Type): ((v: number) => number) | undefined {
        if (type.typeName === "logical:timestamp-millis" || type.typeName === "long" || type.typeName === "int") {
            return (v: number) => v;
        }
        return undefined;
    }
}

/** `{"type": "string", "logicalType": "uuid"}`: only RFC 4122 textual UUIDs pass validation. */
export class UuidType extends avro.types.LogicalType {
    protected _fromValue(val: string): string {
        return val;
    }

    protected _toValue(val: unknown): string | undefined {
        return typeof val === "string" && UUID.test(val) ? val : undefined;
    }

    protected _resolve(type: avro.Type): ((v: string) => string) | undefined {
        if (type.typeName === "logical:uuid" || type.typeName === "string") {
            return (v: string) => v;
        }
        return undefined;
    }
}

export const LOGICAL_TYPES = {
    "timestamp-millis": TimestampMillisType,
    uuid: UuidType,
} as const;
