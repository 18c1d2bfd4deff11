import { randomBytes } from "crypto";

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) for events: the producer copies the caller's
 * `traceparent` (and `tracestate`) into the message headers unchanged, so a consumer's span becomes a child of the
 * span that emitted the event; when the caller has none it starts a fresh, unsampled trace so consumers can still
 * group what one event caused.
 */

export interface TraceContext {
    /** 32 lower-case hex, not all zeros. */
    readonly traceId: string;
    /** 16 lower-case hex, not all zeros (the parent-id field). */
    readonly spanId: string;
    /** 2 hex; bit 0 = sampled. */
    readonly flags: string;
}

export const TRACEPARENT_HEADER = "traceparent";
export const TRACESTATE_HEADER = "tracestate";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Why a traceparent value is invalid, or undefined when it is valid. */
export function traceparentProblem(value: string): string | undefined {
    const m = TRACEPARENT.exec(value);
    if (!m) {
        return "must look like 00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags> (lower case)";
    }
    if (m[1] === "ff") {
        return "uses version ff, which W3C Trace Context forbids";
    }
    if (m[1] === "00" && m[5] !== undefined) {
        return "has data after the flags, which version 00 does not allow";
    }
    if (/^0+$/.test(m[2])) {
        return "has an all-zero trace-id";
    }
    if (/^0+$/.test(m[3])) {
        return "has an all-zero parent-id";
    }
    return undefined;
}

export function parseTraceparent(value: string): TraceContext | undefined {
    if (traceparentProblem(value) !== undefined) {
        return undefined;
    }
    const [, , traceId, spanId, flags] = TRACEPARENT.exec(value)!;
    return { traceId, spanId, flags };
}

export function formatTraceparent(ctx: TraceContext): string {
    return `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags}`;
}

// Random ids come from a pool refilled 4 KiB at a time: one randomBytes call per event costs more than encoding it.
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = POOL_SIZE;

function randomHex(bytes: number): string {
    for (;;) {
        if (poolOffset + bytes > pool.length) {
            pool = randomBytes(POOL_SIZE);
            poolOffset = 0;
        }
        const hex = pool.toString("hex", poolOffset, poolOffset + bytes);
        poolOffset += bytes;
        if (!/^0+$/.test(hex)) {
            return hex;
        }
    }
}

/** A new root context, not sampled: no tracer recorded a span for it. */
export function newTraceContext(): TraceContext {
    return { traceId: randomHex(16), spanId: randomHex(8), flags: "00" };
}
