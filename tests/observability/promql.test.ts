import { describe, expect, it } from "vitest";
import { buildDashboards } from "../../components/observability/dashboards";
import { METRICS } from "../../components/observability/metrics";
import { buildMonitors, scrapeJobs } from "../../components/observability/monitors";
import { WORKLOAD_REPORTING } from "../../components/observability/reporting";
import { buildPlatformRuleGroups, buildServiceRuleGroups, RuleInputs } from "../../components/observability/rules";
import { DEV_CONFIG, DEV_STRICT, PROD_CONFIG, PROD_STRICT, SEED_TOPICS, loadCatalog, parseModel } from "./fixtures";
import { Located, analyze, dashboardQueries, failuresOf, ruleQueries, shipped, targetsOf } from "./promql-check";

const catalog = loadCatalog();

function allQueries(config: unknown, strict: readonly string[]): Located[] {
    const model = parseModel(config);
    const inputs: RuleInputs = { model, catalog, strictNamespaces: strict, topics: SEED_TOPICS, reporting: WORKLOAD_REPORTING, scrapeJobs: scrapeJobs(buildMonitors(model, catalog), model) };
    return [
        ...buildDashboards(model, catalog, SEED_TOPICS).flatMap((d) => dashboardQueries(shipped(d))),
        ...ruleQueries("PrometheusRule service-slos", buildServiceRuleGroups(inputs)),
        ...ruleQueries("PrometheusRule platform", buildPlatformRuleGroups(inputs)),
    ];
}

const stacks = [
    ["dev", allQueries(DEV_CONFIG, DEV_STRICT)],
    ["prod", allQueries(PROD_CONFIG, PROD_STRICT)],
] as const;

describe.each(stacks)("PromQL of every panel and rule (%s)", (_stack, queries) => {
    it("has queries to check", () => {
        expect(queries.length).toBeGreaterThan(100);
        expect(queries.every((q) => q.expr.length > 0)).toBe(true);
    });

    it("parses with the Prometheus grammar, uses only listed metrics and their labels, and compiles every regex", () => {
        expect(failuresOf(queries)).toEqual([]);
    });
});

describe("the PromQL check", () => {
    const model = parseModel(DEV_CONFIG);
    const mesh = buildDashboards(model, catalog, SEED_TOPICS)[0];

    it("catches a broken expression in a real panel and names the panel and the expression", () => {
        const broken = shipped(mesh);
        const panel = broken.panels!.find((p) => p.type !== "row" && p.title === "Request rate by destination service")!;
        const target = targetsOf(panel)[0];
        target.expr = target.expr!.replace(/\)\)$/, ")"); // drop a closing parenthesis
        const failures = failuresOf(dashboardQueries(broken));
        expect(failures).toHaveLength(1);
        expect(failures[0]).toContain("Service Mesh Overview / Request rate by destination service [A]");
        expect(failures[0]).toContain(target.expr!);
        expect(failures[0]).toContain("⚠");
    });

    it("catches misspelt metrics and labels, unknown Grafana variables and broken regexes", () => {
        expect(failuresOf([{ where: "x", expr: 'sum(rate(istio_request_total{reporter="destination"}[5m]))' }])[0]).toContain("metric istio_request_total is not in");
        expect(failuresOf([{ where: "x", expr: 'sum(rate(istio_requests_total{destination_service_nam="a"}[5m]))' }])[0]).toContain("label destination_service_nam is not a label of istio_requests_total");
        expect(failuresOf([{ where: "x", expr: "rate(istio_requests_total[$interval])" }])[0]).toContain("⚠");
        expect(failuresOf([{ where: "x", expr: 'istio_requests_total{response_code=~"5(.."}' }])[0]).toContain("does not compile");
        expect(failuresOf([{ where: "x", expr: "rate(istio_requests_total[$__rate_interval])" }])).toEqual([]);
    });

    it("reads metric names out of the parse tree, not out of the text", () => {
        const a = analyze('histogram_quantile(0.99, sum by (le) (rate(kong_request_latency_ms_bucket{service="x"}[5m]))) > 800');
        expect(a.metrics).toEqual(["kong_request_latency_ms_bucket"]);
        expect(a.matchers).toEqual([{ metric: "kong_request_latency_ms_bucket", label: "service", op: "=", value: "x" }]);
        expect(a.syntaxErrors).toEqual([]);
    });

    it("keeps the metric list free of names no query uses, and gives each its upstream source", () => {
        const used = new Set(stacks.flatMap(([, qs]) => qs.flatMap((q) => analyze(q.expr).metrics)));
        expect([...Object.keys(METRICS)].filter((m) => !used.has(m))).toEqual([]);
        for (const [name, m] of Object.entries(METRICS)) {
            expect(m.source, name).toMatch(/istio\.io|Kong|kafka_exporter|Prometheus docs/);
        }
    });
});
