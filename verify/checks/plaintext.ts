import { plaintextPortsOf } from "../../model/workloads";
import { anyOf, rate, sel, sumBy } from "../../components/observability/promql";
import { Check, VerifyContext } from "../context";
import { prometheusBase, query } from "../prometheus";
import { Outcome, fail, pass, skip } from "../result";

/**
 * No plaintext traffic reaches STRICT namespaces, according to the sidecars' own metrics in Prometheus.
 *
 * Istio standard metrics (https://istio.io/latest/docs/reference/config/metrics/): `connection_security_policy` is
 * `mutual_tls` or `none` when the *destination* proxy reports, and `unknown` for source reports — so only
 * `reporter="destination"` series are judged. HTTP traffic counts in `istio_requests_total`, TCP-proxied traffic in
 * `istio_tcp_connections_opened_total`.
 *
 * Prometheus `GET /api/v1/query?query=...` answers `{"status": "success", "data": {"resultType": "vector",
 * "result": [{"metric": {...}, "value": [<unix time>, "<value>"]}]}}`, or `{"status": "error", "errorType",
 * "error"}` with 400/422/503 (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries).
 *
 * Series into workloads whose catalog service declares `plaintextPorts` (e.g. kong-proxy behind a load balancer) are
 * listed as allowed: those ports stay PERMISSIVE by design.
 */

export const PLAINTEXT_WINDOW = "5m";
const BY = ["destination_workload_namespace", "destination_workload", "destination_app", "source_workload_namespace", "source_workload"];

export function plaintextQueries(namespaces: readonly string[]): { http: string; tcp: string; total: string } {
    const dest: [string, "=" | "=~" | "!=", string][] = [
        ["reporter", "=", "destination"],
        ["destination_workload_namespace", "=~", anyOf(namespaces)],
    ];
    const notMtls: [string, "!=", string] = ["connection_security_policy", "!=", "mutual_tls"];
    return {
        http: sumBy(BY, rate(sel("istio_requests_total", [...dest, notMtls]), PLAINTEXT_WINDOW)),
        tcp: sumBy(BY, rate(sel("istio_tcp_connections_opened_total", [...dest, notMtls]), PLAINTEXT_WINDOW)),
        total: sumBy([], rate(sel("istio_requests_total", dest), PLAINTEXT_WINDOW)),
    };
}

export const plaintextCheck: Check = {
    id: "plaintext",
    title: "No plaintext into STRICT namespaces",
    async run(ctx: VerifyContext): Promise<Outcome> {
        const mesh = ctx.section("mesh");
        if (mesh === undefined) {
            return skip("the stack exports no `mesh` output (the mesh component is off)");
        }
        const strict = Object.entries(mesh.namespaceMtls)
            .filter(([, m]) => m === "STRICT")
            .map(([ns]) => ns);
        if (strict.length === 0) {
            return skip("no namespace is STRICT in this stack");
        }
        const base = prometheusBase(ctx);
        const q = plaintextQueries(strict);
        const [http, tcp, total] = await Promise.all([query(ctx, base, q.http), query(ctx, base, q.tcp), query(ctx, base, q.total)]);
        let allowedApps: Set<string>;
        try {
            const services = ctx.catalog().services;
            allowedApps = new Set(services.filter((s) => plaintextPortsOf(s, services).length > 0).map((s) => `${s.namespace}/${s.app}`));
        } catch {
            allowedApps = new Set();
        }
        const offenders: string[] = [];
        const allowed: string[] = [];
        for (const [kind, samples] of [["HTTP", http], ["TCP", tcp]] as const) {
            for (const s of samples) {
                const v = Number(s.value[1]);
                if (!(v > 0)) continue;
                const m = s.metric;
                const line = `${kind} ${m.source_workload_namespace ?? "?"}/${m.source_workload ?? "unknown"} → ${m.destination_workload_namespace}/${m.destination_workload ?? "?"}: ${v.toPrecision(3)}/s without mTLS`;
                if (allowedApps.has(`${m.destination_workload_namespace}/${m.destination_app}`)) {
                    allowed.push(`${line} (allowed: ${m.destination_app} declares plaintextPorts)`);
                } else {
                    offenders.push(line);
                }
            }
        }
        if (offenders.length > 0) {
            return fail(
                `plaintext traffic reached STRICT namespace(s) ${strict.join(", ")} in the last ${PLAINTEXT_WINDOW}`,
                "find who opens those ports without mTLS (a workload PeerAuthentication or port-level PERMISSIVE/DISABLE, see the mtls-mode check); put the caller in the mesh, or declare the port as plaintextPorts in the catalog if it must take outside traffic",
                [...offenders, ...allowed],
            );
        }
        const volume = total.length > 0 ? Number(total[0].value[1]) : 0;
        const evidence =
            volume > 0
                ? `${volume.toPrecision(3)} req/s reported by destination sidecars, all mutual TLS`
                : "no request metrics from destination sidecars in the window (no traffic, or Envoy metrics are not scraped), so nothing contradicts STRICT";
        return pass(`no plaintext into ${strict.join(", ")} over the last ${PLAINTEXT_WINDOW}: ${evidence}`, allowed);
    },
};
