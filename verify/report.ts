import { CheckResult, CheckStatus } from "./result";

/** Items shown per check in the table; the JSON report always has all of them. */
export const MAX_TABLE_ITEMS = 15;

function wrap(text: string, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of text.split("\n")) {
        let line = "";
        for (const word of paragraph.split(/\s+/).filter((w) => w !== "")) {
            let w = word;
            while (w.length > width) {
                if (line !== "") {
                    lines.push(line);
                    line = "";
                }
                lines.push(w.slice(0, width));
                w = w.slice(width);
            }
            if (line === "") line = w;
            else if (line.length + 1 + w.length <= width) line += ` ${w}`;
            else {
                lines.push(line);
                line = w;
            }
        }
        lines.push(line);
    }
    return lines;
}

function pad(s: string, width: number): string {
    return s.length >= width ? s : s + " ".repeat(width - s.length);
}

export function summaryOf(results: readonly CheckResult[]): Record<CheckStatus, number> {
    const counts: Record<CheckStatus, number> = { PASS: 0, FAIL: 0, SKIP: 0, ERROR: 0 };
    for (const r of results) counts[r.status] += 1;
    return counts;
}

export function summaryLine(results: readonly CheckResult[]): string {
    const c = summaryOf(results);
    return `${results.length} checks: ${c.PASS} passed, ${c.FAIL} failed, ${c.ERROR} could not run, ${c.SKIP} not applicable`;
}

/** A plain-text table: check | status | detail (with items) | what to do. */
export function renderTable(results: readonly CheckResult[], totalWidth = 160): string {
    const wCheck = 30;
    const wStatus = 6;
    const rest = Math.max(60, totalWidth - wCheck - wStatus - 6);
    const wDetail = Math.floor(rest * 0.6);
    const wAction = rest - wDetail;
    const sep = "  ";
    const out: string[] = [];
    const head = [pad("CHECK", wCheck), pad("STATUS", wStatus), pad("DETAIL", wDetail), "WHAT TO DO"].join(sep);
    out.push(head, "-".repeat(Math.min(totalWidth, wCheck + wStatus + wDetail + wAction + 6)));
    for (const r of results) {
        const checkCol = [...wrap(r.title, wCheck), `(${r.id})`];
        const shown = r.items.slice(0, MAX_TABLE_ITEMS);
        const more = r.items.length - shown.length;
        const detailCol = [
            ...wrap(r.detail, wDetail),
            ...shown.flatMap((i) => wrap(`- ${i}`, wDetail)),
            ...(more > 0 ? [`... and ${more} more (see --json)`] : []),
        ];
        const actionCol = r.action === "" ? [] : wrap(r.action, wAction);
        const rows = Math.max(checkCol.length, detailCol.length, actionCol.length);
        for (let i = 0; i < rows; i++) {
            out.push([pad(checkCol[i] ?? "", wCheck), pad(i === 0 ? r.status : "", wStatus), pad(detailCol[i] ?? "", wDetail), actionCol[i] ?? ""].join(sep).trimEnd());
        }
        out.push("");
    }
    out.push(summaryLine(results));
    return `${out.join("\n")}\n`;
}

export interface JsonReport {
    readonly stack?: string;
    readonly startedAt: string;
    readonly durationMs: number;
    readonly ok: boolean;
    readonly summary: Record<CheckStatus, number>;
    readonly checks: readonly CheckResult[];
}

export function jsonReport(results: readonly CheckResult[], meta: { stack?: string; startedAt: Date; durationMs: number }): JsonReport {
    return {
        stack: meta.stack,
        startedAt: meta.startedAt.toISOString(),
        durationMs: meta.durationMs,
        ok: !results.some((r) => r.status === "FAIL" || r.status === "ERROR"),
        summary: summaryOf(results),
        checks: results,
    };
}
