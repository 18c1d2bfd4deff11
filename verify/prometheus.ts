import { VerifyContext } from "./context";
import { getEndpoint } from "./endpoint";
import { excerpt, joinUrl, jsonBody } from "./http";
import { CannotRun } from "./result";

/**
 * Instant queries against Prometheus' HTTP API: `GET /api/v1/query?query=...` answers `{"status": "success",
 * "data": {"resultType": "vector", "result": [{"metric": {...}, "value": [<unix time>, "<value>"]}]}}`, or
 * `{"status": "error", "errorType", "error"}` with 400/422/503
 * (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries).
 */

export interface VectorSample {
    readonly metric: Readonly<Record<string, string>>;
    readonly value: readonly [number, string];
}

const PORT_FORWARD = "port-forward Prometheus (kubectl -n monitoring port-forward svc/prometheus 9090) and pass --prometheus-url http://127.0.0.1:9090";

/** `--prometheus-url` / PROMETHEUS_URL, else the `observability.prometheusUrl` output. */
export function prometheusBase(ctx: VerifyContext): string {
    let fromOutputs: string | undefined;
    try {
        fromOutputs = ctx.section("observability")?.prometheusUrl;
    } catch {
        fromOutputs = undefined;
    }
    const base = ctx.endpoints.prometheusUrl ?? fromOutputs;
    if (base === undefined) {
        throw new CannotRun("no Prometheus URL: neither --prometheus-url / PROMETHEUS_URL nor observability.prometheusUrl", PORT_FORWARD);
    }
    return base;
}

export async function query(ctx: VerifyContext, base: string, expr: string): Promise<VectorSample[]> {
    const url = joinUrl(base, `/api/v1/query?query=${encodeURIComponent(expr)}`);
    const { res } = await getEndpoint(ctx, url, { what: "Prometheus", action: PORT_FORWARD });
    const body = jsonBody(res) as { status?: string; data?: { resultType?: string; result?: unknown }; error?: string; errorType?: string } | undefined;
    if (body?.status !== "success") {
        throw new CannotRun(
            `Prometheus answered the query with ${res.status}${body?.error ? ` (${body.errorType}: ${body.error})` : `: ${excerpt(res.body, 160)}`}`,
            "check that --prometheus-url is Prometheus' base URL (the one serving /api/v1/query)",
        );
    }
    if (body.data?.resultType !== "vector" || !Array.isArray(body.data.result)) {
        throw new CannotRun(`Prometheus answered a ${String(body.data?.resultType)} where a vector was expected`, "check --prometheus-url");
    }
    return body.data.result as VectorSample[];
}
