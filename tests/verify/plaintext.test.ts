import { afterEach, describe, expect, it } from "vitest";
import { plaintextCheck } from "../../verify/checks";
import { plaintextQueries } from "../../verify/checks/plaintext";
import { runCheck } from "../../verify/runner";
import { problemsOf } from "../observability/promql-check";
import { FakeServer, context, deadUrl, meshOutputs, promError, promVector, startServer } from "./support";

const servers: FakeServer[] = [];
afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

const STRICT_NS = ["data-platform", "kong", "monitoring"];

/** A Prometheus answering the three queries of the check (identified by metric and grouping). */
async function prometheus(answers: { http?: unknown; tcp?: unknown; total?: unknown }): Promise<FakeServer> {
    const q = plaintextQueries(STRICT_NS);
    const s = await startServer((req) => {
        const url = new URL(req.url, "http://x");
        if (url.pathname !== "/api/v1/query") return { status: 404, text: "404 page not found" };
        const expr = url.searchParams.get("query");
        const body = expr === q.http ? answers.http : expr === q.tcp ? answers.tcp : expr === q.total ? answers.total : promError("bad_data", `unexpected query ${expr}`);
        return { status: (body as { status?: string })?.status === "error" ? 400 : 200, body: body ?? promVector([]) };
    });
    servers.push(s);
    return s;
}

const dest = (ns: string, workload: string, app: string, source: string): Record<string, string> => ({
    destination_workload_namespace: ns,
    destination_workload: workload,
    destination_app: app,
    source_workload_namespace: "unknown",
    source_workload: source,
});

describe("plaintext check", () => {
    it("writes valid PromQL over destination-reported Istio metrics", () => {
        const q = plaintextQueries(STRICT_NS);
        for (const expr of Object.values(q)) {
            expect(problemsOf(expr)).toEqual([]);
            expect(expr).toContain('reporter="destination"');
            expect(expr).toContain('destination_workload_namespace=~"data-platform|kong|monitoring"');
        }
        expect(q.http).toContain('connection_security_policy!="mutual_tls"');
    });

    it("passes when no plaintext series is above zero, stating the mTLS volume it saw", async () => {
        const p = await prometheus({ http: promVector([{ metric: dest("data-platform", "portal-services", "portal-services", "unknown"), value: 0 }]), total: promVector([{ metric: {}, value: 12.5 }]) });
        const r = await runCheck(plaintextCheck, context({ mesh: meshOutputs("STRICT") }, { prometheusUrl: p.url }));
        expect(r.status).toBe("PASS");
        expect(r.detail).toContain("12.5 req/s reported by destination sidecars, all mutual TLS");
    });

    it("fails on plaintext into a STRICT namespace, but allows declared plaintextPorts (kong)", async () => {
        const p = await prometheus({
            http: promVector([
                { metric: dest("data-platform", "portal-services", "portal-services", "legacy-cron"), value: 0.25 },
                { metric: dest("kong", "kong", "kong", "unknown"), value: 40 },
            ]),
        });
        const r = await runCheck(plaintextCheck, context({ mesh: meshOutputs("STRICT") }, { prometheusUrl: p.url }));
        expect(r.status).toBe("FAIL");
        expect(r.items[0]).toBe("HTTP unknown/legacy-cron → data-platform/portal-services: 0.250/s without mTLS");
        expect(r.items[1]).toContain("(allowed: kong declares plaintextPorts)");
        const onlyKong = await prometheus({ tcp: promVector([{ metric: dest("kong", "kong", "kong", "unknown"), value: 3 }]) });
        const allowed = await runCheck(plaintextCheck, context({ mesh: meshOutputs("STRICT") }, { prometheusUrl: onlyKong.url }));
        expect(allowed.status).toBe("PASS");
    });

    it("reaches an in-cluster Prometheus URL through the API server's service proxy", async () => {
        const q = plaintextQueries(STRICT_NS);
        const api = await startServer((req) => {
            const url = new URL(req.url, "http://x");
            if (url.pathname !== "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy/api/v1/query") return undefined;
            return { body: url.searchParams.get("query") === q.total ? promVector([{ metric: {}, value: 3 }]) : promVector([]) };
        });
        servers.push(api);
        const r = await runCheck(plaintextCheck, context({ mesh: meshOutputs("STRICT") }, { prometheusUrl: "http://prometheus.monitoring.svc.cluster.local:9090", kubeApi: api.url }));
        expect(r.status).toBe("PASS");
        expect(api.requests).toHaveLength(3);
    });

    it("is not applicable when no namespace is STRICT", async () => {
        expect((await runCheck(plaintextCheck, context({ mesh: meshOutputs("PERMISSIVE") }))).status).toBe("SKIP");
    });

    it("reports ERROR without a Prometheus URL, when unreachable, and on a Prometheus error answer", async () => {
        const none = await runCheck(plaintextCheck, context({ mesh: meshOutputs("STRICT") }));
        expect(none.status).toBe("ERROR");
        expect(none.action).toContain("--prometheus-url");
        const dead = await runCheck(plaintextCheck, context({ mesh: meshOutputs("STRICT") }, { prometheusUrl: await deadUrl() }));
        expect(dead.status).toBe("ERROR");
        const p = await prometheus({ http: promError("execution", "query timed out in expression evaluation") });
        const bad = await runCheck(plaintextCheck, context({ mesh: meshOutputs("STRICT") }, { prometheusUrl: p.url }));
        expect(bad.status).toBe("ERROR");
        expect(bad.detail).toContain("execution: query timed out");
    });
});
