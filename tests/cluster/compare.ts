/**
 * Declared fields against what the API server returns: every leaf the plan declares must be on the live object
 * with the same value. The server adds fields (defaults, status, managed fields): those are not compared. Values
 * the plan cannot know (secrets, shown as [redacted]) are skipped, and Kubernetes quantities compare by amount.
 */
import { REDACTED } from "../../offline/stack-config";

/** Secret data arrives as base64 `data`; the plan declares `stringData`, which the server never returns. */
const SKIPPED_TOP_LEVEL = new Set(["stringData", "status"]);

const QUANTITY = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const FACTOR: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

function quantity(v: unknown): number | undefined {
    const m = typeof v === "string" ? QUANTITY.exec(v) : undefined;
    return m ? Number(m[1]) * FACTOR[m[2] ?? ""] : undefined;
}

function sameLeaf(declared: unknown, live: unknown): boolean {
    if (declared === live) {
        return true;
    }
    const a = quantity(declared);
    const b = quantity(live);
    if (a !== undefined && b !== undefined) {
        return Math.abs(a - b) < 1e-9;
    }
    // A number declared where the server keeps an int-or-string (or the reverse).
    return typeof declared !== typeof live && String(declared) === String(live);
}

function walk(declared: unknown, live: unknown, at: string, out: string[]): void {
    if (declared === REDACTED || declared === undefined) {
        return;
    }
    // The server drops empty maps and lists (`matchLabels: {}`, `annotations: {}`): absent means the same.
    if (live === undefined && declared !== null && typeof declared === "object" && Object.keys(declared).length === 0) {
        return;
    }
    if (Array.isArray(declared)) {
        if (!Array.isArray(live)) {
            out.push(`${at}: declared a list, the server has ${JSON.stringify(live)}`);
            return;
        }
        declared.forEach((d, i) => walk(d, live[i], `${at}[${i}]`, out));
        return;
    }
    if (declared !== null && typeof declared === "object") {
        if (live === null || typeof live !== "object") {
            out.push(`${at}: declared an object, the server has ${JSON.stringify(live)}`);
            return;
        }
        for (const [k, v] of Object.entries(declared)) {
            walk(v, (live as Record<string, unknown>)[k], at === "" ? k : `${at}.${k}`, out);
        }
        return;
    }
    if (!sameLeaf(declared, live)) {
        out.push(`${at}: declared ${JSON.stringify(declared)}, the server has ${JSON.stringify(live)}`);
    }
}

/** Each declared field the live object lacks or holds differently, as `path: declared X, the server has Y`. */
export function declaredFieldDifferences(declared: object, live: object): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(declared)) {
        if (!SKIPPED_TOP_LEVEL.has(k)) {
            walk(v, (live as Record<string, unknown>)[k], k, out);
        }
    }
    return out;
}
